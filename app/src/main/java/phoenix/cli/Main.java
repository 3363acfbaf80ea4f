package phoenix.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import phoenix.counter.Counter;
import phoenix.pair.Ending;
import phoenix.pair.PairConfig;
import phoenix.pair.PairException;
import phoenix.pair.PairMember;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;

/**
 * The command line: parse, build the configuration, run, map the outcome to an exit code. The counter's
 * {@code main}, and {@link #run(String[], Program, Primary)} for any other {@link Program} on the pair library.
 */
public final class Main {
    /** Exit code for a command line or environment that cannot be used. */
    static final int EXIT_USAGE = 2;
    /** Exit code for status or stop when no member of the pair is running. */
    static final int EXIT_NOT_RUNNING = 1;
    /** Exit code for an error phoenix did not foresee (sysexits' EX_SOFTWARE, as a failed acceptance test). */
    static final int EXIT_INTERNAL = 70;
    /**
     * The command line's word for the library's step, in status (text and JSON) and stop: the counter's, kept for
     * every program on this command line, so that kv's {@code status --json} has phoenix's fields.
     */
    static final String STEP_WORD = "count";

    private Main() {
    }

    /**
     * Runs phoenix.
     *
     * @param args the command line; see {@link Options#USAGE}
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        // A class, not a lambda: a JVM's first lambda costs its start the method-handle machinery's set-up (about
        // 10 ms on JDK 17), and nothing else before a person's start's first number needs it.
        return run(args, Program.COUNTER, new Primary() {
            @Override
            public Ending run(PairConfig config, Options o) {
                return ProcessPair.run(config, new Counter(System.out, o.crashAt));
            }
        });
    }

    /** What a program's member runs once its command line is read: the call into the library. */
    @FunctionalInterface
    public interface Primary {
        /**
         * Runs this process as a member of the pair.
         *
         * @param config the pair's configuration, with the standby's command spelled out
         * @param options the command line, for the program's own options ({@link Options#own})
         * @return how this member ended
         */
        Ending run(PairConfig config, Options options);
    }

    /**
     * Runs a program's command line: {@code run}, {@code status}, {@code stop} or {@code --help}, with the same
     * options, one-line errors and exit codes as phoenix's.
     *
     * @param args the command line
     * @param program the program: its name in messages, defaults and own options
     * @param primary what {@code run} does once the command line is read
     * @return the exit code
     */
    public static int run(String[] args, Program program, Primary primary) {
        long pid = ProcessPair.ownPid();
        // slf4j-simple prints the thread name: with the pid in it, interleaved lines of two members stay apart.
        Thread.currentThread().setName(program.tag() + " " + pid);
        try {
            return runChecked(args, program, primary);
        } catch (RuntimeException | Error e) {
            // Nothing a user does should get here; if something does, it is our fault, said on one line.
            System.err.println(program.tag() + ": internal error: " + e + " (please report it; the "
                    + (program.steps() ? "count" : "state") + " is kept in the checkpoint)");
            return EXIT_INTERNAL;
        }
    }

    private static int runChecked(String[] args, Program program, Primary primary) {
        try {
            Options o = Options.parse(args, program);
            if (o.command == Options.Command.HELP) {
                System.out.println(Options.usage(program));
                return 0;
            }
            PairConfig config = configure(o).build();
            switch (o.command) {
                case STATUS:
                    return status(config, o.json, program);
                case STOP:
                    return stop(config, program);
                default:
                    PairConfig withCommand = configure(o).port(config.port()).stateDir(config.stateDir())
                            .standbyCommand(memberCommand(o.standbyArgs(config), config, program.mainClass()))
                            .build();
                    // A member's log lines get their time of day from its stderr (see TimeOfDayStderr); what
                    // this command line itself says after the member ended, or before, does not.
                    PrintStream plain = TimeOfDayStderr.install();
                    try {
                        return primary.run(withCommand, o).exitCode();
                    } finally {
                        System.err.flush();
                        System.setErr(plain);
                    }
            }
        } catch (UsageException | PairException e) {
            System.err.println(program.tag() + ": " + e.getMessage());
            return EXIT_USAGE;
        }
    }

    private static PairConfig.Builder configure(Options o) {
        return PairConfig.builder(o.name).port(o.port).stateDir(o.stateDir).stepInterval(o.interval)
                .heartbeatInterval(o.heartbeat).misses(o.misses).terminal(o.terminal).fresh(o.fresh)
                .stepTimeout(o.stepTimeout).heartbeatOnly(o.heartbeatOnly).spare(o.spare)
                .coordinator(o.coordinator).bind(o.bind)
                .sessionTimeout(o.sessionTimeout)
                // The windows' titles say phoenix: the library's own default would be the pair's name alone.
                .windowLabel("phoenix " + o.name);
    }

