package phoenix.pair;

import java.io.IOException;
import org.slf4j.Logger;

/**
 * The primary's half of the pair's healing: it keeps exactly one standby. It spawns one when there is none,
 * waits for it to attach, notices when it dies (its watch connection closes) or hangs (it stops acknowledging
 * heartbeats), and spawns the next one after an exponential backoff when spawning keeps failing. When the standby
 * keeps a spare ({@link PairConfig#spare}), the spare is the next standby: the keeper waits for it to attach (it
 * takes the standby's slot as the standby ends or takes over) rather than spawning one.
 *
 * <p>A standby keeps its spare with a keeper of its own ({@link #forSpare}): there, attached means the spare has
 * said it is prepared, and it counts as alive while its connection is open.
 */
final class StandbyKeeper {
    static final long FIRST_BACKOFF_NS = 100_000_000L;
    static final long MAX_BACKOFF_NS = 30_000_000_000L;
    /** A standby that stayed attached this long was healthy: the next failure starts the backoff afresh. */
    static final long HEALTHY_NS = 3_000_000_000L;
    static final long ATTACH_TIMEOUT_NS = 20_000_000_000L;
    /** The shortest acknowledgement timeout, whatever the takeover timeout. */
    static final long MIN_ACK_TIMEOUT_NS = 2_000_000_000L;
    /**
     * How often a standby acknowledges heartbeats at most: an eighth of the shortest acknowledgement timeout
     * (250 ms), not every heartbeat, since each acknowledgement wakes the primary's loop and an idle pair's CPU is
     * mostly such wake-ups. A constant, not the standby's own timeout's eighth: the primary's timeout is its own
     * (at least {@link #MIN_ACK_TIMEOUT_NS}), and a standby started with longer ones must not look hung to it.
     * The price: the first heartbeat after the interval is acknowledged, so a standby stalled for the
     * acknowledgement timeout less this interval and one heartbeat may be taken for hung (with the defaults 1.65
     * s of the 2 s; before, 1.9 s), at worst three quarters of the timeout (see StandbyLoopTest).
     */
    static final long ACK_INTERVAL_NS = MIN_ACK_TIMEOUT_NS / 8;
    /**
     * How long a spare has to attach as the standby once its standby's slot is free: it is prepared, so it needs a
     * few milliseconds (the slot, a stat, a connection, a port); a spare that has not attached by then is killed
     * and a standby spawned instead.
     */
    static final long SPARE_ATTACH_TIMEOUT_NS = 3_000_000_000L;

    /** The keeper's states. */
    enum State {
        /** No standby: a new one is spawned once the backoff has passed. */
        UNPROTECTED,
        /** A standby was spawned, or has attached, and is not ready yet. */
        SPAWNING,
        /** A standby is attached, ready, and acknowledges heartbeats. */
        PROTECTED,
        /** The pair is stopping: no more standbys. */
        STOPPING
    }

    /** Starts standby processes. */
    interface Spawner {
        /** Starts one standby; throws when the program cannot be started at all. */
        Spawned spawn() throws IOException;

        /** The way of spawning just failed ({@code spawned} is null when nothing started); fall back if possible. */
        void failed(Spawned spawned, String why);

        /** Kills an attached standby that stopped answering, by its pid. */
        void kill(long standbyPid);

        /** A process this member did not start (a standby's spare), by its pid: for its end and its kill. */
        default Spawned existing(long pid) {
            return new Existing(pid);
        }
    }

    /**
     * A process known by its pid, looked up once: the JDK's handle keeps the process's start time, so that a pid
     * the kernel has since given to another process is neither taken for alive nor killed.
     */
    static final class Existing implements Spawned {
        private final long pid;
        private final ProcessHandle handle;

        Existing(long pid) {
            this.pid = pid;
            this.handle = ProcessHandle.of(pid).orElse(null);
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public boolean failedToStart() {
            return handle == null || !handle.isAlive();
        }

        @Override
        public void kill() {
            if (handle != null) {
                handle.destroyForcibly();
            }
        }
    }

    /** A process this primary started, which may be the standby itself or a terminal that runs it. */
    interface Spawned {
        /** @return the pid of the process started */
        long pid();

