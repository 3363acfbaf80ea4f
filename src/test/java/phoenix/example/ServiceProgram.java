package phoenix.example;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import phoenix.pair.Ending;
import phoenix.pair.NotReplicatedException;
import phoenix.pair.PairConfig;
import phoenix.pair.PairService;
import phoenix.pair.ProcessPair;
import phoenix.pair.Replica;
import phoenix.pair.Replicator;

/**
 * An event-driven program on the library: a {@code main} and one call to {@link ProcessPair#run(PairConfig,
 * PairService)}. Its service runs writer threads that replicate a 1 KiB state synchronously, as fast as they can,
 * and say on stdout what the pair guarantees: {@code START pid version text} when a primary starts from the
 * state its standby held, {@code ACKED version} after each synchronous replicate returned.
 *
 * <p>Arguments: NAME STATE_DIR PORT WRITERS, the number of writer threads (0: none, the service only starts).
 */
public final class ServiceProgram {
    /** The size of every state the writers replicate. */
    public static final int STATE_BYTES = 1024;

    private ServiceProgram() {
    }

    /**
     * Runs one member of the program's pair.
     *
     * @param args NAME STATE_DIR PORT WRITERS
     */
    public static void main(String[] args) {
        Thread.currentThread().setName("program " + ProcessHandle.current().pid());
        int writers = Integer.parseInt(args[3]);
        PairConfig config = PairConfig.builder(args[0]).stateDir(Path.of(args[1])).port(Integer.parseInt(args[2]))
                .terminal("none").build();
        Ending ending = ProcessPair.run(config, new Writers(writers));
        System.err.println("program clean-up after " + ending + " (exit " + ending.exitCode() + ")");
        System.exit(ending.exitCode());
    }

    /** @return a state of {@link #STATE_BYTES} bytes that starts with {@code text} */
    public static byte[] state(String text) {
        byte[] b = Arrays.copyOf(text.getBytes(StandardCharsets.US_ASCII), STATE_BYTES);
        Arrays.fill(b, text.length(), STATE_BYTES, (byte) '.');
        return b;
    }

    /** @return the text a state made by {@link #state} starts with */
    public static String text(byte[] state) {
        String s = new String(state, StandardCharsets.US_ASCII);
        int end = s.indexOf('.');
        return end < 0 ? s : s.substring(0, end);
    }

    /** The service: writer threads replicating, joined when it stops. */
    private static final class Writers implements PairService {
        private final int count;
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stopping;

        Writers(int count) {
            this.count = count;
        }

        @Override
        public void start(Replica from, Replicator replicator) {
            long pid = ProcessHandle.current().pid();
            System.out.println("START " + pid + " " + from.version() + " "
                    + (from.version() == 0 ? "-" : text(from.state())));
            for (int i = 0; i < count; i++) {
                int id = i;
                Thread t = new Thread(() -> write(replicator, pid + "/" + id), "writer " + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        private void write(Replicator replicator, String who) {
            for (long n = 1; !stopping; n++) {
                try {
                    long v = replicator.replicate(state(who + "/" + n));
                    System.out.println("ACKED " + v);
                    // A few hundred writes a second in all: enough to be caught mid-write by every kill, few
                    // enough lines for the test to keep.
                    Thread.sleep(5);
                } catch (NotReplicatedException e) {
                    if (!stopping) {
                        System.err.println("not replicated: " + e.getMessage());
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void stop() {
            stopping = true;
            // Joined: once stop returns, no writer says anything more, so the successor's START comes after.
            for (Thread t : threads) {
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
