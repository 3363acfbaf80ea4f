package phoenix.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import phoenix.pair.Ending;
import phoenix.pair.NotReplicatedException;
import phoenix.pair.PairConfig;
import phoenix.pair.PairService;
import phoenix.pair.ProcessPair;
import phoenix.pair.Replica;
import phoenix.pair.Replicator;

/**
 * A service pair whose primary measures its own replication and prints {@code BENCH} lines on stdout: the latency
 * of a synchronous replicate of 1 KiB (one thread, one call after the other), how many synchronous replicates of
 * 1 KiB a second one thread and four threads get answered, and the latency of a synchronous replicate of 1 MiB.
 * Run by {@link ReplicationBench}. Arguments: NAME STATE_DIR PORT.
 */
public final class ReplicationBenchProgram {
    static final int LATENCY_SAMPLES = 20_000;
    static final int WARM_UP = 20_000;
    static final int MIB_SAMPLES = 40;
    static final long THROUGHPUT_NS = 3_000_000_000L;

    private ReplicationBenchProgram() {
    }

    /**
     * Runs one member of the benchmark's pair.
     *
     * @param args NAME STATE_DIR PORT
     */
    public static void main(String[] args) {
        PairConfig config = PairConfig.builder(args[0]).stateDir(Path.of(args[1])).port(Integer.parseInt(args[2]))
                .terminal("none").build();
        Ending ending = ProcessPair.run(config, new PairService() {
            @Override
            public void start(Replica from, Replicator replicator) {
                Thread t = new Thread(() -> measure(replicator), "measure");
                t.setDaemon(true);
                t.start();
            }

            @Override
            public void stop() {
                // The measuring thread ends with its first failed call.
            }
        });
        System.exit(ending.exitCode());
    }

    private static void measure(Replicator r) {
        try {
            byte[] kib = new byte[1024];
            while (true) {
                try {
                    // The first call waits for the standby to be ready.
                    r.replicate(kib);
                    break;
                } catch (NotReplicatedException e) {
                    System.err.println("bench: waiting for a standby: " + e.getMessage());
                }
            }
            for (int i = 0; i < WARM_UP; i++) {
                r.replicate(kib);
            }
            long[] us = new long[LATENCY_SAMPLES];
            for (int i = 0; i < us.length; i++) {
                long t0 = System.nanoTime();
                r.replicate(kib);
                us[i] = (System.nanoTime() - t0) / 1000;
            }
            print("latency1k", us);
            System.out.println("BENCH throughput1 " + throughput(r, kib, 1));
            System.out.println("BENCH throughput4 " + throughput(r, kib, 4));
            System.out.println("BENCH throughput16 " + throughput(r, kib, 16));
            byte[] mib = new byte[Replicator.MAX_STATE_BYTES];
            long[] mibUs = new long[MIB_SAMPLES];
            for (int i = 0; i < mibUs.length; i++) {
                mib[i] = (byte) i;
                long t0 = System.nanoTime();
                r.replicate(mib);
                mibUs[i] = (System.nanoTime() - t0) / 1000;
            }
            print("latency1m", mibUs);
            System.out.println("BENCH done");
        } catch (NotReplicatedException | InterruptedException e) {
            System.out.println("BENCH failed " + e);
        }
    }

    private static long throughput(Replicator r, byte[] state, int threads) throws InterruptedException {
        LongAdder done = new LongAdder();
        AtomicBoolean over = new AtomicBoolean();
        Thread[] all = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            all[i] = new Thread(() -> {
                try {
                    while (!over.get()) {
                        r.replicate(state);
                        done.increment();
                    }
                } catch (NotReplicatedException e) {
                    System.err.println("bench: " + e.getMessage());
                }
            });
        }
        long t0 = System.nanoTime();
        for (Thread t : all) {
            t.start();
        }
        Thread.sleep(THROUGHPUT_NS / 1_000_000);
        over.set(true);
        for (Thread t : all) {
            t.join();
        }
        return done.sum() * 1_000_000_000L / (System.nanoTime() - t0);
    }

    private static void print(String what, long[] us) {
        long[] sorted = us.clone();
        Arrays.sort(sorted);
        System.out.println("BENCH " + what + " " + sorted.length + " " + sorted[sorted.length / 2] + " "
                + sorted[(int) Math.ceil(sorted.length * 0.99) - 1] + " " + sorted[sorted.length - 1]);
    }
}
