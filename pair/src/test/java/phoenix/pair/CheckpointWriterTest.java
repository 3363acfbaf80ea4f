package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import phoenix.testing.Awaits;

/** The coordinator's checkpoints, written off the primary's loop: the newest wins, failures retry, stale is kept. */
class CheckpointWriterTest {
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final PairState START = new PairState(3, 1, 0, 0, Snapshot.ofStep(0));

    private final FakeEpochStore store = new FakeEpochStore();
    private final CheckpointWriter writer = new CheckpointWriter(store, NanoClock.SYSTEM, "test-writer");

    @AfterEach
    void close() {
        writer.close();
    }

    private static PairState at(long step) {
        return START.withSnapshot(Snapshot.ofStep(step));
    }

    @Test
    void writesTheNewestStateItWasGivenAndFlushWaitsForIt() {
        for (long step = 1; step <= 200; step++) {
            writer.offer(at(step));
        }
        assertTrue(writer.flush(WAIT_NS), "flushed");
        assertEquals(200, store.record(3).snapshot().step());
        long writes = store.calls().stream().filter(c -> c.equals("write 3")).count();
        assertTrue(writes >= 1 && writes <= 200, "one write per state at most: " + writes);
    }

    @Test
    void neverGoesBackToAnOlderStateHandedOverLate() {
        writer.offer(at(10));
        writer.offer(at(9));
        assertTrue(writer.flush(WAIT_NS));
        assertEquals(10, store.record(3).snapshot().step());
    }

    @Test
    void triesAgainAfterAFailureUntilTheWriteIsMade() {
        store.failWrites(3);
        writer.offer(at(5));
        assertTrue(writer.flush(WAIT_NS), "flushed once the store answered");
        assertEquals(5, store.record(3).snapshot().step());
        assertEquals(4, store.calls().stream().filter(c -> c.equals("write 3")).count(), "3 failures, 1 write");
    }

    @Test
    void keepsAStaleRefusalForTheLoopToEndItsPrimary() {
        store.refuseWritesBelow(7);
        writer.offer(at(5));
        Awaits.await("the refusal kept", Duration.ofSeconds(10)).until(() -> writer.staleEpoch() == 7);
        assertTrue(writer.flush(WAIT_NS), "a refused write is not waited for");
        assertEquals(null, store.record(3), "nothing written");
    }

    @Test
    void flushGivesUpAtItsTimeWhileTheStoreDoesNotAnswer() {
        store.failWrites(Integer.MAX_VALUE);
        writer.offer(at(5));
        assertEquals(false, writer.flush(TimeUnit.MILLISECONDS.toNanos(50)));
    }
}
