package phoenix.pair;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import org.slf4j.Logger;

/**
 * Keeps a running member's footing in the state directory: writes the primary's checkpoint (and says when it
 * cannot), puts back what someone removed under the running pair, and, on a primary, notices a newer epoch
 * in the directory (the stall check's fencing by epoch, after a pause).
 */
final class Healer {
    static final long HEAL_PERIOD_NS = 250_000_000L;
    /**
     * How long a due heal may wait for a pass that runs anyway: a loop that wakes for every heartbeat (100 ms by
     * default) heals on one of those passes rather than waking four more times a second for it alone.
     */
    static final long HEAL_SLACK_NS = 100_000_000L;
    private static final long CHECKPOINT_ERROR_LOG_NS = 10_000_000_000L;

    private final Member m;
    private final Channels channels;
    private String checkpointError = "";
    private long checkpointErrorLoggedNs;
    long lastHealNs;
    private boolean listenFailureLogged;
    /** Writes the checkpoints to a coordinator, off the loop; made at the first write, never with a directory. */
    private CheckpointWriter checkpoints;
    private boolean flushGaveUp;

    Healer(Member m) {
        this.m = m;
        this.channels = m.channels;
    }

    /** Records why a claim failed (see {@link Takeover#claim}). */
    void claimFailed(String error) {
        checkpointError = error;
    }

    /** @return when the loop must wake to heal at the latest, as a clock value: a heal is due, plus the slack */
    long healByNs() {
        return lastHealNs + HEAL_PERIOD_NS + HEAL_SLACK_NS;
    }

    /**
     * Puts back what someone removed of the state directory under the running pair, checked every quarter
     * second or a little later (by {@link #healByNs}) by one look at this member's control socket: the directory,
     * the secret, the pair's name, the socket (so that status and stop find the pair), the standby's slot, and the
     * primary's checkpoint.
     */
    void heal(long now) {
        if (now - lastHealNs < HEAL_PERIOD_NS || channels.serverPath == null) {
            return;
        }
        lastHealNs = now;
        StateDir dir = m.dir;
        EpochStore store = m.store;
        Primary primary = m.primaryLoop == null ? null : m.primaryLoop.primary;
        if (primary != null && store != dir) {
            // With a coordinator the loop asks it nothing here (a round trip to ZooKeeper every 250-350 ms, and
            // a loop that would wait on it): a member that took over on this host fences this one on the watch
            // connection, the coordinator refuses its next checkpoint once any member has claimed a newer epoch
            // (the fence), and its lease ends its steps when its session can expire.
            if (store.leaseLost()) {
                primary.onLeaseLost(now);
                return;
            }
            if (checkpoints != null && checkpoints.staleEpoch() > 0) {
                primary.onFence(checkpoints.staleEpoch(), 0, now, "the coordinator");
                return;
            }
        } else if (primary != null) {
            // A member claims its epoch before it binds the control socket: a newer epoch in the directory means
            // another member took over (while this one was paused, say), even if it died before it could say so
            // on the watch connection. This one must not step again; its standby, if it has one, takes over.
            long highest;
            try {
                highest = store.maxCheckpointEpoch();
            } catch (PairException unreadable) {
                highest = 0;
            }
            // Only a claim phoenix wrote counts (a claim is written as its file is made; an empty or garbled
            // file made by hand is not one, and must not end a healthy primary: found by an adversarial run).
            if (highest > primary.current().epoch() && store.isClaim(highest)) {
                primary.onFence(highest, 0, now);
                return;
            }
        }
        if (channels.ownsServer()) {
            if (primary == null && m.standbySlot != null && m.standbySlotKey != null
                    && !m.standbySlotKey.equals(dir.slotFileKey())) {
                // A standby whose slot's file is no longer the directory's (put back by another member first, and
                // its file held by another process then): it asks again, until it holds the directory's slot.
                relockStandbySlot(dir);
            }
            return;
        }
        boolean replaced = Files.exists(channels.serverPath, LinkOption.NOFOLLOW_LINKS);
        dir.restore(m.config.name());
        try {
            channels.closeServer();
            channels.listen(channels.serverPath);
        } catch (IOException | PairException e) {
            if (!listenFailureLogged) {
                listenFailureLogged = true;
                Log.LOG.warn("cannot listen on {}: {}; status, stop and a new standby cannot reach this member "
                        + "until it can (trying again every 250-350 ms)", channels.serverPath, e.getMessage());
            }
            return;
        }
        listenFailureLogged = false;
        if (primary != null) {
            writeCheckpoint(primary.current());
        } else if (m.standbySlot != null) {
            relockStandbySlot(dir);
        }
        if (replaced) {
            Log.LOG.warn("control socket {} was replaced by another process's; listening there again",
                    channels.serverPath);
        } else {
            Log.LOG.warn("state directory {} lost this member's control socket (removed?); put back the directory, "
                    + "the secret and the socket{}", dir.path(), primary != null ? ", and the checkpoint" : "");
        }
    }

