package phoenix.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import phoenix.pair.PairConfig;

/**
 * The parsed command line of a {@link Program}: a command and its options, checked as they are read. The options
 * of the pair and the counter are fields of this package; a program's own options are read with {@link #own}.
 */
public final class Options {
    /** The counter's usage text. */
    static final String USAGE = usage(Program.COUNTER);

    /** The options that only a program stepping on a timer takes. */
    private static final Set<String> STEP_OPTIONS = Set.of("--interval", "--crash-at", "--step-timeout");

    /** What to do. */
    enum Command {
        /** Run a member of the pair. */
        RUN,
        /** Print the pair's status. */
        STATUS,
        /** Stop the pair. */
        STOP,
        /** Print the usage. */
        HELP
    }

    /** The options that are switches: present or not, never with a value. */
    private static final Set<String> FLAGS = Set.of("--help", "--fresh", "--json",
            "--heartbeat-only");

    final Program program;
    final Map<String, String> own = new LinkedHashMap<>();
    Command command = Command.RUN;
    String name;
    int port;
    Path stateDir;
    Duration interval = PairConfig.DEFAULT_STEP_INTERVAL;
    Duration heartbeat = PairConfig.DEFAULT_HEARTBEAT_INTERVAL;
    int misses = PairConfig.DEFAULT_MISSES;
    String terminal = "auto";
    boolean fresh;
    boolean heartbeatOnly;
    boolean spare;
    boolean json;
    long crashAt;
    Duration stepTimeout = PairConfig.DEFAULT_STEP_TIMEOUT;
    String coordinator;
    String bind;
    Duration sessionTimeout = PairConfig.DEFAULT_SESSION_TIMEOUT;

    /** Options of the counter, all at their defaults. */
    Options() {
        this(Program.COUNTER);
    }

    /** Options of {@code program}, all at their defaults. */
    Options(Program program) {
        this.program = program;
        this.name = program.defaultName();
        // A loop, not a lambda (see Main#main).
        for (Program.OwnOption opt : program.ownOptions()) {
            own.put(opt.name(), opt.defaultValue());
        }
    }

    /**
     * The value of one of the program's own options.
     *
     * @param option the option, such as {@code --http-port}
     * @return its value as given, or its default
     * @throws IllegalArgumentException when the program has no such option
     */
    public String own(String option) {
        String value = own.get(option);
        if (value == null) {
            throw new IllegalArgumentException(program.tag() + " has no option " + option);
        }
        return value;
    }

    static Options parse(String[] args) {
        return parse(args, Program.COUNTER);
    }

    static Options parse(String[] args, Program program) {
        Options o = new Options(program);
        int i = 0;
        if (args.length > 0 && !args[0].startsWith("-")) {
            switch (args[0]) {
                case "run":
                    o.command = Command.RUN;
                    break;
                case "status":
                    o.command = Command.STATUS;
                    break;
                case "stop":
                    o.command = Command.STOP;
                    break;
                case "help":
                    o.command = Command.HELP;
                    break;
                default:
                    throw new UsageException("unknown command '" + args[0] + "'; use run, status, stop or --help");
            }
            i = 1;
        }
        boolean sessionTimeoutGiven = false;
        for (; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            if (!program.steps() && STEP_OPTIONS.contains(arg)) {
                throw new UsageException(arg + " is an option of a program that steps on a timer; "
                        + program.script() + " does not take it; see --help");
            }
            Program.OwnOption ownOption = program.ownOption(arg);
            if (ownOption != null) {
                String text = value != null ? value : next(args, ++i, arg);
                if (!ownOption.accepts().test(text)) {
                    throw new UsageException(arg + " '" + text + "' is not accepted; use " + ownOption.accepted());
                }
                o.own.put(arg, text);
                continue;
            }
            if (value != null && FLAGS.contains(arg)) {
                throw new UsageException(arg + " takes no value (given '" + value + "'); write " + arg
                        + " alone, or leave it out");
            }
            switch (arg) {
                case "--help":
                case "-h":
                    o.command = Command.HELP;
                    break;
                case "--fresh":
                    o.fresh = true;
                    break;
                case "--json":
                    o.json = true;
                    break;
                case "--heartbeat-only":
                    o.heartbeatOnly = true;
                    break;
                case "--name":
                    o.name = value != null ? value : next(args, ++i, arg);
                    break;
                case "--port":
                    o.port = integer(arg, value != null ? value : next(args, ++i, arg), 1024, 65535,
                            "a port from 1024 to 65535");
                    break;
                case "--state-dir":
                    String dir = value != null ? value : next(args, ++i, arg);
                    if (dir.isEmpty()) {
                        throw new UsageException("--state-dir needs a directory, not an empty string");
                    }
                    o.stateDir = path(arg, dir);
                    break;
                case "--interval":
                    o.interval = duration(arg, value != null ? value : next(args, ++i, arg));
                    break;
                case "--heartbeat":
                    o.heartbeat = duration(arg, value != null ? value : next(args, ++i, arg));
                    break;
                case "--misses":
                    o.misses = integer(arg, value != null ? value : next(args, ++i, arg), 2, 100,
                            "a whole number from 2 to 100");
                    break;
                case "--terminal":
                    o.terminal = value != null ? value : next(args, ++i, arg);
                    if (o.terminal.isBlank() || o.terminal.contains("/") && !Path.of(o.terminal).isAbsolute()) {
                        throw new UsageException("--terminal takes auto, none or a terminal program such as xterm");
                    }
                    break;
                case "--spare":
                    String spare = value != null ? value : next(args, ++i, arg);
                    if (!spare.equals("on") && !spare.equals("off")) {
                        throw new UsageException("--spare takes on or off (given '" + spare + "')");
                    }
                    o.spare = spare.equals("on");
                    break;
                case "--crash-at":
                    o.crashAt = longValue(arg, value != null ? value : next(args, ++i, arg), 1, Long.MAX_VALUE,
                            "a number from 1 up");
                    break;
                case "--step-timeout":
                    o.stepTimeout = duration(arg, value != null ? value : next(args, ++i, arg));
                    break;
                case "--coordinator":
                    o.coordinator = value != null ? value : next(args, ++i, arg);
                    break;
                case "--bind":
                    o.bind = value != null ? value : next(args, ++i, arg);
                    break;
                case "--session-timeout":
                    o.sessionTimeout = duration(arg, value != null ? value : next(args, ++i, arg));
                    sessionTimeoutGiven = true;
                    break;
                default:
                    throw new UsageException("unknown option '" + args[i] + "'; see --help");
            }
        }
        if (sessionTimeoutGiven && o.coordinator == null) {
            throw new UsageException("--session-timeout is the ZooKeeper session's: it needs --coordinator");
        }
        return o;
    }

