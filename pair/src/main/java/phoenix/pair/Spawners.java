package phoenix.pair;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Starts standbys: in a new terminal window where there is a desktop, in a new tmux window inside tmux, in
 * Terminal on macOS, and otherwise in the background sharing this process's stdout and stderr. Always with an
 * argument list: no shell reads the arguments as code, except on macOS, where Terminal takes a shell line and
 * every argument is quoted for it.
 *
 * <p>A terminal window's program stays neutral: {@code setsid TERMINAL -e /bin/sh -c TRAMPOLINE}, where
 * {@link #TRAMPOLINE} is fixed text that sets the window's title and rebuilds the standby's argument list from
 * environment variables ({@code PAIR_ARGC}, {@code PAIR_ARG_0} ...), then {@code exec}s it: the shell becomes
 * the standby. So the terminal's own command line names neither the program nor the standby's command, and
 * {@code pkill -f PROGRAM} finds the member JVMs alone, never the windows they run in.
 */
final class Spawners implements StandbyKeeper.Spawner {
    /** The terminal programs tried, in order, when there is a desktop. */
    static final List<String> DESKTOP_TERMINALS = List.of(
            "x-terminal-emulator", "gnome-terminal", "konsole", "xfce4-terminal", "kitty", "alacritty", "xterm");

    /**
     * Set in the environment of a standby spawned into a window of its own, where nobody else writes: to
     * {@code tmux} in a tmux window, to {@code 1} in a terminal window.
     */
    static final String OWN_WINDOW_ENV = "PHOENIX_OWN_WINDOW";

    /** The number of arguments the trampoline rebuilds. */
    static final String ARGC_ENV = "PAIR_ARGC";
    /** Prefix of the arguments the trampoline rebuilds: {@code PAIR_ARG_0}, {@code PAIR_ARG_1}, ... */
    static final String ARG_ENV = "PAIR_ARG_";
    /** The title the trampoline gives the window. */
    static final String TITLE_ENV = "PAIR_TITLE";

    /**
     * What a terminal window runs, as {@code /bin/sh -c TRAMPOLINE}: sets the window's title with OSC 0 (a shell
     * builtin, no process), rebuilds the argument list from the environment and {@code exec}s it, leaving none
     * of those variables behind. {@code eval} sees only the loop's own number and variable names, never a
     * value: each argument is expanded once, inside double quotes, as a parameter.
     */
    static final String TRAMPOLINE = "printf '\\033]0;%s\\007' \"$" + TITLE_ENV + "\"; i=0; set --; "
            + "while [ \"$i\" -lt \"$" + ARGC_ENV + "\" ]; do eval \"set -- \\\"\\$@\\\" \\\"\\$" + ARG_ENV
            + "$i\\\"\"; unset \"" + ARG_ENV + "$i\"; i=$((i + 1)); done; unset " + ARGC_ENV + " " + TITLE_ENV
            + " i; exec \"$@\"";

    private final List<String> command;
    private final String title;
    private final Map<String, String> environment;
    /** What it starts, for its log lines: "standby" or "spare". */
    private final String role;
    private String terminal;

    /**
     * @param command the standby's command line
     * @param title the window title
     * @param terminal {@code none} or a terminal program, already resolved from {@code auto}
     * @param environment set in every standby's environment (the marker that says who spawned it)
     */
    Spawners(List<String> command, String title, String terminal, Map<String, String> environment) {
        this(command, title, terminal, environment, "standby");
    }

    /** The same, for what {@code role} names ("standby", or "spare"). */
    Spawners(List<String> command, String title, String terminal, Map<String, String> environment, String role) {
        this.role = role;
        this.command = List.copyOf(command);
        this.title = title;
        this.terminal = terminal;
        this.environment = Map.copyOf(environment);
    }

    /** Resolves {@code auto}: tmux when inside tmux, a terminal window when there is a desktop, else none. */
    static String resolve(String requested, Map<String, String> env) {
        if (!"auto".equals(requested)) {
            return requested;
        }
        if (env.containsKey("TMUX") && onPath("tmux", env)) {
            return "tmux";
        }
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac")) {
            return "Terminal";
        }
        if (env.containsKey("DISPLAY") || env.containsKey("WAYLAND_DISPLAY")) {
            for (String t : DESKTOP_TERMINALS) {
                if (onPath(t, env)) {
                    return t;
                }
            }
            Log.LOG.warn("there is a desktop but none of {} is installed; the standby runs in the background",
                    DESKTOP_TERMINALS);
        }
        return "none";
    }

    static boolean onPath(String program, Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The full command line that starts the standby with the given terminal. In a terminal window, the
     * standby's own command and title are not on it: they go in the environment ({@link #environmentFor}).
     */
    static List<String> commandFor(String terminal, String title, List<String> command) {
        List<String> out = new ArrayList<>();
        if (!List.of("none", "tmux", "Terminal").contains(terminal) && onPath("setsid", System.getenv())) {
            // A session of its own: Ctrl+C in the primary's terminal reaches the primary's process group, and
            // the standby's terminal must not be in it. setsid execs in place here, so the pid stays the same.
            out.add("setsid");
        }
        switch (terminal) {
            case "none":
                return List.copyOf(command);
            case "tmux":
                // tmux's client ends as soon as the window is open; the window runs the command itself.
                out.addAll(List.of("tmux", "new-window", "-d", "-e", OWN_WINDOW_ENV + "=tmux", "-n", title, "--"));
                out.addAll(command);
                return out;
            case "Terminal":
                return List.of("osascript", "-e", "tell application \"Terminal\" to do script \""
                        + appleScriptEscape(shellLine(command)) + "\"");
            case "gnome-terminal":
                out.addAll(List.of("gnome-terminal", "--"));
                break;
            case "xfce4-terminal":
                out.addAll(List.of("xfce4-terminal", "-x"));
                break;
            case "kitty":
                out.add("kitty");
                break;
            case "konsole":
                // Konsole titles a window after its program unless told to use the title the program sets.
                out.addAll(List.of("konsole", "-p", "tabtitle=%w", "-e"));
                break;
            default:
                // xterm, x-terminal-emulator, alacritty and most others: -e program and its arguments.
                out.addAll(List.of(terminal, "-e"));
                break;
        }
        out.addAll(List.of("/bin/sh", "-c", TRAMPOLINE));
        return out;
    }

    /** What the standby's terminal window needs in its environment: the trampoline's title and arguments. */
    static Map<String, String> environmentFor(String terminal, String title, List<String> command) {
        if (List.of("none", "tmux", "Terminal").contains(terminal)) {
            return Map.of();
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put(OWN_WINDOW_ENV, "1");
        env.put(TITLE_ENV, title);
        env.put(ARGC_ENV, String.valueOf(command.size()));
        for (int i = 0; i < command.size(); i++) {
            env.put(ARG_ENV + i, command.get(i));
        }
        return env;
    }

    /** Quotes every argument for a POSIX shell, for the one terminal that only takes a shell line. */
    static String shellLine(List<String> command) {
        StringBuilder sb = new StringBuilder("exec");
        for (String arg : command) {
            sb.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        }
        return sb.toString();
    }

    private static String appleScriptEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public StandbyKeeper.Spawned spawn() throws IOException {
        List<String> full = new ArrayList<>(commandFor(terminal, title, command));
        if ("tmux".equals(terminal)) {
            // A tmux window takes the tmux server's environment, not this process's: say it on the command line.
            int at = full.indexOf("new-window") + 1;
            for (Map.Entry<String, String> e : environment.entrySet()) {
                full.addAll(at, List.of("-e", e.getKey() + "=" + e.getValue()));
            }
        }
        ProcessBuilder pb = new ProcessBuilder(full).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (!environment.containsKey(PairConfig.SPARE_OF_ENV)) {
            // A spare that became the standby, then the primary, spawns standbys: not spares of its old standby.
            pb.environment().remove(PairConfig.SPARE_OF_ENV);
        }
        pb.environment().putAll(environment);
        boolean background = "none".equals(terminal);
        if (background) {
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        } else {
            // The terminal's own chatter is not ours to show; the standby writes into its window.
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(environmentFor(terminal, title, command));
        }
        Process process = pb.start();
        Log.LOG.info("spawned {} {} pid {}", role, background ? "in the background as" : "in " + terminal + " as",
                process.pid());
        return new Started(process, background);
    }

    @Override
    public void failed(StandbyKeeper.Spawned spawned, String why) {
        if (!"none".equals(terminal)) {
            Log.LOG.warn("terminal {} did not start a {} ({}); {}s now run in the background", terminal, role, why,
                    role);
            terminal = "none";
        }
    }

    @Override
    public void kill(long standbyPid) {
        ProcessHandle.of(standbyPid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** @return whether the standbys this primary starts write to its own stdout and stderr */
    boolean sharesOutput() {
        return "none".equals(terminal);
    }

    String terminal() {
        return terminal;
    }

    /** A started process; the JDK reaps it when it ends, so no zombie is left. */
    private static final class Started implements StandbyKeeper.Spawned {
        private final Process process;
        private final boolean background;

        Started(Process process, boolean background) {
            this.process = process;
            this.background = background;
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public boolean failedToStart() {
            // A terminal client may hand the window to a server and exit 0 at once; only an error counts.
            return !process.isAlive() && (background || process.exitValue() != 0);
        }

        @Override
        public void kill() {
            process.destroyForcibly();
        }
    }

    /**
     * The logger, created on first use (see {@link Member}): made with this class, a fresh primary's first spawn
     * waited 45 ms for the logger's set-up, which another thread had begun.
     */
    private static final class Log {
        static final Logger LOG = Logs.of(Spawners.class);
    }
}
