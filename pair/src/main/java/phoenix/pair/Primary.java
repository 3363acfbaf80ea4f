package phoenix.pair;

import org.slf4j.Logger;

/**
 * The primary role: steps the task once per interval and replicates each step (checkpoint, then heartbeat)
 * before the next one, and sends heartbeats in between. A step runs on the task's own thread ({@link Steps}),
 * so heartbeats never wait for the program's work; a step that does not return within the step timeout is a
 * failure. Before every step it runs the pair's half of the acceptance test: no newer primary may exist. A
 * newer primary is known from a fence message on the watch connection, or, after this process stalled long
 * enough to have been replaced, from a newer epoch in the checkpoint. When a test fails the primary ends
 * itself and leaves the work to its standby.
 */
final class Primary {
    static final long CRASH_LOOP_FIRST_BACKOFF_NS = 100_000_000L;
    static final long CRASH_LOOP_MAX_BACKOFF_NS = 10_000_000_000L;
    /** Takeovers in a row without progress after which the pair stops trying: the fault is not transient. */
    static final int CRASH_LOOP_LIMIT = 8;

    /** The primary's states. */
    enum State {
        /** A suspected crash loop: waiting out the backoff, and for a standby, before the first step. */
        BACKING_OFF,
        /** Sending heartbeats and starting a step whenever one is due. */
        RUNNING,
        /** A step runs on the task's thread; heartbeats go on; its result is replicated when it returns. */
        STEPPING,
        /** A newer primary exists: this one ends without another step. */
        FENCED,
        /** The task's acceptance test failed: this one ends so that the standby takes over. */
        FAILED,
        /** No more steps: the pair is stopping, or this member hands over on a signal. */
        STOPPED,
        /** The step number reached the largest a long can hold: no step can follow, on this member or another. */
        EXHAUSTED
    }

    /** Runs the task's steps away from the loop, and reports each result with {@link #onStepDone}. */
    interface Steps {
        /** Starts {@code task.step(last)}; its result or failure is handed back to the primary later. */
        void begin(Snapshot last);
    }

    /** What the primary writes to the outside: the checkpoint and heartbeats. */
    interface Io {
        /** Sends one heartbeat with the given sequence number and state. */
        void sendHeartbeat(long seq, PairState state);

        /** Writes the checkpoint; failures are the writer's to report, the steps go on. */
        void writeCheckpoint(PairState state);

        /** @return the epoch in the checkpoint, or -1 when it cannot be read */
        long checkpointEpoch();

        /**
         * @return whether this member may begin a step now: false while its coordinator's lease is not confirmed
         *     ({@link EpochStore#mayAct}); always true for a pair kept in a state directory. The step thread asks the
         *     lease again right before the step ({@link StepThread}), and {@link #onStepNotBegun} says it lapsed
         */
        default boolean mayStep(long nowNs) {
            return true;
        }

        /**
         * @return whether the last step's state is where any member that may take over will read it: for a pair
         *     with members on other hosts, in the coordinator's checkpoint, so that a primary cut off from them
         *     prints at most one number its successor does not know of (the one duplicate a takeover may cause)
         */
        default boolean lastStepKept(PairState last) {
            return true;
        }
    }

    /** How often a primary whose lease is unconfirmed looks again, at most. */
    static final long LEASE_RECHECK_NS = 10_000_000L;

    private final PairTask task;
    private final Io io;
    private final Steps steps;
    private final long stepTimeoutNs;
    private final long stepIntervalNs;
    private final long heartbeatIntervalNs;
    private final long stallNs;
    private final long maxStandbyWaitNs;
    private State state;
    private long stateChangedNs;
    private String reason = "";
    private PairState current;
    private long seq;
    private long nextStepNs;
    private long nextHeartbeatNs;
    private long lastPassNs;
    private long resumeAtNs;
    private long fencedBy;
    private boolean outputLost;
    private long stepStartedNs;
    private boolean endAfterStep;
    private boolean leaseWaiting;
    // Waiting for the last step's checkpoint to be written (Io#lastStepKept).
    private boolean keptWaiting;

    /** A primary whose steps run synchronously on the calling thread, for tests of everything but timing. */
    Primary(PairTask task, Io io, PairState start, long stepIntervalNs, long heartbeatIntervalNs,
            long takeoverTimeoutNs, long nowNs) {
        this(task, io, null, Long.MAX_VALUE, start, stepIntervalNs, heartbeatIntervalNs, takeoverTimeoutNs, nowNs);
    }