    private static String next(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value; see --help");
        }
        return args[i];
    }

    private static int integer(String option, String text, long min, long max, String accepted) {
        long v = longValue(option, text, min, max, accepted);
        return (int) Math.min(v, Integer.MAX_VALUE);
    }

    private static long longValue(String option, String text, long min, long max, String accepted) {
        try {
            long v = Long.parseLong(text);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // Reported below with what is accepted.
        }
        throw new UsageException(option + " '" + text + "' is not accepted; use " + accepted);
    }

    /**
     * Reads a duration written as people write them: {@code 10ms}, {@code 1s}, {@code 1.5s}, {@code 2m}: ASCII
     * digits, perhaps a point and more digits, and a unit, {@code ms}, {@code s}, {@code m} (minutes) or {@code h},
     * in any case, white space around it ignored; 1 ms to 1 h. Read by hand, not with a regular expression: a JVM's
     * first patterns cost a member's start milliseconds of CPU (about 5 ms for the command line's two).
     */
    static Duration duration(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int digits = digitsFrom(t, 0);
        int end = digits;
        if (end > 0 && end < t.length() && t.charAt(end) == '.') {
            int fraction = digitsFrom(t, end + 1);
            end = fraction > end + 1 ? fraction : -1;
        }
        double perUnit = end <= 0 ? 0 : switch (t.substring(end)) {
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            default -> 0;
        };
        if (perUnit == 0) {
            throw new UsageException(option + " '" + text + "' is not a duration; write it with a unit, such as "
                    + "10ms, 1s or 1.5s");
        }
        double nanos = Double.parseDouble(t.substring(0, end)) * perUnit;
        if (nanos < 1e6 || nanos > 3600e9) {
            throw new UsageException(option + " '" + text + "' is out of range; use 1ms to 1h");
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /** @return the index after the ASCII digits of {@code t} from {@code from} on */
    private static int digitsFrom(String t, int from) {
        int i = from;
        while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /**
     * A path the way the JVM can use it: with a locale whose character set cannot hold a name (LC_ALL=C and a
     * name with accents), the JVM cannot name the file at all.
     */
    static Path path(String option, String text) {
        try {
            return Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException(option + " '" + text + "' cannot be used as a path here: " + e.getReason()
                    + " (file names are encoded as " + System.getProperty("sun.jnu.encoding")
                    + ", from the locale); set a UTF-8 locale such as LC_ALL=C.UTF-8, or choose a plain ASCII path");
        }
    }

    static String millis(Duration d) {
        // By hand, not with BigDecimal, whose first use cost a member's start 16 ms on JDK 25 before its first number.
        long nanos = d.toNanos();
        String sign = nanos < 0 ? "-" : "";
        long abs = Math.abs(nanos);
        long fraction = abs % 1_000_000;
        if (fraction == 0) {
            return sign + abs / 1_000_000 + "ms";
        }
        String digits = Long.toString(1_000_000 + fraction).substring(1);
        int end = digits.length();
        while (digits.charAt(end - 1) == '0') {
            end--;
        }
        return sign + abs / 1_000_000 + "." + digits.substring(0, end) + "ms";
    }

    /** The options a spawned standby needs, with every derived value spelled out. */
    List<String> standbyArgs(PairConfig config) {
        List<String> out = new ArrayList<>(List.of("run", "--name", config.name(), "--port",
                String.valueOf(config.port()), "--state-dir", config.stateDir().toString(),
                "--heartbeat", millis(config.heartbeatInterval()), "--misses", String.valueOf(config.misses()),
                "--terminal", config.terminal()));
        if (program.steps()) {
            out.addAll(List.of("--interval", millis(config.stepInterval()), "--step-timeout",
                    millis(config.stepTimeout())));
        }
        for (Map.Entry<String, String> option : own.entrySet()) {
            out.addAll(List.of(option.getKey(), option.getValue()));
        }
        if (crashAt > 0) {
            out.addAll(List.of("--crash-at", String.valueOf(crashAt)));
        }
        if (heartbeatOnly) {
            out.add("--heartbeat-only");
        }
        if (spare) {
            out.addAll(List.of("--spare", "on"));
        }
        if (config.coordinator() != null) {
            out.addAll(List.of("--coordinator", config.coordinator(), "--session-timeout",
                    millis(config.sessionTimeout())));
            if (config.bind() != null) {
                out.addAll(List.of("--bind", config.bind()));
            }
        }
        return out;
    }

    /** The usage text of {@code p}: its commands, the pair's options, and its own. */
    static String usage(Program p) {
        List<String> lines = new ArrayList<>(List.of(
                "usage: " + p.script() + " [run] [options]      " + p.summary(),
                "       " + p.script() + " status [--json] [--name NAME] [--state-dir DIR]",
                "       " + p.script() + " stop [--name NAME] [--state-dir DIR]",
                "",
                "options:",
                "  --name NAME          the pair's name (default: " + p.defaultName()
                        + "); pairs with different names are independent",
                "  --port PORT          UDP port on 127.0.0.1 for heartbeats (default: derived from the name, "
                        + PairConfig.DERIVED_PORT_BASE + "-" + (PairConfig.DERIVED_PORT_BASE + 19999) + ")",
                "  --state-dir DIR      checkpoint, secret and control sockets (default: $XDG_STATE_HOME/phoenix/NAME",
                "                       or ~/.local/state/phoenix/NAME)"));
        if (p.steps()) {
            lines.add("  --interval DURATION  pause between two numbers (default: 1s)");
        }
        lines.addAll(List.of(
                "  --heartbeat DURATION pause between two heartbeats (default: 100ms)",
                "  --misses N           heartbeat periods without a heartbeat before the standby takes over "
                        + "(default: 5)",
                "  --terminal WHERE     where a new standby runs: auto (a new window on a desktop, a tmux window",
                "                       inside tmux, else the background), none (the background), or a terminal",
                "                       program: xterm, gnome-terminal, konsole, xfce4-terminal, kitty, alacritty, "
                        + "tmux"));
        if (p.steps()) {
            lines.addAll(List.of(
                    "  --fresh              ignore the checkpoint and count from 1",
                    "  --crash-at N         inject a fault: at number N the counter computes the wrong next number,",
                    "                       its acceptance test fails and the primary ends itself (a crash loop)",
                    "  --step-timeout DURATION  a number that takes longer than this to print fails the acceptance "
                            + "test",
                    "                       (default: 10s)"));
        } else {
            lines.add("  --fresh              ignore the checkpoint and start from an empty state");
        }
        lines.addAll(List.of(
                "  --coordinator zk://HOST:PORT[,HOST:PORT...]/PATH  keep the epochs and the checkpoint in ZooKeeper",
                "                       under PATH/NAME instead of the state directory: the primary steps only while",
                "                       ZooKeeper confirms its session (default: the state directory alone)",
                "  --session-timeout DURATION  the ZooKeeper session timeout asked for, with --coordinator "
                        + "(default: 2s)",
                "  --bind ADDR          with --coordinator: this host's IP address, on which members on other hosts",
                "                       reach this one (TCP, the pair's --port); a start on another host then joins",
                "                       the running pair as a standby (default: no members on other hosts)",
                "  --spare on|off       on: the standby keeps a spare, a third process started and prepared ahead",
                "                       that becomes the standby as soon as the standby takes over or ends, so that",
                "                       the pair is protected again in milliseconds (a third window on a desktop;",
                "                       not with --coordinator) (default: off)",
                "  --heartbeat-only     detect a dead primary by missed heartbeats alone, like simpler process",
                "                       pairs (for comparisons: takeover after a crash then waits for the timeout)"));
        for (Program.OwnOption opt : p.ownOptions()) {
            String head = "  " + opt.name() + " " + opt.valueName();
            lines.add(head + " ".repeat(Math.max(1, 23 - head.length())) + opt.help() + " (default: "
                    + opt.defaultValue() + ")");
        }
        lines.addAll(List.of(
                "  --json               with status: one JSON object on stdout",
                "  --help               this text",
                "",
                "durations are written with a unit: 10ms, 250ms, 1s, 1.5s, 2m, 1h"));
        if (p.steps()) {
            lines.add("stdout carries the numbers only; everything else goes to stderr");
        }
        return String.join("\n", lines);
    }
}
