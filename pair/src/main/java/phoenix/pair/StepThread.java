package phoenix.pair;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread the task's steps run on, so that the loop goes on sending heartbeats and answering the standby
 * and the control socket while the program works. One step at a time; the loop is woken when it is done.
 * It parks while it has nothing to do. (Spinning before a takeover's first step, to spare it the wake-up,
 * was measured and dropped: on a busy machine a spinning thread is preempted, and the step then waits a
 * whole time slice for it, where a woken thread is scheduled at once.)
 */
final class StepThread implements Primary.Steps, Runnable {
    /** What a step returned, or threw. */
    record Done(Snapshot next, Throwable failure) {
    }

    private final AtomicReference<Snapshot> request = new AtomicReference<>();
    private final AtomicReference<Done> done = new AtomicReference<>();
    private final PairTask task;
    private final NanoClock clock;
    private final String name;
    private final Runnable wakeup;
    private volatile Thread thread;
    private volatile Thread firstWaiter;
    // When the first step was handed over, taken up and done: where a takeover's first step spends its time.
    volatile long firstBeginNs;
    volatile long firstStartNs;
    volatile long firstDoneNs;

    /**
     * @param name the thread's name: the member's, so that what it logs carries the member's tag
     * @param wakeup wakes the member's loop when a step is done
     */
    StepThread(PairTask task, NanoClock clock, String name, Runnable wakeup) {
        this.task = task;
        this.clock = clock;
        this.name = name;
        this.wakeup = wakeup;
    }

    /** Starts the thread once; a standby does it beside its loop, so a takeover does not pay for it. */
    synchronized void startIfNeeded() {
        if (thread == null) {
            Thread t = new Thread(this, name);
            t.setDaemon(true);
            thread = t;
            t.start();
        }
    }

    @Override
    public void begin(Snapshot last) {
        if (firstBeginNs == 0) {
            firstBeginNs = clock.nanoTime();
        }
        request.set(last);
        LockSupport.unpark(thread);
    }

    Done poll() {
        return done.getAndSet(null);
    }

    /** Waits until the first step has returned, at most {@code maxNs}: the caller is woken when it does. */
    void awaitFirstStep(long maxNs) {
        firstWaiter = Thread.currentThread();
        long until = clock.nanoTime() + maxNs;
        for (long left = maxNs; firstDoneNs == 0 && left > 0; left = until - clock.nanoTime()) {
            LockSupport.parkNanos(this, left);
        }
        firstWaiter = null;
    }

    @Override
    public void run() {
        while (!Thread.currentThread().isInterrupted()) {
            if (!takeUp()) {
                // A request set before this park leaves its unpark's permit: park returns at once.
                LockSupport.park(this);
            }
        }
    }

    /** Runs the step handed over, if any, and wakes the loop when it is done; false when none was waiting. */
    boolean takeUp() {
        Snapshot last = request.getAndSet(null);
        if (last == null) {
            return false;
        }
        boolean first = firstStartNs == 0;
        if (first) {
            firstStartNs = clock.nanoTime();
        }
        Done result;
        try {
            result = new Done(task.step(last), null);
        } catch (RuntimeException | Error e) {
            result = new Done(null, e);
        }
        done.set(result);
        if (first) {
            firstDoneNs = clock.nanoTime();
            Thread waiter = firstWaiter;
            if (waiter != null) {
                LockSupport.unpark(waiter);
            }
        }
        wakeup.run();
        return true;
    }
}