        /** @return whether it ended in a way that means the standby will never attach */
        boolean failedToStart();

        /** Ends the process (a terminal window closes with it). */
        void kill();
    }

    private final Spawner spawner;
    private final long ackTimeoutNs;
    private final String who;
    /** What this keeper keeps: "standby", or "spare". */
    private final String kept;
    private long attachTimeoutNs = ATTACH_TIMEOUT_NS;
    /** Whether {@link #spawned} is a spare waited for, not a process this keeper spawned. */
    private boolean spareAwaited;
    /** The standby's spare, as the standby said: the next standby. 0: none. */
    private long sparePid;
    /** The same process, looked up as the standby named it. */
    private Spawned spare;
    private State state = State.UNPROTECTED;
    private long stateChangedNs;
    private long nextSpawnNs;
    private long backoffNs = FIRST_BACKOFF_NS;
    private int failures;
    private Spawned spawned;
    private long standbyPid;
    private long lastAckNs;

    /**
     * How long the primary waits for its standby's next acknowledgement before it takes the standby for hung.
     *
     * @param takeoverTimeoutNs the standby's takeover timeout (heartbeat interval times misses)
     */
    static long ackTimeoutNs(long takeoverTimeoutNs) {
        return Math.max(4 * takeoverTimeoutNs, MIN_ACK_TIMEOUT_NS);
    }

    StandbyKeeper(Spawner spawner, long ackTimeoutNs, long nowNs) {
        this(spawner, ackTimeoutNs, nowNs, "primary's standby keeper");
    }

    private StandbyKeeper(Spawner spawner, long ackTimeoutNs, long nowNs, String who) {
        this.spawner = spawner;
        this.ackTimeoutNs = ackTimeoutNs;
        this.who = who;
        this.kept = who.endsWith("spare keeper") ? "spare" : "standby";
        this.stateChangedNs = nowNs;
        this.nextSpawnNs = nowNs;
    }

    /**
     * The keeper a standby keeps its spare with: attached and ready is the spare's word that it is prepared
     * ({@link #onAttached}, {@link #onReady}), alive while its connection is open ({@link #onAck} each pass).
     */
    static StandbyKeeper forSpare(Spawner spawner, long nowNs) {
        return new StandbyKeeper(spawner, MIN_ACK_TIMEOUT_NS, nowNs, "standby's spare keeper");
    }

    /** Advances by one pass: spawns when due, gives up on a spawn that never attaches, a standby that hangs. */
    State doWork(long nowNs) {
        switch (state) {
            case UNPROTECTED:
                onUnprotected(nowNs);
                break;
            case SPAWNING:
                onSpawning(nowNs);
                break;
            case PROTECTED:
                onProtected(nowNs);
                break;
            case STOPPING:
                break;
            default:
                throw new IllegalStateException("unknown state " + state);
        }
        return state;
    }

    private void onUnprotected(long nowNs) {
        if (nowNs - nextSpawnNs < 0) {
            return;
        }
        try {
            spawned = spawner.spawn();
            attachTimeoutNs = ATTACH_TIMEOUT_NS;
            spareAwaited = false;
            state(State.SPAWNING, nowNs, "spawned pid " + spawned.pid());
        } catch (IOException | RuntimeException e) {
            spawner.failed(null, e.getMessage());
            failed(nowNs, "cannot start a " + kept + ": " + e.getMessage());
        }
    }

    private void onSpawning(long nowNs) {
        if (spawned != null && spawned.failedToStart()) {
            if (!spareAwaited) {
                spawner.failed(spawned, "pid " + spawned.pid() + " ended before its " + kept + " was ready");
            }
            failed(nowNs, "spawned pid " + spawned.pid() + " ended before its " + kept + " was ready");
        } else if (nowNs - stateChangedNs >= attachTimeoutNs) {
            String what = spawned != null ? "spawned pid " + spawned.pid() : kept + " pid " + standbyPid;
            if (spawned != null) {
                spawned.kill();
                if (!spareAwaited) {
                    spawner.failed(spawned, "no " + kept + " was ready within " + attachTimeoutNs / 1_000_000_000L
                            + " s");
                }
            }
            if (standbyPid != 0) {
                spawner.kill(standbyPid);
            }
            failed(nowNs, what + " was not ready within " + attachTimeoutNs / 1_000_000_000L + " s; killed it");
        }
    }

