package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link EpochStore} must do, run against each implementation: the local state directory and an
 * in-memory fake in the unit tests ({@code StateDirContractTest}, {@code FakeEpochStoreTest}), ZooKeeper in the
 * integration tests ({@code phoenix.it.ZkEpochStoreIT}). The tests are protected so that a subclass in another
 * package runs them.
 */
public abstract class EpochStoreContract {
    private static final int RIVALS = 8;

    /**
     * A new handle on the one store of the running test: a new client, a new object on the same directory. The
     * first call makes the store, empty.
     */
    abstract EpochStore open() throws Exception;

    static PairState at(long epoch, long step, long base) {
        return new PairState(epoch, epoch - 1, -1, 0, new Snapshot(step, new byte[] {(byte) step, 7}), base);
    }

    /** A write from a fenced epoch: refused, where the store refuses it, or written to no effect on readers. */
    private static void lateWrite(EpochStore s, PairState state) throws IOException {
        try {
            s.writeCheckpoint(state);
        } catch (StaleEpochException expected) {
            // The store keeps one checkpoint and holds a newer epoch's.
        }
    }

    @Test
    protected void anEmptyStoreHoldsNothing() throws Exception {
        EpochStore s = open();

        assertEquals(0, s.maxCheckpointEpoch());
        assertEquals(Optional.empty(), s.readCheckpoint(false));
        assertEquals(Optional.empty(), s.readCheckpoint(true));
        assertEquals(0, s.baseAt(1));
        assertFalse(s.isStopped());
        assertEquals(Optional.empty(), s.pairName());
    }

    @Test
    protected void aClaimCreatesTheEpochOnlyIfAbsent() throws Exception {
        EpochStore s = open();
        PairState first = at(1, 5, 0);

        assertTrue(s.claimEpoch(first));
        assertFalse(open().claimEpoch(at(1, 9, 0)), "a second claim of epoch 1, through another handle");
        assertFalse(s.claimEpoch(first), "a second claim by the same member");

        assertEquals(1, s.maxCheckpointEpoch());
        assertEquals(Optional.of(first), open().readCheckpoint(false), "the record is the first claim's");
    }

