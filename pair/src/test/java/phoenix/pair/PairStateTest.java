package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class PairStateTest {

    private static PairState state(long epoch, long step) {
        return new PairState(epoch, 3, 5, 0, Snapshot.ofStep(step));
    }

    @Test
    void aTakeoverRaisesTheEpochAndCountsTheTakeover() {
        PairState before = new PairState(4, 3, 10, 0, new Snapshot(12, new byte[] {9}));

        PairState after = before.promoted(5);

        assertEquals(new PairState(5, 4, 12, 0, new Snapshot(12, new byte[] {9})), after);
    }

    @Test
    void theStreakGrowsWhenNoStepCompletedSinceThePreviousTakeover() {
        PairState stuck = new PairState(4, 3, 12, 2, Snapshot.ofStep(12));

        PairState after = stuck.promoted(5);

        assertEquals(3, after.streak());
        assertEquals(12, after.stepAtTakeover());
    }

    @Test
    void theStreakResetsWhenAStepCompletedSinceThePreviousTakeover() {
        PairState progressed = new PairState(4, 3, 12, 2, Snapshot.ofStep(13));

        assertEquals(0, progressed.promoted(5).streak());
    }

    @Test
    void theFirstTakeoverOfAPairThatNeverSteppedStartsNoStreak() {
        PairState first = PairState.NONE.promoted(1);

        assertEquals(new PairState(1, 1, 0, 0, Snapshot.INITIAL), first);
        assertEquals(1, first.promoted(2).streak(), "a second takeover still at step 0 is a streak");
        assertEquals(2, first.promoted(2).promoted(3).streak());
    }

    @Test
    void newestPicksTheLaterStep() {
        PairState olderEpochLaterStep = state(2, 20);
        PairState newerEpochEarlierStep = state(3, 19);

        assertSame(olderEpochLaterStep, PairState.newest(olderEpochLaterStep, newerEpochEarlierStep));
        assertSame(olderEpochLaterStep, PairState.newest(newerEpochEarlierStep, olderEpochLaterStep));
    }

    @Test
    void newestPicksTheLaterEpochWhenTheStepsAreEqual() {
        PairState older = state(2, 20);
        PairState newer = state(3, 20);

        assertSame(newer, PairState.newest(older, newer));
        assertSame(newer, PairState.newest(newer, older));
    }

    @Test
    void withSnapshotKeepsEverythingElse() {
        PairState s = new PairState(4, 3, 10, 1, Snapshot.ofStep(10));

        assertEquals(new PairState(4, 3, 10, 1, Snapshot.ofStep(11)), s.withSnapshot(Snapshot.ofStep(11)));
    }
}
