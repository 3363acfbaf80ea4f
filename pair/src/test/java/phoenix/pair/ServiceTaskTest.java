package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A service as the primary's one step: started from what the standby held, stopped once. */
class ServiceTaskTest {
    @TempDir
    Path dir;
    private final List<String> calls = new ArrayList<>();
    private final Replication replication = new Replication(() -> { }, StandbyKeeper.ATTACH_TIMEOUT_NS);
    private final ReplicaHolder holder = new ReplicaHolder();
    private Exception startFails;

    private ServiceTask task() {
        ServiceTask task = new ServiceTask(new PairService() {
            @Override
            public void start(Replica from, Replicator replicator) throws Exception {
                calls.add("start " + from.version());
                if (startFails != null) {
                    throw startFails;
                }
            }

            @Override
            public void stop() {
                calls.add("stop");
            }
        });
        task.bind(replication, holder);
        return task;
    }

    @Test
    void startsFromTheStandbysStateAndVersionsGoOnAboveItAndTheStep() throws Exception {
        try (SocketPair sockets = new SocketPair(dir)) {
            holder.onState("STATE 40 1", new byte[] {1}, sockets.standby());
        }
        ServiceTask task = task();

        assertEquals(Snapshot.ofStep(8), task.step(Snapshot.ofStep(7)), "the start is one step");

        assertEquals(List.of("start 40"), calls);
        assertEquals(41, replication.replicateAsync(new byte[0]), "above the version held");
    }

    @Test
    void versionsGoOnAboveTheStepWhenTheStandbyHeldLess() throws Exception {
        task().step(Snapshot.ofStep(99));
        assertEquals(101, replication.replicateAsync(new byte[0]));
    }

    @Test
    void aStartThatThrowsFailsTheAcceptanceTestAndTheServiceIsStoppedOnce() {
        startFails = new java.io.IOException("port 8080 is taken");
        ServiceTask task = task();

        AcceptanceTestFailedException e = assertThrows(AcceptanceTestFailedException.class,
                () -> task.step(Snapshot.INITIAL));
        assertTrue(e.getMessage().contains("port 8080 is taken"), e.getMessage());
        task.stop("failed");
        task.stop("this member ends");

        assertEquals(List.of("start 0", "stop"), calls);
    }

    @Test
    void aServiceNeverStartedIsNotStoppedButTheReplicatorCloses() {
        ServiceTask task = task();
        task.stop("the pair is stopping");

        assertEquals(List.of(), calls);
        NotReplicatedException e = assertThrows(NotReplicatedException.class,
                () -> replication.replicate(new byte[1]));
        assertTrue(e.getMessage().contains("the pair is stopping"), e.getMessage());
    }
}