    @Test
    protected void ofManyRivalsClaimingOneEpochExactlyOneWins() throws Exception {
        List<EpochStore> rivals = new ArrayList<>();
        for (int i = 0; i < RIVALS; i++) {
            rivals.add(open());
        }
        ExecutorService pool = Executors.newFixedThreadPool(RIVALS);
        try {
            for (long epoch = 1; epoch <= 10; epoch++) {
                CyclicBarrier together = new CyclicBarrier(RIVALS);
                List<Future<Boolean>> claims = new ArrayList<>();
                for (int i = 0; i < RIVALS; i++) {
                    EpochStore rival = rivals.get(i);
                    PairState state = at(epoch, 100 * epoch + i, 0);
                    Callable<Boolean> claim = () -> {
                        together.await(30, TimeUnit.SECONDS);
                        return rival.claimEpoch(state);
                    };
                    claims.add(pool.submit(claim));
                }
                int won = 0;
                int winner = -1;
                for (int i = 0; i < RIVALS; i++) {
                    if (claims.get(i).get(60, TimeUnit.SECONDS)) {
                        won++;
                        winner = i;
                    }
                }
                assertEquals(1, won, "claims of epoch " + epoch + " that won");
                assertEquals(epoch, rivals.get(0).maxCheckpointEpoch());
                assertEquals(100 * epoch + winner, rivals.get(0).readCheckpoint(false).orElseThrow().snapshot().step(),
                        "the record of epoch " + epoch + " is the winner's");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    protected void aReadTakesTheNewestCountAmongTheEpochs() throws Exception {
        EpochStore old = open();
        old.claimEpoch(at(1, 5, 0));
        old.writeCheckpoint(at(1, 7, 0));
        EpochStore taker = open();
        // The taker held count 6 when it claimed: the old primary's checkpoint (7) is newer.
        assertTrue(taker.claimEpoch(at(2, 6, 0)));

        assertEquals(at(1, 7, 0), taker.readCheckpoint(true).orElseThrow());
        taker.writeCheckpoint(at(2, 8, 0));
        assertEquals(at(2, 8, 0), open().readCheckpoint(false).orElseThrow());
        assertEquals(2, open().maxCheckpointEpoch());
    }

    @Test
    protected void aFencedWritersLateWriteNeverMovesTheCheckpointBack() throws Exception {
        EpochStore old = open();
        old.claimEpoch(at(1, 1, 0));
        old.writeCheckpoint(at(1, 5, 0));
        EpochStore taker = open();
        taker.claimEpoch(at(2, 5, 0));
        taker.writeCheckpoint(at(2, 6, 0));

        lateWrite(old, at(1, 5, 0));

        assertEquals(at(2, 6, 0), open().readCheckpoint(false).orElseThrow());
        assertEquals(2, open().maxCheckpointEpoch());
    }

    @Test
    protected void aFreshStartsBaseHidesEveryOlderEpoch() throws Exception {
        EpochStore old = open();
        old.claimEpoch(at(1, 1, 0));
        old.writeCheckpoint(at(1, 7, 0));
        EpochStore fresh = open();
        PairState started = PairState.NONE.started(2, true);
        assertTrue(fresh.claimEpoch(started));

        assertEquals(2, fresh.baseAt(2));
        assertEquals(Optional.of(started), fresh.readCheckpoint(false), "count 0 in the fresh run, not 7");
        // The old primary was paused across the fresh start: its late write is of an epoch below the base.
        lateWrite(old, at(1, 9, 0));
        assertEquals(Optional.of(started), open().readCheckpoint(false), "the late write does not count");

        fresh.writeCheckpoint(at(2, 1, 2));
        EpochStore taker = open();
        assertTrue(taker.claimEpoch(at(3, 1, 2)));
        assertEquals(2, taker.baseAt(3), "a takeover carries the base on");
        assertEquals(at(3, 1, 2), taker.readCheckpoint(true).orElseThrow(), "a tie in count: the higher epoch");
    }

    @Test
    protected void deletingOlderEpochsKeepsTheNewestAndItsCount() throws Exception {
        EpochStore s = open();
        for (long e = 1; e <= 3; e++) {
            assertTrue(s.claimEpoch(at(e, e, 0)));
        }
        s.writeCheckpoint(at(3, 10, 0));

        s.deleteCheckpointsBefore(3);

        EpochStore other = open();
        assertEquals(3, other.maxCheckpointEpoch());
        assertEquals(at(3, 10, 0), other.readCheckpoint(false).orElseThrow());
        assertFalse(other.claimEpoch(at(3, 11, 0)), "epoch 3 stays claimed");
        assertTrue(other.claimEpoch(at(4, 11, 0)));
    }

    @Test
    protected void theStopMarkIsSetAndCleared() throws Exception {
        EpochStore s = open();

        s.markStopped();
        assertTrue(open().isStopped());
        s.markStopped();
        assertTrue(open().isStopped(), "marking twice");

        open().clearStopped();
        assertFalse(s.isStopped());
        s.clearStopped();
        assertFalse(s.isStopped(), "clearing twice");
    }

    @Test
    protected void theFirstNameStaysAndAnotherIsRefused() throws Exception {
        EpochStore s = open();

        s.claimName("orders");
        open().claimName("orders");
        PairException e = assertThrows(PairException.class, () -> open().claimName("invoices"));

        assertTrue(e.getMessage().contains("'orders'") && e.getMessage().contains("'invoices'"), e.getMessage());
        assertEquals(Optional.of("orders"), open().pairName());
        assertFalse(s.where().isEmpty());
    }
}
