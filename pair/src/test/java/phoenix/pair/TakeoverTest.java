package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The takeover's three steps, claim, fence, read (the model's CLM, PR1, PR2), each on its own. */
class TakeoverTest {
    @TempDir
    Path tmp;

    private Member member() {
        PairConfig config = PairConfig.builder("t").stateDir(tmp.resolve("state")).standbyCommand(List.of("true"))
                .build();
        Member m = new Member(config, new FakeTask(), new FakeClock());
        m.dir = StateDir.prepare(config.stateDir());
        m.store = m.dir;
        return m;
    }

    /** A member whose epochs are in a coordinator (a fake one), spawned by pid {@code spawnedBy} (0: a person). */
    private Member withCoordinator(FakeEpochStore coordinator, long spawnedBy) {
        PairConfig config = PairConfig.builder("t").stateDir(tmp.resolve("state")).standbyCommand(List.of("true"))
                .spawnedBy(spawnedBy).build();
        Member m = new Member(config, new FakeTask(), new FakeClock());
        m.dir = StateDir.prepare(config.stateDir());
        m.store = coordinator;
        return m;
    }

    private static PairState at(long epoch, long step) {
        return PairState.NONE.withSnapshot(Snapshot.ofStep(step)).withEpoch(epoch);
    }

    @Test
    void claimsTheEpochAboveTheHighestOnDiskByCreatingItsFile() throws IOException {
        Member m = member();
        assertTrue(m.dir.claimEpoch(at(3, 7)));
        PairState claimed = new Takeover(m).claim(at(1, 5), true);
        assertEquals(4, claimed.epoch(), "above the highest epoch on disk, not above the held one");
        assertTrue(Files.exists(m.dir.checkpointFile(4)), "the claim is the new epoch's file");
        assertEquals(4, m.dir.maxCheckpointEpoch());
    }

    @Test
    void aSpawnedStandbyWithACoordinatorClaimsNothingOnceThePairIsMarkedStopped() {
        FakeEpochStore coordinator = new FakeEpochStore();
        Member m = withCoordinator(coordinator, 4242);
        coordinator.markStopped();

        assertThrows(Takeover.Stopped.class, () -> new Takeover(m).claim(at(1, 5), true));
        assertNull(coordinator.record(2), "nothing claimed");
        assertFalse(coordinator.calls().stream().anyMatch(c -> c.startsWith("claim")), coordinator.calls().toString());
    }

    @Test
    void aSpawnedStandbyWithACoordinatorReadsTheStopMarkAsPartOfItsClaim() throws IOException {
        FakeEpochStore coordinator = new FakeEpochStore();
        assertTrue(coordinator.claimEpoch(at(1, 1)));
        Member m = withCoordinator(coordinator, 4242);

        PairState claimed = new Takeover(m).claim(at(1, 5), true);
        assertEquals(2, claimed.epoch());
        // The fake store reads the mark and then claims (the default); ZooKeeper checks it inside the transaction.
        List<String> calls = coordinator.calls();
        assertEquals(List.of("stopped?", "claim 2"), calls.subList(calls.size() - 2, calls.size()), calls.toString());
    }

    @Test
    void aPersonsStartWithACoordinatorDoesNotReadTheStopMarkItClearedItself() throws IOException {
        FakeEpochStore coordinator = new FakeEpochStore();
        Member m = withCoordinator(coordinator, 0);

        assertEquals(1, new Takeover(m).claim(PairState.NONE, false).epoch());
        assertFalse(coordinator.calls().contains("stopped?"), coordinator.calls().toString());
    }

    @Test
    void fencesTheOldPrimaryWithTheNewEpochThenClosesTheWatchConnection() throws IOException {
        Member m = member();
        Path socket = tmp.resolve("old-primary.sock");
        try (ServerSocketChannel oldPrimary = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            oldPrimary.bind(UnixDomainSocketAddress.of(socket));
            SocketChannel toPrimary = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            m.channels.watch = new Connection(toPrimary, Connection.Kind.TO_PRIMARY);
            try (SocketChannel fromStandby = oldPrimary.accept()) {
                new Takeover(m).fence(9);
                assertNull(m.channels.watch, "the watch connection is gone");
                ByteBuffer in = ByteBuffer.allocate(100);
                while (fromStandby.read(in) >= 0) {
                    // Blocking: reads up to the end-of-stream the fence leaves.
                }
                assertEquals("FENCE 9 " + m.pid + "\n",
                        new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void readsAfterTheFenceWhatTheOldPrimaryWroteMeanwhile() throws IOException {
        Member m = member();
        Takeover takeover = new Takeover(m);
        PairState claimed = takeover.claim(at(1, 5), true);
        // The old primary, not yet fenced, took one more step and wrote it into its own epoch's file.
        m.dir.writeCheckpoint(at(1, 6));
        PairState start = takeover.read(at(1, 5), claimed.epoch(), true);
        assertEquals(6, start.snapshot().step(), "the newer of the held state and the files");
        assertEquals(claimed.epoch(), start.epoch());
    }
}