    /**
     * @param steps where steps run; null runs them on the caller's thread, inside {@code doWork}
     * @param stepTimeoutNs how long a step may run before it counts as a failure
     */
    Primary(PairTask task, Io io, Steps steps, long stepTimeoutNs, PairState start, long stepIntervalNs,
            long heartbeatIntervalNs, long takeoverTimeoutNs, long nowNs) {
        this.task = task;
        this.io = io;
        this.steps = steps != null ? steps : last -> runStepHere(last);
        this.stepTimeoutNs = stepTimeoutNs;
        this.current = start;
        this.stepIntervalNs = stepIntervalNs;
        this.heartbeatIntervalNs = heartbeatIntervalNs;
        // A pass this much later than the previous one means this process was stopped or starved long enough
        // for its standby to have taken over: look for a newer epoch before stepping again.
        this.stallNs = Math.max(takeoverTimeoutNs / 2, 1);
        this.maxStandbyWaitNs = StandbyKeeper.ATTACH_TIMEOUT_NS;
        this.lastPassNs = nowNs;
        this.stateChangedNs = nowNs;
        this.nextStepNs = nowNs;
        this.nextHeartbeatNs = nowNs;
        task.resume(start.snapshot());
        if (start.streak() > 0) {
            long backoff = crashLoopBackoffNs(start.streak());
            resumeAtNs = nowNs + backoff;
            state = State.BACKING_OFF;
            Log.LOG.warn("crash loop suspected at step {}: streak {} (takeovers in a row that found no progress "
                    + "since the one before; the pair gives up at {}); waiting {} ms and for a standby before trying "
                    + "again",
                    start.snapshot().step() + 1, start.streak(), CRASH_LOOP_LIMIT, backoff / 1_000_000);
        } else {
            state = State.RUNNING;
        }
    }

    static long crashLoopBackoffNs(int streak) {
        int doublings = Math.min(streak - 1, 20);
        return Math.min(CRASH_LOOP_FIRST_BACKOFF_NS << doublings, CRASH_LOOP_MAX_BACKOFF_NS);
    }

    /**
     * Advances by one pass.
     *
     * @param nowNs the clock, read once for this pass
     * @param standbyReady whether a standby is attached, so that a failing step would be taken over
     * @return the state after the pass
     */
    State doWork(long nowNs, boolean standbyReady) {
        switch (state) {
            case BACKING_OFF:
                onBackingOff(nowNs, standbyReady);
                break;
            case RUNNING:
                onRunning(nowNs);
                break;
            case STEPPING:
                onStepping(nowNs);
                break;
            case FENCED:
            case FAILED:
            case STOPPED:
            case EXHAUSTED:
                break;
            default:
                throw new IllegalStateException("unknown state " + state);
        }
        lastPassNs = nowNs;
        return state;
    }

    private void onBackingOff(long nowNs, boolean standbyReady) {
        heartbeatIfDue(nowNs);
        boolean waitedOut = nowNs - resumeAtNs >= 0;
        if (waitedOut && (standbyReady || nowNs - stateChangedNs >= maxStandbyWaitNs)) {
            nextStepNs = nowNs;
            state(State.RUNNING, nowNs, standbyReady ? "backoff over, standby ready" : "backoff over, no standby");
            onRunning(nowNs);
        }
    }

