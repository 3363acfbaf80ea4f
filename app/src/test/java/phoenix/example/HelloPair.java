package phoenix.example;

// README.md quotes this file from "README begin" to "README end" (ReadmeExampleTest keeps the two the same), and
// HelloPairIT runs it as a pair.
// README begin
import java.nio.ByteBuffer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import phoenix.pair.Ending;
import phoenix.pair.NotReplicatedException;
import phoenix.pair.PairConfig;
import phoenix.pair.PairService;
import phoenix.pair.ProcessPair;
import phoenix.pair.Replica;
import phoenix.pair.Replicator;

/** Greets once a second as a process pair: kill the primary, and its standby goes on with the next greeting. */
public final class HelloPair {
    private HelloPair() {
    }

    /** Runs one member of the pair; the library starts the other with this same command line. */
    public static void main(String[] args) {
        PairConfig config = PairConfig.builder(args.length > 0 ? args[0] : "hello").build();
        Ending ending = ProcessPair.run(config, new Greeter());
        System.exit(ending.exitCode());
    }

    /** Greets once a second; the number of greetings is the state the standby holds. */
    static final class Greeter implements PairService {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private long greetings;

        @Override
        public void start(Replica from, Replicator replicator) {
            greetings = from.version() == 0 ? 0 : ByteBuffer.wrap(from.state()).getLong();
            timer.scheduleAtFixedRate(() -> greet(replicator), 0, 1, TimeUnit.SECONDS);
        }

        private void greet(Replicator replicator) {
            try {
                // Returns once the standby holds the new count: only then is the greeting said.
                replicator.replicate(ByteBuffer.allocate(Long.BYTES).putLong(greetings + 1).array());
                greetings++;
                System.out.println("hello #" + greetings);
            } catch (NotReplicatedException e) {
                // No standby held it in time, or this member is no longer the primary: say nothing.
            }
        }

        @Override
        public void stop() {
            timer.shutdownNow();
        }
    }
}
// README end