    private static int status(PairConfig config, boolean json, Program program) {
        Optional<PairStatus> status = ProcessPair.status(config);
        if (status.isEmpty()) {
            return notRunning(config, program);
        }
        List<PairMember> members = List.of();
        if (config.coordinator() != null) {
            try {
                members = ProcessPair.members(config);
            } catch (PairException e) {
                System.err.println(program.tag() + ": " + e.getMessage()
                        + "; the members on other hosts are not listed");
            }
        }
        System.out.print(statusOutput(status.get(), json, config.coordinator() == null ? null : members));
        return 0;
    }

    /** What {@code status} prints: the text, or the JSON on one line. */
    static String statusOutput(PairStatus status, boolean json) {
        return statusOutput(status, json, null);
    }

    /**
     * What {@code status} prints, with the members the coordinator lists ({@code "members"} in the JSON; a line
     * each in the text), or without when {@code members} is null (no coordinator).
     */
    static String statusOutput(PairStatus status, boolean json, List<PairMember> members) {
        if (json) {
            String object = status.toJson(STEP_WORD);
            if (members == null) {
                return object + "\n";
            }
            String list = members.stream().map(PairMember::toJson).collect(java.util.stream.Collectors.joining(","));
            return object.substring(0, object.length() - 1) + ",\"members\":[" + list + "]}\n";
        }
        StringBuilder text = new StringBuilder(status.toText(STEP_WORD));
        if (members != null && status.primaryPid() == 0) {
            // Only a standby runs here: the primary, and what protects it, are on another host.
            members.stream().filter(m -> m.role().equals("primary")).findFirst().ifPresent(p -> text.append(
                    "  (this host runs a standby only: the primary is pid ").append(p.pid()).append(" on ")
                    .append(p.host()).append("; 'status' there says whether it is protected)\n"));
        }
        if (members != null) {
            text.append("  members (coordinator):").append(members.isEmpty() ? " none listed" : "").append('\n');
            for (PairMember m : members) {
                text.append("    ").append(m.role()).append(" pid ").append(m.pid()).append(" on ").append(m.host())
                        .append(" (").append(m.bind()).append(")")
                        .append(m.watching() > 0 ? ", watching pid " + m.watching() + " over TCP" : "").append('\n');
            }
        }
        return text.toString();
    }

    private static int stop(PairConfig config, Program program) {
        Optional<PairStatus> last = ProcessPair.stop(config, Duration.ofSeconds(15));
        if (last.isEmpty()) {
            return notRunning(config, program);
        }
        System.err.println("pair '" + config.name() + "' stopped at " + STEP_WORD + " " + last.get().step());
        return 0;
    }

    private static int notRunning(PairConfig config, Program program) {
        System.err.println(program.tag() + ": no pair named '" + config.name() + "' is running (state dir "
                + config.stateDir() + ")");
        return EXIT_NOT_RUNNING;
    }

    /**
     * The command that started this JVM, up to and including the main class, followed by {@code args}: a new
     * member runs on the same Java with the same JVM options and class path. A JVM fatal-error file goes to the
     * pair's state directory, never into stdout's way or the current directory.
     */
    static List<String> memberCommand(List<String> args, PairConfig config, Class<?> mainClass) {
        List<String> command = new ArrayList<>();
        // This JVM's own command line: the configuration's default standby command (the library reads it where the
        // system tells it, without ProcessHandle's set-up; empty where it does not).
        List<String> own = config.standbyCommand();
        int main = own.isEmpty() ? -1 : own.subList(1, own.size()).indexOf(mainClass.getName());
        if (main >= 0) {
            command.add(own.get(0));
            for (String a : own.subList(1, 1 + main)) {
                // A member that writes a class-data archive as it exits (run-phoenix.sh's training pair) is the
                // only one that may: its standby would write the same file.
                if (!a.startsWith("-XX:ErrorFile=") && !a.startsWith("-XX:ArchiveClassesAtExit=")
                        && !a.startsWith("-XX:AOTCacheOutput=")) {
                    command.add(a);
                }
            }
            command.add("-XX:ErrorFile=" + config.stateDir().resolve("hs_err_pid%p.log"));
            command.add(mainClass.getName());
        } else {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        }
        command.addAll(args);
        return command;
    }
}
