package phoenix.pair;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;

/**
 * The primary's half of a service's replication, and the {@link Replicator} the service calls. Calls come from
 * any thread: each is given the next version under this object's lock, leaves its state as the newest (states
 * are whole snapshots, so a newer one replaces one not sent yet), wakes the loop, and a synchronous call waits
 * for its answer. Everything else happens on the loop's thread, in {@link #doWork} and the handlers: the newest
 * state goes to the standby as soon as the one before has left the socket ({@code STATE v n} and the bytes, see
 * {@link StateFrames}), the standby's {@code ACKSTATE v} answers every waiting call of version v or below, and a
 * call still unanswered {@link StandbyKeeper#ATTACH_TIMEOUT_NS} after the loop first saw it fails. A standby that
 * attaches is sent the newest state first, and does not count as ready until it holds it.
 */
final class Replication implements Replicator {
    private final Runnable wakeup;
    private final long timeoutNs;

    // Shared with the callers' threads: guarded by this.
    private long lastVersion;
    private byte[] given;
    private long givenVersion;
    private final ArrayDeque<Waiter> arrived = new ArrayDeque<>();
    private String closed;
    // The newest version the standby acknowledged, for heartbeats (loop) and callers that look (any thread).
    private volatile long heldVersion;

    // The loop's own.
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private byte[] latest;
    private long latestVersion;
    private Connection standby;
    private long sentVersion;
    private long standbyHolds;
    private long readyAt = -1;

    /** A synchronous call waiting for the standby to hold its version. */
    private static final class Waiter extends CompletableFuture<Long> {
        final long version;
        long sinceNs;

        Waiter(long version) {
            this.version = version;
        }
    }

    /**
     * @param wakeup wakes the loop (its selector) when a call has left a state for it
     * @param timeoutNs how long a synchronous call waits for a standby to hold its state
     */
    Replication(Runnable wakeup, long timeoutNs) {
        this.wakeup = wakeup;
        this.timeoutNs = timeoutNs;
    }

    // ---- the callers' side ------------------------------------------------------------------------------------

