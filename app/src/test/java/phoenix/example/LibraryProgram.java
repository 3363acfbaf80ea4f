package phoenix.example;

import java.nio.file.Path;
import java.time.Duration;
import phoenix.pair.Ending;
import phoenix.pair.PairConfig;
import phoenix.pair.PairTask;
import phoenix.pair.ProcessPair;
import phoenix.pair.Snapshot;

/**
 * A small program on the library, as a user would write one: a {@code main} and one call to
 * {@link ProcessPair#run}, no standby command of its own (the library relaunches this command line), and a
 * step that misbehaves as its mode says. Prints its steps on stdout, one per line, like the counter.
 *
 * <p>Arguments: NAME STATE_DIR PORT MODE, where MODE is {@code plain}, {@code slow} (every fifth step takes
 * 2 s), {@code throw} (step 5 throws IllegalArgumentException), {@code status} (every step asks the pair for
 * its status through the library) or {@code hang} (step 5 never returns).
 */
public final class LibraryProgram {
    private LibraryProgram() {
    }

    /**
     * Runs one member of the program's pair.
     *
     * @param args NAME STATE_DIR PORT MODE
     * @throws InterruptedException never: the program's steps are not interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        Thread.currentThread().setName("program " + ProcessHandle.current().pid());
        String mode = args[3];
        PairConfig config = PairConfig.builder(args[0]).stateDir(Path.of(args[1])).port(Integer.parseInt(args[2]))
                .stepInterval(Duration.ofMillis(50)).terminal("none").stepTimeout(Duration.ofSeconds(5)).build();
        Ending ending = ProcessPair.run(config, new PairTask() {
            @Override
            public void resume(Snapshot from) {
                // Nothing to restore: the step number is all this program's state.
            }

            @Override
            public Snapshot step(Snapshot last) {
                long next = last.step() + 1;
                work(mode, next, config);
                System.out.println(next);
                return Snapshot.ofStep(next);
            }
        });
        // The program's own clean-up runs: the library returned instead of halting the JVM.
        System.err.println("program clean-up after " + ending + " (exit " + ending.exitCode() + ")");
        System.exit(ending.exitCode());
    }

    private static void work(String mode, long next, PairConfig config) {
        try {
            switch (mode) {
                case "slow":
                    if (next % 5 == 0) {
                        Thread.sleep(2000);
                    }
                    break;
                case "throw":
                    if (next == 5) {
                        throw new IllegalArgumentException("step " + next + " is poison");
                    }
                    break;
                case "status":
                    if (ProcessPair.status(config).isEmpty()) {
                        throw new IllegalStateException("the pair does not answer its own status request");
                    }
                    break;
                case "hang":
                    if (next == 5) {
                        Thread.sleep(Long.MAX_VALUE);
                    }
                    break;
                default:
                    break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
