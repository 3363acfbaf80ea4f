package phoenix.pair;

/**
 * What the primary replicates besides the task's snapshot: its epoch (raised by every takeover, the fencing
 * token), how many takeovers the pair has seen, and the crash-loop record (the step at the last takeover and
 * how many takeovers in a row happened there without progress).
 */
record PairState(long epoch, long takeovers, long stepAtTakeover, int streak, Snapshot snapshot) {

    /** The state of a pair that has never run. */
    static final PairState NONE = new PairState(0, 0, -1, 0, Snapshot.INITIAL);

    PairState withSnapshot(Snapshot next) {
        return new PairState(epoch, takeovers, stepAtTakeover, streak, next);
    }

    /**
     * The state a member starts from when it takes over: a new epoch, one more takeover, and a longer streak
     * when the pair made no progress since the previous takeover.
     */
    PairState promoted(long newEpoch) {
        long step = snapshot.step();
        // Progress means at least one step completed and replicated after the previous takeover.
        int nextStreak = step <= stepAtTakeover ? streak + 1 : 0;
        return new PairState(newEpoch, takeovers + 1, step, nextStreak, snapshot);
    }

    /** Whichever state is further along: the later step, and on a tie the later epoch. */
    static PairState newest(PairState a, PairState b) {
        if (a.snapshot.step() != b.snapshot.step()) {
            return a.snapshot.step() > b.snapshot.step() ? a : b;
        }
        return a.epoch >= b.epoch ? a : b;
    }
}