    private void onProtected(long nowNs) {
        if (nowNs - lastAckNs >= ackTimeoutNs) {
            // A standby that stops acknowledging is hung or paused: it could not take over in time.
            // Not a failed spawn: it had been ready for at least the acknowledgement timeout, so the next one
            // starts at once, whatever its age (whole-pair pauses once grew the backoff to 25 s).
            spawner.kill(standbyPid);
            detached(nowNs, "standby pid " + standbyPid + " stopped acknowledging heartbeats for "
                    + (nowNs - lastAckNs) / 1_000_000 + " ms; killed it", true);
        }
    }

    private void failed(long nowNs, String why) {
        standbyPid = 0;
        failures++;
        nextSpawnNs = nowNs + backoffNs;
        String message = why + "; next try in " + backoffNs / 1_000_000 + " ms (failure " + failures + ")";
        backoffNs = Math.min(backoffNs * 2, MAX_BACKOFF_NS);
        spawned = null;
        state(State.UNPROTECTED, nowNs, message);
    }

    /**
     * A standby connected and asked to watch; it is not ready until it says so.
     *
     * @return false when one is attached already
     */
    boolean onAttached(long pid, long nowNs) {
        if (standbyPid != 0 || state == State.PROTECTED || state == State.STOPPING) {
            return false;
        }
        if (state == State.UNPROTECTED) {
            // Not one this primary spawned (a start that joined the pair): wait for it all the same.
            state(State.SPAWNING, nowNs, kept + " pid " + pid + " joined");
        }
        standbyPid = pid;
        return true;
    }

    /** The attached standby has started up and is watching: from now on a failure is taken over at once. */
    void onReady(long nowNs) {
        if (state == State.SPAWNING && standbyPid != 0) {
            lastAckNs = nowNs;
            spawned = null;
            state(State.PROTECTED, nowNs, kept + " pid " + standbyPid + " is ready");
        }
    }

    /**
     * The primary's own loop did not run for a while (paused together with its standby, say): the standby's
     * silence over that time says nothing about the standby, so its acknowledgement window starts again.
     */
    void onLoopStalled(long nowNs) {
        if (state == State.PROTECTED) {
            lastAckNs = nowNs;
        }
    }

    /** The standby acknowledged a heartbeat. */
    void onAck(long nowNs) {
        lastAckNs = nowNs;
    }

    /** The standby's watch connection closed: it has died. */
    void onDetached(long nowNs, String why) {
        if (state == State.PROTECTED) {
            detached(nowNs, why, false);
        } else if (state == State.SPAWNING && standbyPid != 0) {
            standbyPid = 0;
            spawned = null;
            failed(nowNs, why + " before it was ready");
        }
    }

    /**
     * The standby said it has a spare, prepared and waiting for the standby's slot ({@code pid}), or no longer has
     * one (0): when the standby ends, the spare is the next standby.
     */
    void onSpare(long pid) {
        if (pid == Pids.self() || pid == standbyPid) {
            // Not a spare: this primary, or the standby itself (a standby that says so is wrong, and is ignored).
            pid = 0;
        }
        sparePid = pid;
        spare = pid != 0 ? spawner.existing(pid) : null;
    }

    /**
     * A takeover's keeper: the standby that took over had a spare, which takes the slot the takeover just freed
     * and attaches as the new standby. It is waited for rather than a standby spawned: within
     * {@link #SPARE_ATTACH_TIMEOUT_NS} when it was prepared, within the attach timeout when it was still starting
     * (it has the rest of its start to go; a standby spawned now would start beside it).
     *
     * @param next the spare's process (for a spare still starting, what was spawned for it)
     * @param prepared whether it had said it was prepared
     */
    void expectSpare(Spawned next, boolean prepared, long nowNs) {
        if (state == State.UNPROTECTED && standbyPid == 0 && next != null) {
            spawned = next;
            attachTimeoutNs = prepared ? SPARE_ATTACH_TIMEOUT_NS : ATTACH_TIMEOUT_NS;
            spareAwaited = true;
            sparePid = 0;
            spare = null;
            state(State.SPAWNING, nowNs, (prepared ? "spare pid " : "spare being started as pid ") + next.pid()
                    + " of the standby that took over becomes the standby");
        }
    }