    @Override
    public long replicate(byte[] state) throws NotReplicatedException {
        Waiter w;
        synchronized (this) {
            w = new Waiter(give(state));
            arrived.add(w);
        }
        wakeup.run();
        try {
            return w.get();
        } catch (ExecutionException e) {
            throw new NotReplicatedException(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotReplicatedException("version " + w.version + ": interrupted while waiting for the standby");
        }
    }

    @Override
    public long replicateAsync(byte[] state) throws NotReplicatedException {
        long v;
        synchronized (this) {
            v = give(state);
        }
        wakeup.run();
        return v;
    }

    private long give(byte[] state) throws NotReplicatedException {
        if (state.length > MAX_STATE_BYTES) {
            throw new IllegalArgumentException("state is " + state.length + " bytes; at most " + MAX_STATE_BYTES
                    + " can be replicated");
        }
        if (closed != null) {
            throw new NotReplicatedException(closed);
        }
        given = state.clone();
        givenVersion = ++lastVersion;
        return givenVersion;
    }

    /**
     * Versions go on above {@code version}: called once before the service starts, with the step the takeover
     * starts from or the version the standby held, whichever is higher, so that versions never go back.
     */
    synchronized void startAbove(long version) {
        lastVersion = Math.max(lastVersion, version);
    }

    /** @return how many synchronous calls the loop has not taken up yet (for tests) */
    synchronized int callsNotSeen() {
        return arrived.size();
    }

    /** @return the newest version the standby acknowledged; 0 before any */
    long heldVersion() {
        return heldVersion;
    }

    // ---- the loop's side --------------------------------------------------------------------------------------

    /** One pass: takes what the callers left, sends the newest state when the standby can take it, times out. */
    void doWork(long nowNs) {
        synchronized (this) {
            for (Waiter w; (w = arrived.poll()) != null; ) {
                w.sinceNs = nowNs;
                waiting.add(w);
            }
            takeGiven();
        }
        sendIfDue();
        for (Waiter w; (w = waiting.peek()) != null && nowNs - w.sinceNs >= timeoutNs; ) {
            waiting.poll();
            w.completeExceptionally(new NotReplicatedException("version " + w.version + ": no standby held it within "
                    + timeoutNs / 1_000_000 + " ms"));
        }
    }

    /** Makes the newest state a caller gave the one to send; called holding the lock. */
    private void takeGiven() {
        if (given != null) {
            latest = given;
            latestVersion = givenVersion;
            given = null;
        }
    }

    private void sendIfDue() {
        if (standby != null && latestVersion > sentVersion && standby.queuedBytes() == 0) {
            standby.sendFrame(StateFrames.header(latestVersion, latest.length), latest);
            sentVersion = latestVersion;
        }
    }

    /** A standby attached: it is sent the newest state before anything else of this module. */
    void onAttached(Connection c) {
        standby = c;
        sentVersion = 0;
        standbyHolds = 0;
        readyAt = -1;
        synchronized (this) {
            takeGiven();
        }
        sendIfDue();
    }

    /**
     * The attached standby says it is ready.
     *
     * @return whether it counts as ready now: it holds the newest state, or there is none; otherwise it counts
     *     once it acknowledges the state it was sent on attaching ({@link #onAck} says when)
     */
    boolean onReady() {
        if (latestVersion == 0 || standbyHolds >= latestVersion) {
            return true;
        }
        readyAt = latestVersion;
        return false;
    }

    /**
     * The standby holds {@code version}: every call of that version or below is answered.
     *
     * @return whether the standby's earlier READY counts from now on (see {@link #onReady})
     */
    boolean onAck(long version) {
        standbyHolds = Math.max(standbyHolds, version);
        if (version > heldVersion) {
            heldVersion = version;
        }
        for (Waiter w; (w = waiting.peek()) != null && w.version <= version; ) {
            waiting.poll();
            w.complete(w.version);
        }
        sendIfDue();
        if (readyAt >= 0 && standbyHolds >= readyAt) {
            readyAt = -1;
            return true;
        }
        return false;
    }

    /** The standby's connection closed: waiting calls wait for the next standby. */
    void onDetached() {
        standby = null;
        readyAt = -1;
    }

    /** @return {@code state} with the newest version the standby holds as its step, when that is higher */
    PairState stamp(PairState state) {
        long held = heldVersion;
        return held > state.snapshot().step() ? state.withSnapshot(Snapshot.ofStep(held)) : state;
    }

    /**
     * No more calls are taken: every waiting call, and every later one, fails with {@code why}. The newest state
     * given is still sent by {@link #drain}.
     */
    void close(String why) {
        synchronized (this) {
            if (closed != null) {
                return;
            }
            closed = "this member is no longer the primary: " + why;
            for (Waiter w; (w = arrived.poll()) != null; ) {
                waiting.add(w);
            }
            takeGiven();
        }
        for (Waiter w; (w = waiting.poll()) != null; ) {
            w.completeExceptionally(new NotReplicatedException("version " + w.version + ": " + closed));
        }
    }

    /**
     * Before a hand-over: writes the newest state to the standby, waiting at most {@code maxNs} for the socket
     * to take it (the member is ending; its loop has nothing else to do). The standby reads it before the
     * connection's end, so a state replicated asynchronously just before a SIGTERM survives the hand-over.
     *
     * @return whether it was all written
     */
    boolean drain(long maxNs) {
        long until = System.nanoTime() + maxNs;
        while (standby != null) {
            standby.flush();
            sendIfDue();
            if (standby.queuedBytes() == 0 && sentVersion >= latestVersion) {
                return true;
            }
            if (System.nanoTime() - until >= 0) {
                Log.LOG.warn("the standby did not take state version {} within {} ms of the hand-over", latestVersion,
                        maxNs / 1_000_000);
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
        }
        return latestVersion == 0;
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(Replication.class);
    }
}