    private void onRunning(long nowNs) {
        if (nowNs - lastPassNs >= stallNs) {
            long epoch = io.checkpointEpoch();
            if (epoch > current.epoch()) {
                fencedBy = epoch;
                state(State.FENCED, nowNs, "stalled " + (nowNs - lastPassNs) / 1_000_000
                        + " ms and the checkpoint holds epoch " + epoch + ", newer than this primary's "
                        + current.epoch());
                return;
            }
        }
        if (nowNs - nextStepNs >= 0) {
            if (!io.mayStep(nowNs)) {
                // Its lease is not confirmed: another host's member may take over soon, so this one prints nothing
                // until ZooKeeper answers again (or ends when its session is gone). Heartbeats go on: its local
                // standby could not claim an epoch either, and a takeover here would gain nothing.
                if (!leaseWaiting) {
                    leaseWaiting = true;
                    Log.LOG.warn("the coordinator has not confirmed this primary's lease: no step until it does");
                }
                heartbeatIfDue(nowNs);
                return;
            }
            if (leaseWaiting) {
                leaseWaiting = false;
                Log.LOG.info("the coordinator confirmed this primary's lease again; stepping");
            }
            if (!io.lastStepKept(current)) {
                // The writer wakes the loop once it is (see CheckpointWriter); a heartbeat goes out meanwhile.
                keptWaiting = true;
                heartbeatIfDue(nowNs);
                return;
            }
            keptWaiting = false;
            Snapshot last = current.snapshot();
            if (last.step() == Long.MAX_VALUE) {
                state(State.EXHAUSTED, nowNs, "step " + last.step() + " is the largest a step number can hold");
                return;
            }
            stepStartedNs = nowNs;
            state = State.STEPPING;
            steps.begin(last);
            if (state != State.RUNNING) {
                return;
            }
        }
        heartbeatIfDue(nowNs);
    }

    private void onStepping(long nowNs) {
        long outNs = nowNs - lastPassNs;
        if (outNs >= Math.min(stallNs, stepTimeoutNs)) {
            // This loop did not run (the process was paused, most likely with the step thread): the time it was
            // out does not count against the step, so a host resumed after more than the step timeout does not
            // fail a step that had no time to run. Only that time: a hung step beside a loop that stalls now and
            // then (a GC pause) still fails.
            stepStartedNs += outNs;
        }
        if (nowNs - stepStartedNs >= stepTimeoutNs) {
            state(State.FAILED, nowNs, "step " + (current.snapshot().step() + 1) + " did not return within "
                    + stepTimeoutNs / 1_000_000 + " ms");
            return;
        }
        heartbeatIfDue(nowNs);
    }

    private void runStepHere(Snapshot last) {
        try {
            onStepDone(task.step(last), null, stepStartedNs);
        } catch (RuntimeException | Error e) {
            onStepDone(null, e, stepStartedNs);
        }
    }

    /**
     * The step started last has ended: replicates its result, or fails on it. Any exception the task throws
     * fails its acceptance test, whatever its type: a step that did not return a sound result did not succeed.
     *
     * @param next the step's result, or null when it threw
     * @param failure what the step threw, or null
     */
    void onStepDone(Snapshot next, Throwable failure, long nowNs) {
        if (state != State.STEPPING) {
            // Fenced, or timed out, while the step ran: its result must not be replicated.
            return;
        }
        Snapshot last = current.snapshot();
        if (failure != null) {
            outputLost = failure instanceof OutputLostException;
            state(State.FAILED, nowNs, (failure instanceof AcceptanceTestFailedException ? "acceptance test failed"
                    : "the step threw " + failure.getClass().getName()) + " at step " + (last.step() + 1) + ": "
                    + failure.getMessage());
            return;
        }
        if (next == null || next.step() != last.step() + 1) {
            state(State.FAILED, nowNs, "the task returned " + (next == null ? "no snapshot" : "step " + next.step())
                    + " after step " + last.step());
            return;
        }
        state = State.RUNNING;
        current = current.withSnapshot(next);
        io.writeCheckpoint(current);
        sendHeartbeat(nowNs);
        nextStepNs += stepIntervalNs;
        if (nowNs - nextStepNs >= 0) {
            // Fell behind (a pause, a slow terminal, a long step): keep the rhythm instead of a burst.
            nextStepNs = nowNs + stepIntervalNs;
        }
        if (endAfterStep) {
            state(State.STOPPED, nowNs, "the step under way is done and replicated; no more steps");
        }
    }

    /**
     * The step handed over last was not begun: its lease lapsed between this loop's check and the step thread
     * taking it up. Nothing ran and nothing changes but the state: RUNNING, waiting for the lease as when the check
     * in {@link #doWork} fails, with the same step still due.
     */
    void onStepNotBegun(long nowNs) {
        if (state != State.STEPPING) {
            // Fenced, or timed out, meanwhile.
            return;
        }
        state = State.RUNNING;
        if (endAfterStep) {
            state(State.STOPPED, nowNs, "no step under way (its lease had lapsed); no more steps");
            return;
        }
        if (!leaseWaiting) {
            leaseWaiting = true;
            Log.LOG.warn("the coordinator's lease on this primary lapsed between its check and step {}: the step was "
                    + "not begun, and none is until the lease is confirmed again", current.snapshot().step() + 1);
        }
    }

