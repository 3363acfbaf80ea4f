package phoenix.pair;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;

/**
 * Writes a primary's checkpoints to a coordinator off the primary's loop: a round trip to ZooKeeper takes
 * milliseconds, and one that ZooKeeper does not answer takes seconds of retries, during which the loop would send
 * no heartbeat and its standby would take over. The loop hands over the newest state and goes on; one thread
 * writes the newest it has been given, skipping those a newer one replaced, and tries again after a failure.
 *
 * <p>What that costs: the coordinator's checkpoint may be a few steps behind the numbers printed. A takeover does
 * not read it for those (the standby holds the last heartbeat's state, which the loop sends as before), so only a
 * restart after both members died may repeat a few numbers; none is skipped. A write the coordinator refuses as
 * stale ({@link StaleEpochException}) is kept, for the loop to end its primary as fenced.
 */
final class CheckpointWriter {
    private static final long RETRY_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long ERROR_LOG_NS = TimeUnit.SECONDS.toNanos(10);

    private final EpochStore store;
    private final NanoClock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread thread;
    private PairState pending;
    private PairState newest;
    private boolean writing;
    private long staleEpoch;
    private boolean closed;
    private volatile String error = "";
    /** The newest state written, once one is. */
    private volatile PairState written;
    private final Runnable onWritten;
    private long errorLoggedNs;

    CheckpointWriter(EpochStore store, NanoClock clock, String threadName) {
        this(store, clock, threadName, () -> { });
    }

    /** @param onWritten called on the writer's thread after each write that succeeded (to wake the loop) */
    CheckpointWriter(EpochStore store, NanoClock clock, String threadName, Runnable onWritten) {
        this.store = store;
        this.clock = clock;
        this.onWritten = onWritten;
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Hands over the newest state: it replaces any older one not written yet. Never waits. */
    void offer(PairState state) {
        lock.lock();
        try {
            // Against the newest handed over, written or not: an older one handed over late must not follow it.
            if (newest == null || state.epoch() > newest.epoch() || state.epoch() == newest.epoch()
                    && state.snapshot().step() >= newest.snapshot().step()) {
                newest = state;
                pending = state;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** @return the newer epoch the coordinator holds when it refused a write as stale, or 0 */
    long staleEpoch() {
        lock.lock();
        try {
            return staleEpoch;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every state handed over is written (or refused), at most {@code timeoutNs}: before the pair is
     * marked stopped and before the member ends, so that a restart goes on from the last number.
     *
     * @return whether everything was written within the time
     */
    boolean flush(long timeoutNs) {
        long deadline = clock.nanoTime() + timeoutNs;
        lock.lock();
        try {
            while ((pending != null || writing) && staleEpoch == 0) {
                long left = deadline - clock.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** @return whether {@code state}'s step, or a later one of its epoch, is written */
    boolean hasWritten(PairState state) {
        PairState w = written;
        return w != null && w.epoch() == state.epoch() && w.snapshot().step() >= state.snapshot().step();
    }

    /** @return why the last write failed, while it has not been made since; empty when none failed */
    String error() {
        return error;
    }

    /** Stops the thread; a state not written yet is dropped (flush first). */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            PairState next;
            lock.lock();
            try {
                while (pending == null && !closed) {
                    changed.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                next = pending;
                pending = null;
                writing = true;
            } finally {
                lock.unlock();
            }
            boolean failed = false;
            try {
                store.writeCheckpoint(next);
                written = next;
                onWritten.run();
                if (!error.isEmpty()) {
                    Log.LOG.info("the checkpoint in {} is written again", store.where());
                    error = "";
                }
            } catch (StaleEpochException e) {
                lock.lock();
                try {
                    staleEpoch = e.storedEpoch();
                } finally {
                    lock.unlock();
                }
            } catch (IOException | RuntimeException e) {
                if (closedNow()) {
                    return;
                }
                failed = true;
                error = e.getMessage();
                long now = clock.nanoTime();
                if (errorLoggedNs == 0 || now - errorLoggedNs >= ERROR_LOG_NS) {
                    errorLoggedNs = now;
                    Log.LOG.warn("cannot write the checkpoint of step {} to {}: {}; trying again (the standby holds "
                            + "the state; a restart after both members die would resume from an older one)",
                            next.snapshot().step(), store.where(), error);
                }
            }
            lock.lock();
            try {
                writing = false;
                if (failed && pending == null) {
                    pending = next;
                }
                changed.signalAll();
                if (failed && !closed) {
                    changed.awaitNanos(RETRY_NS);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    private boolean closedNow() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(CheckpointWriter.class);
    }
}