    /** A process by its pid, as this keeper's spawner looks it up. */
    Spawned existing(long pid) {
        return spawner.existing(pid);
    }

    /** @return what this keeper spawned and is waiting for, while it waits; null otherwise */
    Spawned pending() {
        return state == State.SPAWNING && standbyPid == 0 ? spawned : null;
    }

    private void detached(long nowNs, String why, boolean healthy) {
        if (healthy || nowNs - stateChangedNs >= HEALTHY_NS) {
            backoffNs = FIRST_BACKOFF_NS;
            failures = 0;
            nextSpawnNs = nowNs;
        } else {
            // Died soon after attaching: count it as a failed spawn so that a crashing standby cannot thrash.
            failures++;
            nextSpawnNs = nowNs + backoffNs;
            backoffNs = Math.min(backoffNs * 2, MAX_BACKOFF_NS);
        }
        standbyPid = 0;
        Spawned next = spare;
        spare = null;
        sparePid = 0;
        if (next != null && !next.failedToStart()) {
            // Its spare takes the slot the standby's end freed, and attaches: waited for, not spawned anew.
            spawned = next;
            attachTimeoutNs = SPARE_ATTACH_TIMEOUT_NS;
            spareAwaited = true;
            state(State.SPAWNING, nowNs, why + "; its spare pid " + next.pid() + " becomes the standby");
            return;
        }
        state(State.UNPROTECTED, nowNs, why + "; next " + kept + " in " + Math.max(0, nextSpawnNs - nowNs) / 1_000_000
                + " ms");
    }

    /** Stops keeping a standby; a spawned one that has not attached yet is killed. */
    void stop(long nowNs) {
        stop(nowNs, "pair stopping");
    }

    /** Stops keeping one, saying why; a spawned one that has not attached yet is killed. */
    void stop(long nowNs, String why) {
        if (spawned != null) {
            spawned.kill();
            spawned = null;
        }
        state(State.STOPPING, nowNs, why);
    }

    /** @return whether a standby is attached and acknowledged a heartbeat within the timeout */
    boolean isProtected(long nowNs) {
        return state == State.PROTECTED && nowNs - lastAckNs < ackTimeoutNs;
    }

    /** @return when this keeper next needs a pass, as a clock value */
    long nextWakeNs(long nowNs) {
        switch (state) {
            case UNPROTECTED:
                return nextSpawnNs;
            case SPAWNING:
                return nowNs + 50_000_000L;
            case PROTECTED:
                return lastAckNs + ackTimeoutNs;
            default:
                return nowNs + 1_000_000_000L;
        }
    }

    /**
     * The one door for the keeper's state changes. The keeper speaks for the primary about its standby, and says
     * so; a change to the state it is already in is no transition: only the reason is told, and the time of the
     * last real change stands.
     */
    private void state(State next, long nowNs, String why) {
        boolean warn = next == State.UNPROTECTED || next == State.STOPPING;
        if (next == state) {
            if (warn) {
                Log.LOG.warn("{}, still {}: {}", who, state, why);
            } else {
                Log.LOG.info("{}, still {}: {}", who, state, why);
            }
            return;
        }
        if (warn) {
            Log.LOG.warn("{} {} -> {}: {}", who, state, next, why);
        } else {
            Log.LOG.info("{} {} -> {}: {}", who, state, next, why);
        }
        state = next;
        stateChangedNs = nowNs;
    }

    State state() {
        return state;
    }

    long standbyPid() {
        return standbyPid;
    }

    long sparePid() {
        return sparePid;
    }

    int failures() {
        return failures;
    }

    long backoffNs() {
        return backoffNs;
    }

    /**
     * The logger, created on first use (see {@link Member}): made with this class, a fresh primary's first spawn
     * waited 45 ms for the logger's set-up, which another thread had begun.
     */
    private static final class Log {
        static final Logger LOG = Logs.of(StandbyKeeper.class);
    }
}