    /**
     * Re-locks the standby slot only when the directory's file is another than the one held, and without letting
     * the old lock go first: a spare waiting for the slot would take it in between.
     */
    private void relockStandbySlot(StateDir dir) {
        try {
            java.util.Optional<StateDir.Slot> slot = dir.currentStandbySlot(m.standbySlot, m.standbySlotKey);
            if (slot.isPresent()) {
                m.standbySlot = slot.get().lock();
                m.standbySlotKey = slot.get().key();
            }
        } catch (PairException e) {
            Log.LOG.warn("{}; keeping the standby slot held before", e.getMessage());
        }
    }

    /**
     * @return whether {@code state} is in the coordinator's checkpoint, where a member on another host reads it when
     *     it takes over; true before the first write of a takeover (its claim holds the state it began from)
     */
    boolean written(PairState state) {
        CheckpointWriter w = checkpoints;
        return w == null || m.store == m.dir || w.hasWritten(state) || state.snapshot().step() == 0;
    }

    void writeCheckpoint(PairState state) {
        EpochStore store = m.store;
        if (store != m.dir) {
            // A coordinator is written off the loop (CheckpointWriter): a round trip must not hold the heartbeats.
            if (checkpoints == null) {
                checkpoints = new CheckpointWriter(store, m.clock, Thread.currentThread().getName(),
                        m.channels::wakeup);
            }
            checkpoints.offer(state);
            Primary primary = m.primaryLoop == null ? null : m.primaryLoop.primary;
            if (checkpoints.staleEpoch() > 0 && primary != null) {
                primary.onFence(checkpoints.staleEpoch(), 0, m.clock.nanoTime(), "the coordinator");
            }
            // And a copy in the state directory, as without a coordinator (a local file, written at once): a
            // restart on this host after ZooKeeper lost its data, or was left behind by a write it did not take,
            // or without --coordinator, goes on from it instead of from an older count (found by an attack).
            store = m.dir;
        }
        try {
            store.writeCheckpoint(state);
            if (!checkpointError.isEmpty()) {
                Log.LOG.info("the checkpoint in {} is written again", store.where());
                checkpointError = "";
            }
        } catch (StaleEpochException e) {
            // The coordinator holds a newer epoch's checkpoint: this primary was fenced (paused, or cut off, while
            // another member took over); it must not step again.
            Primary primary = m.primaryLoop == null ? null : m.primaryLoop.primary;
            if (primary != null) {
                primary.onFence(e.storedEpoch(), 0, m.clock.nanoTime());
            }
        } catch (IOException e) {
            checkpointError = StateDir.describe(e);
            long now = m.clock.nanoTime();
            if (e instanceof java.nio.file.NoSuchFileException) {
                // The directory is gone: put it back on the next pass rather than a quarter second later.
                lastHealNs = now - HEAL_PERIOD_NS;
            }
            if (checkpointErrorLoggedNs == 0 || now - checkpointErrorLoggedNs >= CHECKPOINT_ERROR_LOG_NS) {
                checkpointErrorLoggedNs = now;
                Log.LOG.warn("cannot write checkpoint {}: {}; the steps go on, the standby holds the state, but a "
                        + "restart after both members die would resume from an older state",
                        store.recordOf(state.epoch()), checkpointError);
            }
        }
    }

    /**
     * Waits until the checkpoints handed to the coordinator are written, at most {@code timeoutNs}: before the
     * pair is marked stopped, and before the member ends. Nothing to wait for with a state directory.
     */
    void flushCheckpoints(long timeoutNs) {
        // Once a flush gave up (the coordinator is out of reach), the next does not wait again: a stop that
        // waited once ends without waiting twice; the state directory's copy has the last step anyway.
        if (checkpoints != null && !checkpoints.flush(flushGaveUp ? 0 : timeoutNs)) {
            if (!flushGaveUp) {
                Log.LOG.warn("the last checkpoint was not written to {} within {} ms; this host's state directory "
                        + "has it (a restart elsewhere may repeat a few steps)", m.store.where(),
                        timeoutNs / 1_000_000);
            }
            flushGaveUp = true;
        }
    }

    /** @return why the checkpoint cannot be written (the coordinator's first, then the state directory's), or "" */
    String checkpointError() {
        String coordinator = checkpoints == null ? "" : checkpoints.error();
        return coordinator.isEmpty() ? checkpointError : coordinator;
    }

    /** Stops the coordinator's checkpoint writer, if there is one. */
    void closeCheckpoints() {
        if (checkpoints != null) {
            checkpoints.close();
        }
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(Healer.class);
    }
}
