package phoenix.pair;

/**
 * What the primary replicates besides the task's snapshot: its epoch (raised by every takeover, the fencing
 * token), how many takeovers the pair has seen, the crash-loop record (the step at the last takeover and how
 * many takeovers in a row found no progress since the one before), and the base: the epoch of the last fresh
 * start, below which no checkpoint counts any more.
 */
record PairState(long epoch, long takeovers, long stepAtTakeover, int streak, Snapshot snapshot, long base) {

    /** The state of a pair that has never run. */
    static final PairState NONE = new PairState(0, 0, -1, 0, Snapshot.INITIAL, 0);

    /** A state whose base is 0: every checkpoint of the directory counts. */
    PairState(long epoch, long takeovers, long stepAtTakeover, int streak, Snapshot snapshot) {
        this(epoch, takeovers, stepAtTakeover, streak, snapshot, 0);
    }

    PairState withSnapshot(Snapshot next) {
        return new PairState(epoch, takeovers, stepAtTakeover, streak, next, base);
    }

    PairState withEpoch(long next) {
        return new PairState(next, takeovers, stepAtTakeover, streak, snapshot, base);
    }

    PairState withBase(long next) {
        return new PairState(epoch, takeovers, stepAtTakeover, streak, snapshot, next);
    }

    /**
     * The state a member starts from when it takes over: a new epoch, one more takeover, and a longer streak
     * when the pair made no progress since the previous takeover.
     */
    PairState promoted(long newEpoch) {
        long step = snapshot.step();
        // Progress means at least one step completed and replicated after the previous takeover.
        int nextStreak = step <= stepAtTakeover ? streak + 1 : 0;
        return new PairState(newEpoch, takeovers + 1, step, nextStreak, snapshot, base);
    }

    /**
     * The state a start by a person begins from: a new epoch, no crash-loop streak (a start is a fresh
     * attempt), and, for {@code --fresh}, nothing of the old count: the new epoch becomes the base.
     */
    PairState started(long newEpoch, boolean fresh) {
        return fresh ? new PairState(newEpoch, 0, -1, 0, Snapshot.INITIAL, newEpoch)
                : new PairState(newEpoch, takeovers, -1, 0, snapshot, base);
    }

    /** Whichever state is further along: the later step, and on a tie the later epoch. */
    static PairState newest(PairState a, PairState b) {
        if (a.snapshot.step() != b.snapshot.step()) {
            return a.snapshot.step() > b.snapshot.step() ? a : b;
        }
        return a.epoch >= b.epoch ? a : b;
    }
}
