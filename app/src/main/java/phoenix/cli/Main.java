package phoenix.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import phoenix.counter.Counter;
import phoenix.pair.Ending;
import phoenix.pair.PairConfig;
import phoenix.pair.PairException;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;

/** The command line: parse, build the configuration, run, map the outcome to an exit code. */
public final class Main {
    /** Exit code for a command line or environment that cannot be used. */
    static final int EXIT_USAGE = 2;
    /** Exit code for status or stop when no member of the pair is running. */
    static final int EXIT_NOT_RUNNING = 1;
    /** Exit code for an error phoenix did not foresee (sysexits' EX_SOFTWARE, as a failed acceptance test). */
    static final int EXIT_INTERNAL = 70;

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
        long pid = ProcessHandle.current().pid();
        // slf4j-simple prints the thread name: with the pid in it, interleaved lines of two members stay apart.
        Thread.currentThread().setName("phoenix " + pid);
        try {
            return runChecked(args);
        } catch (RuntimeException | Error e) {
            // Nothing a user does should get here; if something does, it is phoenix's fault, said on one line.
            System.err.println("phoenix: internal error: " + e + " (please report it; the count is kept in the "
                    + "checkpoint)");
            return EXIT_INTERNAL;
        }
    }

    private static int runChecked(String[] args) {
        long pid = ProcessHandle.current().pid();
        try {
            Options o = Options.parse(args);
            if (o.command == Options.Command.HELP) {
                System.out.println(Options.USAGE);
                return 0;
            }
            PairConfig config = configure(o).build();
            switch (o.command) {
                case STATUS:
                    return status(config, o.json);
                case STOP:
                    return stop(config);
                default:
                    PairConfig withCommand = configure(o).port(config.port()).stateDir(config.stateDir())
                            .standbyCommand(memberCommand(o.standbyArgs(config), config)).build();
                    Ending ending = ProcessPair.run(withCommand, new Counter(System.out, o.crashAt));
                    return ending.exitCode();
            }
        } catch (UsageException | PairException e) {
            System.err.println("phoenix: " + e.getMessage());
            return EXIT_USAGE;
        }
    }

    private static PairConfig.Builder configure(Options o) {
        return PairConfig.builder(o.name).port(o.port).stateDir(o.stateDir).stepInterval(o.interval)
                .heartbeatInterval(o.heartbeat).misses(o.misses).terminal(o.terminal).fresh(o.fresh)
                .stepTimeout(o.stepTimeout).heartbeatOnly(o.heartbeatOnly)
                // The windows' titles say phoenix: the library's own default would be the pair's name alone.
                .windowLabel("phoenix " + o.name);
    }

    private static int status(PairConfig config, boolean json) {
        Optional<PairStatus> status = ProcessPair.status(config);
        if (status.isEmpty()) {
            System.err.println("phoenix: no pair named '" + config.name() + "' is running (state dir "
                    + config.stateDir() + ")");
            return EXIT_NOT_RUNNING;
        }
        System.out.print(json ? status.get().toJson() + "\n" : status.get().toText("count"));
        return 0;
    }

    private static int stop(PairConfig config) {
        Optional<PairStatus> last = ProcessPair.stop(config, Duration.ofSeconds(15));
        if (last.isEmpty()) {
            System.err.println("phoenix: no pair named '" + config.name() + "' is running (state dir "
                    + config.stateDir() + ")");
            return EXIT_NOT_RUNNING;
        }
        System.err.println("pair '" + config.name() + "' stopped at count " + last.get().count());
        return 0;
    }

    /**
     * The command that started this JVM, up to and including the main class, followed by {@code args}: a new
     * member runs on the same Java with the same JVM options and class path. A JVM fatal-error file goes to the
     * pair's state directory, never into stdout's way or the current directory.
     */
    static List<String> memberCommand(List<String> args, PairConfig config) {
        List<String> command = new ArrayList<>();
        ProcessHandle.Info info = ProcessHandle.current().info();
        String[] jvmArgs = info.arguments().orElse(new String[0]);
        int main = List.of(jvmArgs).indexOf(Main.class.getName());
        if (info.command().isPresent() && main >= 0) {
            command.add(info.command().get());
            for (String a : List.of(jvmArgs).subList(0, main)) {
                // A member that writes a class-data archive as it exits (run-phoenix.sh's training pair) is the
                // only one that may: its standby would write the same file.
                if (!a.startsWith("-XX:ErrorFile=") && !a.startsWith("-XX:ArchiveClassesAtExit=")
                        && !a.startsWith("-XX:AOTCacheOutput=")) {
                    command.add(a);
                }
            }
            command.add("-XX:ErrorFile=" + config.stateDir().resolve("hs_err_pid%p.log"));
            command.add(Main.class.getName());
        } else {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        }
        command.addAll(args);
        return command;
    }
}