    private void heartbeatIfDue(long nowNs) {
        if (nowNs - nextHeartbeatNs >= 0) {
            sendHeartbeat(nowNs);
        }
    }

    private void sendHeartbeat(long nowNs) {
        io.sendHeartbeat(++seq, current);
        nextHeartbeatNs = nowNs + heartbeatIntervalNs;
    }

    /** A member that took over says so: a newer epoch ends this primary before its next step. */
    void onFence(long epoch, long pid, long nowNs) {
        onFence(epoch, pid, nowNs, "the state directory");
    }

    /** As {@link #onFence(long, long, long)}, saying where the newer epoch was found when no pid says it. */
    void onFence(long epoch, long pid, long nowNs, String where) {
        if (epoch > current.epoch() && state != State.FENCED) {
            fencedBy = epoch;
            state(State.FENCED, nowNs, (pid > 0 ? "primary pid " + pid + " took over with epoch " + epoch
                    : "epoch " + epoch + " was claimed in " + where + " by a member that took over")
                    + ", newer than this one's " + current.epoch());
        }
    }

    /**
     * This member's coordinator session is gone for good: ZooKeeper may have expired it, and a member on another
     * host may have taken over without this one hearing of it. It ends before another step, as fenced.
     */
    void onLeaseLost(long nowNs) {
        if (state != State.FENCED && state != State.STOPPED) {
            state(State.FENCED, nowNs, "its coordinator session expired: another member may have taken over");
        }
    }

    /**
     * No more steps: the pair is being stopped, or this member hands over. A step under way finishes and is
     * replicated first, so that what it put out is not lost; {@link #state()} is STOPPED once it is.
     */
    void stop(long nowNs, String why) {
        if (state == State.STEPPING) {
            endAfterStep = true;
        } else if (state == State.RUNNING || state == State.BACKING_OFF) {
            state(State.STOPPED, nowNs, why);
        }
    }

    /** @return when this role next needs a pass, as a clock value */
    long nextWakeNs() {
        switch (state) {
            case BACKING_OFF:
                // Once the backoff is over, only a standby is awaited: its attach wakes the loop by itself.
                boolean backoffAhead = resumeAtNs - lastPassNs > 0;
                return backoffAhead && resumeAtNs - nextHeartbeatNs < 0 ? resumeAtNs : nextHeartbeatNs;
            case RUNNING:
                long stepAt = leaseWaiting || keptWaiting ? lastPassNs + LEASE_RECHECK_NS : nextStepNs;
                return stepAt - nextHeartbeatNs < 0 ? stepAt : nextHeartbeatNs;
            case STEPPING:
                long timeoutAt = stepStartedNs + stepTimeoutNs;
                return stepTimeoutNs != Long.MAX_VALUE && timeoutAt - nextHeartbeatNs < 0 ? timeoutAt
                        : nextHeartbeatNs;
            default:
                return lastPassNs + heartbeatIntervalNs;
        }
    }

    private void state(State next, long nowNs, String why) {
        if (next == State.FENCED || next == State.FAILED || next == State.EXHAUSTED) {
            Log.LOG.warn("primary {} -> {}: {}", state, next, why);
        } else {
            Log.LOG.info("primary {} -> {}: {}", state, next, why);
        }
        state = next;
        stateChangedNs = nowNs;
        reason = why;
    }

    State state() {
        return state;
    }

    /** @return whether the step failed because the task's output is gone */
    boolean outputLost() {
        return outputLost;
    }

    long stateChangedNs() {
        return stateChangedNs;
    }

    String reason() {
        return reason;
    }

    PairState current() {
        return current;
    }

    long seq() {
        return seq;
    }

    long fencedBy() {
        return fencedBy;
    }

    long resumeAtNs() {
        return resumeAtNs;
    }

    /**
     * The logger, created on first use rather than with the class: a takeover that begins before slf4j is set up
     * (a person's start sets it up beside its takeover) must not wait for it before its first step.
     */
    private static final class Log {
        static final Logger LOG = Logs.of(Primary.class);
    }
}
