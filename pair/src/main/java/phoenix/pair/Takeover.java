package phoenix.pair;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The takeover that {@code model/phoenix.pml} checks, step by step in the model's order: {@link #promote}
 * (the model's {@code PROMOTE}: the standby decides and computes the epoch), {@link #claim} ({@code CLM},
 * {@code CK_CLAIM}: create the new epoch's checkpoint file), {@link #fence} ({@code PR1}, {@code SEND_FENCE}:
 * FENCE on the watch connection), {@link #read} ({@code PR2}, {@code CK_READ}: only now the state, so that
 * whatever the old primary did before it learned of the fence is in it). A start by a person runs the same
 * steps with nobody to fence (the model's {@code Launcher}).
 *
 * <p>Then the first step is handed to the step thread, and what can wait for it ({@link #finish}: the
 * heartbeat port and the standby slot freed, the sender, spawner and keeper made) follows it;
 * {@link #afterFirstPass} removes the older epochs' files once the new epoch's is written (the model's
 * {@code CK_DELETE_BEFORE}). See model/README.md, "Model steps and the Java".
 */
final class Takeover {
    // How long a takeover lets its first step go first before it finishes (a stalled terminal must not hold up
    // the new standby's spawn longer than this). An old primary that handed over waits for that finish, which closes
    // the watch connection, at most twice this (PrimaryLoop#SUCCESSOR_WAIT_NS).
    static final long FIRST_STEP_WAIT_NS = 100_000_000L;
    // How long a takeover waits for the primary's signal handling before it shows itself (see Signals): a signal
    // sent by someone who saw the new primary must not meet the standby's handler. Normally it is in place already.
    private static final long SIGNALS_WAIT_MS = 200;

    private final Member m;
    private final PairConfig config;
    private final NanoClock clock;
    private final TakeoverTimes times;
    private String promotion;
    /** What this takeover's claim wrote into its epoch's record, whole; null until then, or when none was written. */
    private PairState ownClaim;

    Takeover(Member m) {
        this.m = m;
        this.config = m.config;
        this.clock = m.clock;
        this.times = m.times;
    }

    /**
     * Takes over: claim, fence, read, and the first step handed to the step thread, with nothing else on the way
     * (the model's PROMOTE, CLM, PR1, PR2), and the control socket bound, so that a step, status and stop find
     * the pair from its first step on; a person's start with no member running binds it and installs its signal
     * handling right after its first step instead (Member#showAlone), where status and stop ask again and a
     * signal ends the JVM as a kill would, with no standby yet. Everything that can wait, the port, the spawner,
     * the log, runs in {@link #finish} once the first step is done (or 100 ms have passed), so that on a busy
     * machine it does not compete with the step for a core.
     *
     * @return false when a crash loop has gone on too long to try again
     */
    boolean promote() throws IOException {
        long now = clock.nanoTime();
        times.promoteNs = now;
        // Started by prepareTakeover already (before READY), unless the takeover came first.
        m.steps.startIfNeeded();
        m.primaryRole = true;
        if (config.handleSignals() && !m.startsAlone) {
            // The primary's handling of signals, raised before the claim (by the standby's loop already, as it found
            // its primary gone, unless across hosts: Member#primaryGone) and awaited before the control socket and
            // the first number: a SIGTERM or SIGINT that reached this member before it saw its primary gone (pkill
            // -f signals both) is taken up before the barrier and ignored, and one sent by someone who saw the new
            // primary meets the primary's handler. Raised after the first number (to spare the claim the barrier
            // thread's competition for a core), a SIGTERM sent 0-2 ms after that number was ignored as the
            // standby's, 6 times in 7: the user's stop was lost.
            Signals.primary(m.signals);
        }
        Standby standby = m.standbyLoop.standby;
        // A spawned member always takes over, even one that heard nothing from its primary: only a person's start
        // may begin anew.
        boolean takeover = standby.accepted() > 0 || m.everWatched || config.spawnedBy() != 0;
        // A start claims from what the checkpoints hold (their base above all, unless it starts fresh); a
        // takeover from what its primary replicated.
        PairState held = takeover ? standby.last()
                : freshStart() ? PairState.NONE : m.startState().orElse(PairState.NONE);
        // 1. Claim a new epoch, so that no other member can act under it. 2. Fence the old primary. 3. Only then
        // read the state: whatever the old primary did before it learned of the fence is in the checkpoint.
        // Listening for other hosts before the claim, and claiming only while listening: once the claim names this
        // member the owner of the epoch, a standby on another host that finds nobody listening at its address
        // takes that as its death (a paused old primary of this host may still listen on the port: SO_REUSEPORT lets
        // this member listen beside it; only another program holding the port makes it wait).
        m.awaitListeningForOtherHosts();
        times.listeningNs = clock.nanoTime();
        PairState claimed = claim(held, takeover);
        long epoch = claimed.epoch();
        times.claimedNs = clock.nanoTime();
        if (takeover && held.epoch() < claimed.base()) {
            // What this member holds is from before the last fresh start (a late heartbeat of a paused old
            // primary): it must not carry that state into the new run (found by the model).
            held = PairState.NONE.withBase(claimed.base());
        }
        fence(epoch);
        times.fencedNs = clock.nanoTime();
        PairState start = read(held, epoch, takeover);
        times.readNs = clock.nanoTime();
        // The control socket listens before the first step: a step may ask the library for the pair's status,
        // and status and stop must find the pair from its first step on. What shows nothing yet (the standby's
        // socket closed, the one bound ahead taken and checked) comes before the wait for the signal handling;
        // its rename onto the pair's path, which shows this member as the primary, after it.
        // A start that found no member running (Member#startAlone) shows itself after its first number instead
        // (Member#showAlone): it has no standby's handlers that a signal could meet, and nobody to answer but status
        // and stop, which ask again for half a second (a first step that asks the library for the status waits
        // until then: at most the 100 ms this takeover lets the first step go first).
        if (!m.startsAlone) {
            m.channels.closeServer();
            m.channels.serverPath = config.controlSocket();
            m.channels.prepareListen(m.channels.serverPath);
        }
        times.preparedNs = clock.nanoTime();
        if (config.handleSignals() && !m.startsAlone && !Signals.awaitPrimary(SIGNALS_WAIT_MS)) {
            // Its barrier never ran (a signal mask that blocks it, say): installed now, so that this primary does
            // not ignore SIGTERM for good.
            Signals.installPrimaryNow();
            Log.LOG.warn("the primary's signal handling was not in place within {} ms; installed it without waiting "
                    + "further", SIGNALS_WAIT_MS);
        }
        times.signalsNs = clock.nanoTime();
        if (!m.startsAlone) {
            m.channels.listen(m.channels.serverPath);
        }
        times.listenedNs = clock.nanoTime();
        m.listenForOtherHosts();
        PrimaryLoop loop = new PrimaryLoop(m);
        m.primaryLoop = loop;
        if (start.streak() >= Primary.CRASH_LOOP_LIMIT) {
            // The pair ends here: a spare must not take the slot finish frees and try once more. The mark covers one
            // still starting in a window (what was spawned for it there is the terminal, not the spare).
            try {
                m.store.markStopped();
            } catch (PairException e) {
                Log.LOG.warn("{}; a spare still starting may try once more", e.getMessage());
            }
            m.spares.stop("the pair gives up");
            if (m.startsAlone) {
                m.showAlone();
            }
            finish(start, takeover, false);
            m.healer.writeCheckpoint(start);
            // "At step" names the step that keeps failing, as the "crash loop suspected" lines before it do.
            Log.LOG.error("crash loop: streak {} at step {} (takeovers in a row that found no progress since the one "
                    + "before); restarting cannot fix this, so the pair ends here. The checkpoint keeps step {}; fix "
                    + "the cause, then start again", start.streak(), start.snapshot().step() + 1,
                    start.snapshot().step());
            return false;
        }
        loop.primary = new Primary(m.task, loop.new Io(), m.steps, config.stepTimeout().toNanos(), start,
                m.stepIntervalNs(), config.heartbeatInterval().toNanos(), m.timeoutNs, now);
        // The first pass begins the first step at once: it runs on the step thread while this one finishes the
        // takeover. A crash loop's backoff sends heartbeats, which need the sender: it waits.
        // A lease not confirmed yet (a coordinator that was out of reach during the claim) sends heartbeats
        // without a step: the loop's first pass does it, after finish has made the sender.
        if (loop.primary.state() == Primary.State.RUNNING && m.store.mayAct(clock.nanoTime())) {
            loop.primary.doWork(clock.nanoTime(), false);
            m.steps.awaitFirstStep(FIRST_STEP_WAIT_NS);
        }
        if (m.startsAlone) {
            m.showAlone();
        }
        finish(start, takeover, true);
        return true;
    }

    /**
     * The model's {@code CLM} ({@code CK_CLAIM}), with the epoch that {@code PROMOTE} computes: claims the next
     * epoch, max(held epoch, highest file epoch) + 1, by creating its checkpoint file, which fails when another
     * member has it, and then tries the one above. Epochs never repeat for a state directory, a fresh start's
     * included (the fresh-start rule; fix 6 for the base). A directory removed under the pair is put back
     * first; if it cannot be written at all the takeover goes on unclaimed, since a pair that stops for want of
     * a disk protects nothing.
     *
     * @return the claimed state: its epoch, and the base it claimed under
     */
    PairState claim(PairState held, boolean takeover) {
        EpochStore dir = m.store;
        dir.beginLease(clock.nanoTime());
        // With a coordinator, above the state directory's epochs too: it keeps a copy of the checkpoints (see
        // Healer#writeCheckpoint), which must never look newer than the count begun here.
        // With a coordinator, from what the standby read ahead: its claim fails if any claim came since (see
        // ZkEpochStore#claimEpoch), so that read needs no round trip of its own here.
        // Without a coordinator a direct call: the state directory answers or throws at once, and a method
        // reference's call site would be linked here, at the takeover's first run of it (0.6 ms p50, JDK 17).
        long highest = dir == m.dir ? dir.highestForClaim() : m.untilAnswered(dir::highestForClaim);
        if (dir != m.dir) {
            highest = Math.max(highest, m.dir.maxCheckpointEpoch());
        }
        times.highestNs = clock.nanoTime();
        if (highest == Long.MAX_VALUE || held.epoch() == Long.MAX_VALUE) {
            throw new PairException("the checkpoints in " + dir.where() + " have used up every epoch (up to "
                    + Long.MAX_VALUE + "); move them away to start again");
        }
        boolean acrossHosts = m.multiHost();
        // The newest epoch this member may claim above: the one it saw without a live owner, or its primary's.
        boolean verdict = acrossHosts && m.otherHosts.takeOver;
        long seen = verdict ? m.otherHosts.verdictHighest : held.epoch();
        if (acrossHosts && highest > seen) {
            // Another member took over meanwhile (this one's primary was paused or cut off, or two raced): this one
            // watches that member rather than fencing it.
            throw new Yielded("epoch " + highest + " was claimed by another member after epoch " + seen);
        }
        PairState claimed = held.withEpoch(Math.max(held.epoch(), highest) + 1);
        if (held.epoch() < highest) {
            // What this member holds is older than the newest epoch on disk (a standby that heard nothing yet, or
            // only a paused old primary): the base is the directory's, which only ever grows.
            long base = Math.max(held.base(), dir.baseAt(highest));
            claimed = held.epoch() < base ? PairState.NONE.withBase(base).withEpoch(claimed.epoch())
                    : claimed.withBase(base);
        }
        times.baseNs = clock.nanoTime();
        if (!takeover) {
            claimed = claimed.started(claimed.epoch(), freshStart());
        }
        // A spawned standby must not take over a pair stopped while it started. Without a coordinator its member
        // read the stop mark before the takeover (a file's stat); with one, the claim's own transaction checks it,
        // instead of a synced read of its own (two round trips between the death and the next number). A takeover
        // from another host read it in OtherHosts#await just before.
        boolean unlessStopped = dir != m.dir && config.spawnedBy() != 0;
        for (int attempt = 0; ; attempt++) {
            try {
                while (true) {
                    EpochStore.Claim claim = dir.claimEpoch(claimed, unlessStopped);
                    if (claim == EpochStore.Claim.CLAIMED) {
                        ownClaim = claimed;
                        break;
                    }
                    if (claim == EpochStore.Claim.STOPPED) {
                        throw new Stopped();
                    }
                    if (acrossHosts) {
                        // Members of several hosts raced for the epoch, and another won: it is the primary.
                        throw new Yielded("another member claimed epoch " + claimed.epoch() + " first");
                    }
                    claimed = claimed.withEpoch(claimed.epoch() + 1);
                    if (freshStart() && !takeover) {
                        claimed = claimed.started(claimed.epoch(), true);
                    }
                }
                return claimed;
            } catch (IOException e) {
                if (attempt == 0 && dir.restore(config.name())) {
                    Log.LOG.warn("state directory {} was removed; put it back", dir.where());
                    continue;
                }
                if (dir != m.dir) {
                    // The coordinator's epoch is the fencing token across hosts: a member that could not claim
                    // one must not act, since another host's member may hold it. It tries again until it can.
                    if (attempt == 0) {
                        Log.LOG.error("cannot claim epoch {} in {}: {}; trying again until the coordinator answers",
                                claimed.epoch(), dir.where(), e.getMessage());
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(Member.COORDINATOR_RETRY_NS);
                    continue;
                }
                m.healer.claimFailed(StateDir.describe(e));
                Log.LOG.error("cannot claim epoch {} in {}: {}; taking over unclaimed", claimed.epoch(), dir.where(),
                        m.healer.checkpointError());
                return claimed;
            }
        }
    }

    /**
     * The model's {@code PR1} ({@code SEND_FENCE}): tells the old primary, alive but silent (paused or hung) or
     * gone, that epoch {@code epoch} has taken over, so that it ends when it resumes, and closes the watch
     * connection. A start with no primary to watch has nobody to fence.
     */
    void fence(long epoch) {
        Connection watch = m.channels.watch;
        if (watch != null) {
            // To a primary on another host with the pair's HMAC: a FENCE ends the member that reads it.
            watch.send(ControlProtocol.fence(epoch, m.pid) + (watch.peerNonce == null ? ""
                    : " " + m.codec.sign(RemoteLink.fenceText(epoch, m.pid, watch.peerNonce))));
            m.channels.closeConnection(watch);
            m.channels.watch = null;
        }
    }

    /**
     * The model's {@code PR2} ({@code CK_READ}), after the fence: the state to go on from, the newer of what this
     * member holds and what the checkpoints hold (a takeover, or a normal start), or nothing (a fresh start).
     *
     * @return the first state of the new epoch
     */
    PairState read(PairState held, long epoch, boolean takeover) {
        PairState start;
        if (takeover) {
            start = newest(held, true).promoted(epoch);
        } else if (freshStart()) {
            start = PairState.NONE.started(epoch, true);
        } else {
            // A start by a person is a fresh attempt: it forgets any crash-loop streak.
            start = newest(held, false).started(epoch, false);
            if (start.snapshot().step() > 0 && m.startsAlone) {
                // Said after the first number (Member#showAlone): SLF4J's set-up is not on its way.
                m.resumedAfter = start.snapshot().step();
            } else if (start.snapshot().step() > 0) {
                Log.LOG.info("resuming after step {} from the checkpoint in {}", start.snapshot().step(),
                        m.store.where());
            }
        }
        return start;
    }

    /** The newer of the held state and the checkpoints; a corrupt checkpoint stops only a start from nothing. */
    private PairState newest(PairState held, boolean takeover) {
        try {
            Optional<PairState> read = m.store.readCheckpoint(takeover, ownClaim);
            return read.isPresent() ? PairState.newest(held, read.get()) : held;
        } catch (PairException e) {
            if (!takeover) {
                throw e;
            }
            Log.LOG.warn("{}; continuing from the last heartbeat, step {}", e.getMessage(), held.snapshot().step());
            return held;
        }
    }

    /** @return whether this is a person's start with {@code --fresh}: a spawned member never starts anew */
    boolean freshStart() {
        return config.fresh() && config.spawnedBy() == 0;
    }

    /**
     * The part of a takeover that the first step does not wait for: the standby's port, socket and slot are
     * freed for the standby spawned next (the slot only now: the control socket already listens; fix 5 of the
     * model), the heartbeat sender, the spawner and the standby keeper are made, and the window says what it is
     * now. Runs after the first step (see {@link #promote}); the log lines follow in the first loop pass.
     */
    private void finish(PairState start, boolean takeover, boolean primaryCreated) throws IOException {
        PrimaryLoop loop = m.primaryLoop;
        m.channels.closeEnded();
        m.channels.closeHeartbeatPort();
        // The standby slot goes last: until the epoch is claimed and the control socket listens, no member
        // answers, and a start that found the slot free too could act beside this takeover (found by the model).
        if (m.standbySlot != null) {
            m.standbySlot.channel().close();
            m.standbySlot = null;
        }
        if (m.ownWindow) {
            // The window was opened as the standby's; say in its title what it is now.
            System.err.print("\033]0;" + config.windowLabel() + " primary\007");
            System.err.flush();
        }
        loop.sender = Channels.openSender(config.port());
        loop.heartbeatTarget = new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port());
        loop.spawners = new Spawners(config.standbyCommand(), config.windowLabel() + " standby",
                Spawners.resolve(config.terminal(), System.getenv()),
                java.util.Map.of(PairConfig.SPAWNED_BY_ENV, m.pid + ":" + config.name()));
        loop.keeper = new StandbyKeeper(loop.spawners, StandbyKeeper.ackTimeoutNs(m.timeoutNs), times.promoteNs);
        if (primaryCreated) {
            // This standby's spare takes the slot just freed and attaches: the keeper waits for it, spawning nothing.
            m.spares.handOver(loop.keeper, clock.nanoTime());
        }
        if (primaryCreated) {
            promotion = "pid " + m.pid + " is the primary of pair '" + config.name() + "' ("
                    + (takeover ? "takeover " + start.takeovers() : "first start") + ", epoch " + start.epoch()
                    + "), continuing after step " + start.snapshot().step();
        }
        times.finishedNs = clock.nanoTime();
    }

    /**
     * What a takeover leaves for after its first step: the first step writes this epoch's checkpoint, and
     * only then are the older epochs' files removed (the model's {@code CK_DELETE_BEFORE}) and the takeover
     * logged.
     */
    void afterFirstPass() {
        Primary primary = m.primaryLoop.primary;
        // Not before the first step has returned and, across hosts, its checkpoint is in the coordinator: an older
        // epoch's record may hold the count this takeover resumed from (a step not begun for want of a lease, or a
        // takeover that leaves its first pass to the loop, has written nothing of this epoch yet; found by a review).
        if (promotion != null && primary.state() != Primary.State.STEPPING && m.steps.firstDoneNs != 0
                && (!m.multiHost() || m.healer.written(m.replication.stamp(primary.current())))) {
            WindowTitle.primaryAfterFirstStep(config.windowLabel());
            m.standbyLoop.standby.logPromotion();
            m.standbyLoop.standby.logRejections(clock.nanoTime(), true);
            Log.LOG.info(promotion);
            StepThread steps = m.steps;
            if (times.detectedNs != 0 && steps.firstDoneNs != 0) {
                Log.LOG.info("takeover took {}", times.describe(steps.firstBeginNs, steps.firstStartNs,
                        steps.firstDoneNs));
            }
            promotion = null;
            m.announce("primary");
            long epoch = primary.current().epoch();
            if (m.store == m.dir) {
                m.dir.deleteCheckpointsBefore(epoch);
            } else {
                // The state directory's copies of older epochs, and the coordinator's records off the loop (a
                // ZooKeeper out of reach must not hold the heartbeats); a failure leaves them for the next time.
                m.dir.deleteCheckpointsBefore(epoch);
                Thread cleaner = new Thread(() -> m.store.deleteCheckpointsBefore(epoch), Thread.currentThread()
                        .getName());
                cleaner.setDaemon(true);
                cleaner.start();
            }
        }
    }

    /**
     * A takeover that another member won, on another host of the pair: this member claims nothing and goes back to
     * being a standby ({@link OtherHosts}).
     */
    static final class Yielded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Yielded(String message) {
            super(message, null, false, false);
        }
    }

    /** The pair was marked stopped before this member's claim: it claimed nothing, and ends. */
    static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("the pair was stopped while this standby started", null, false, false);
        }
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(Takeover.class);
    }
}
