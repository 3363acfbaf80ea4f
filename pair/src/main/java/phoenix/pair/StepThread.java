package phoenix.pair;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;

/**
 * The thread the task's steps run on, so that the loop goes on sending heartbeats and answering the standby
 * and the control socket while the program works. One step at a time; the loop is woken when it is done.
 * It parks while it has nothing to do. (Spinning before a takeover's first step, to spare it the wake-up,
 * was measured and dropped: on a busy machine a spinning thread is preempted, and the step then waits a
 * whole time slice for it, where a woken thread is scheduled at once.)
 *
 * <p>A member whose leadership is a lease ({@link EpochStore#mayAct}, a ZooKeeper session) asks the lease again
 * here, with the clock read anew, right before the task's step: the loop's check came before the hand-over (the
 * unpark, the wait for a core), and a pause of the whole host landing there would otherwise let a primary whose
 * session expired meanwhile print once more after it resumes. A step whose lease has lapsed is not begun; the loop
 * hears so ({@link Done#begun}) and waits for the lease as it does when its own check fails. A pair without a
 * lease pays one test of a final field for it.
 */
final class StepThread implements Primary.Steps, Runnable {
    /** What a step returned, or threw; not begun, with neither, when the lease was not confirmed. */
    record Done(Snapshot next, Throwable failure, boolean begun) {
        /** The step was not begun: the lease had lapsed since the loop's check. */
        static final Done NOT_BEGUN = new Done(null, null, false);
    }

    private final AtomicReference<Snapshot> request = new AtomicReference<>();
    private final AtomicReference<Done> done = new AtomicReference<>();
    private final PairTask task;
    private final NanoClock clock;
    private final String name;
    private final Runnable wakeup;
    // The member's lease (EpochStore#mayAct), asked right before each step; null for a pair without one.
    private final LongPredicate lease;
    private volatile Thread thread;
    private volatile Thread firstWaiter;
    // When the first step was handed over, taken up and done: where a takeover's first step spends its time.
    volatile long firstBeginNs;
    volatile long firstStartNs;
    volatile long firstDoneNs;

    /**
     * @param name the thread's name: the member's, so that what it logs carries the member's tag
     * @param wakeup wakes the member's loop when a step is done
     * @param lease whether the member may act at a time ({@link EpochStore#mayAct}), asked right before each step;
     *     null for a pair whose leadership is no lease (a state directory)
     */
    StepThread(PairTask task, NanoClock clock, String name, Runnable wakeup, LongPredicate lease) {
        this.task = task;
        this.clock = clock;
        this.name = name;
        this.wakeup = wakeup;
        this.lease = lease;
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

    /** Hands the outcome of the step handed over last, if it has one yet, to {@code primary}. */
    void deliver(Primary primary, long nowNs) {
        Done d = done.getAndSet(null);
        if (d != null && !d.begun()) {
            primary.onStepNotBegun(nowNs);
        } else if (d != null) {
            primary.onStepDone(d.next(), d.failure(), nowNs);
        }
    }

    /**
     * Waits until the first step has returned, or was not begun, at most {@code maxNs}: the caller is woken when
     * it does.
     */
    void awaitFirstStep(long maxNs) {
        firstWaiter = Thread.currentThread();
        long until = clock.nanoTime() + maxNs;
        for (long left = maxNs; firstDoneNs == 0 && done.get() == null && left > 0; left = until - clock.nanoTime()) {
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
        if (lease != null && !lease.test(clock.nanoTime())) {
            // Lapsed since the loop's check (this process paused or starved in between): a member on another host
            // may have taken over and printed this step's number. Nothing ran; the loop waits for the lease.
            done.set(Done.NOT_BEGUN);
            if (first) {
                wakeFirstWaiter();
            }
            wakeup.run();
            return true;
        }
        if (first) {
            firstStartNs = clock.nanoTime();
        }
        Done result;
        try {
            result = new Done(task.step(last), null, true);
        } catch (RuntimeException | Error e) {
            result = new Done(null, e, true);
        }
        done.set(result);
        if (first) {
            firstDoneNs = clock.nanoTime();
            wakeFirstWaiter();
        }
        wakeup.run();
        return true;
    }

    private void wakeFirstWaiter() {
        Thread waiter = firstWaiter;
        if (waiter != null) {
            LockSupport.unpark(waiter);
        }
    }
}
