package phoenix.pair;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;

/**
 * Routes SIGINT, SIGTERM and SIGHUP to the member, which the JDK has no public API for. A handler only records
 * the signal, with the role the member had when the signal reached it, and wakes the member's loop, which acts
 * on it in order with everything else: a standby ignores SIGINT and SIGTERM (it exists to outlive the primary;
 * they are only counted, and said by its loop's next pass, see {@link SignalInbox}) and ends on SIGHUP; a primary
 * hands over and ends on all three.
 *
 * <p>The role is the handler's, not the member's at the time the handler runs. {@code pkill -f PROGRAM} signals
 * primary and standby microseconds apart; the JVM hands a signal to Java milliseconds later, on one thread, the lowest
 * number first, and looks its handler up only then. So a standby that takes over does not swap its handlers itself: it
 * raises a barrier signal (SIGPWR, numbered above the three, unused by the JVM), whose handler installs the primary's.
 * By the time that runs, every SIGINT, SIGTERM or SIGHUP that reached the member before the takeover has met the
 * standby's handler, and a signal meant for the old primary does not end the new one. The raise comes as soon as the
 * standby's loop finds its primary gone (across hosts, where the member may yet go back to watching, at the takeover's
 * start; its reflective look-ups made ahead, {@link #preparePrimary}), and the takeover waits for it to have run
 * ({@link #awaitPrimary}) before it shows itself: raised after the first number instead, to spare the claim the thread
 * the JVM starts for the signal, it let a SIGTERM sent just after that number meet the standby's handler (6 of 7
 * tries), and raised before the claim without the wait, 2 of 7. The JVM starts a thread for every signal it hands to
 * Java: raise to handler takes 0.75-1.6 ms even on an idle machine (JDK 17, this 2-core VM), about as long as the claim
 * and the read beside which it runs, hence the raise before the takeover begins rather than at its start, and a
 * rehearsal before READY ({@link #rehearseBarrier}), since a JVM's first signal takes the longest.
 *
 * <p>The barrier is SIGPWR, which nothing else sends to a member (on Linux the kernel and init send it to init
 * only), so that only the takeover's own raise can install the primary's handlers: SIGWINCH, which a terminal
 * sends whenever its window is resized, was the barrier before, and a resize handed to Java just before a takeover
 * but handled after it began would have installed them early. The rehearsal raises SIGWINCH, whose handler only
 * counts. Where the JVM knows no SIGPWR, SIGWINCH is the barrier, with that race, and there is no rehearsal. A
 * member that yields to a member on another host ({@link #standbyAgain}) goes back to the standby's handlers.
 *
 * <p>Reached by reflection on {@code sun.misc.Signal} (module jdk.unsupported, in every JDK from 9 to 25), which
 * keeps the build free of its compile-time warning; where it is missing the JVM's own handling stays.
 */
final class Signals {
    /** The signals a member handles. */
    private static final String[] NAMES = {"INT", "TERM", "HUP"};
    /**
     * Raised by a standby that takes over, and by nothing else: numbered above SIGINT, SIGTERM and SIGHUP, unused
     * by the JVM, sent by no terminal (Linux's SIGPWR goes to init only). Where there is no SIGPWR, SIGWINCH.
     */
    private static final String BARRIER = "PWR";
    /** The rehearsal's signal (a terminal's resize sends it too), and the barrier where there is no SIGPWR. */
    private static final String REHEARSAL = "WINCH";

    private static Receiver receiver;
    private static Object[] standbyHandlers;
    private static Object[] primaryHandlers;
    /**
     * For tests only (fault injection): how long the barrier's handler sleeps before it installs the primary's
     * handlers, from the system property {@code phoenix.testing.barrierDelayMs} (0: not at all), so that a test can
     * show that a takeover shows itself only once they are installed, however late that is.
     */
    private static final long BARRIER_DELAY_MS = Long.getLong("phoenix.testing.barrierDelayMs", 0L);
    /** How long {@link #awaitPrimary} yields its core before it sleeps on the monitor. */
    private static final long YIELD_NS = 3_000_000L;

    private static volatile boolean standbyInstalled;
    private static boolean primaryInstalled;
    // Set once the primary's handlers are in place (after primaryInstalled, which is set before them): read
    // without the monitor by awaitPrimary's first phase.
    private static volatile boolean primaryReady;
    private static boolean takeoverRaised;
    /**
     * How many barrier handlers ran without installing anything: SIGWINCH's (the rehearsal waits for its own), and
     * a SIGPWR's with no takeover raised.
     */
    private static int idleBarriers;
    /** idleBarriers when the rehearsal raised its barrier; -1 before it did. */
    private static int rehearsalFrom = -1;
    // sun.misc.Signal.raise and the barrier's and the rehearsal's Signals, looked up ahead (preparePrimary) so that
    // a takeover does no reflective look-up.
    private static Method raise;
    private static Object barrier;
    private static Object rehearsal;
    // The barrier's signal: BARRIER, or REHEARSAL where the JVM does not know BARRIER (then no rehearsal).
    private static String barrierName = BARRIER;
    // sun.misc.Signal.handle, its constructor and the Signals of NAMES, looked up by the standby's install: the
    // primary's install runs on the barrier's thread, which a takeover awaits, and does no look-up.
    private static Method handle;
    private static java.lang.reflect.Constructor<?> signalConstructor;
    private static final Object[] signalObjects = new Object[NAMES.length];

    /** What the member does with a signal; runs on the signal's own thread and must return quickly. */
    interface Receiver {
        /**
         * @param name the signal's name without the SIG prefix
         * @param number its number, for the exit code 128 + number
         * @param asPrimary whether it reached the member as the primary
         */
        void onSignal(String name, int number, boolean asPrimary);
    }

    private Signals() {
    }

    /** Installs the standby's handling. Does nothing once the primary's is installed. */
    static synchronized void standby(Receiver r) {
        receiver = r;
        standbyHandlers = handlers(false);
        if (primaryInstalled) {
            return;
        }
        try {
            for (int i = 0; i < NAMES.length; i++) {
                set(NAMES[i], standbyHandlers[i]);
            }
            try {
                set(BARRIER, proxy(BARRIER, null, false));
            } catch (ReflectiveOperationException | RuntimeException noSuchSignal) {
                // No SIGPWR here (macOS, say): SIGWINCH is the barrier, and there is no rehearsal.
                barrierName = REHEARSAL;
            }
            set(REHEARSAL, proxy(REHEARSAL, null, false));
            standbyInstalled = true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.LOG.warn("cannot set the handling of signals: {}", e.toString());
        }
    }

    /** Builds the primary's handlers and looks up the barrier's raise ahead of time, off the takeover's path. */
    static synchronized void preparePrimary() {
        if (primaryHandlers == null) {
            primaryHandlers = handlers(true);
        }
        if (raise == null) {
            try {
                Class<?> signalClass = Class.forName("sun.misc.Signal");
                barrier = signalClass.getConstructor(String.class).newInstance(barrierName);
                rehearsal = signalClass.getConstructor(String.class).newInstance(REHEARSAL);
                Method found = signalClass.getMethod("raise", signalClass);
                // Called once with no signal, which Signal.raise refuses before it raises anything: a Method's
                // first invoke makes its accessor (on JDK 18+ a method handle, 3 ms p50 of a JDK 25 takeover's
                // claim when the raise first ran there).
                try {
                    found.invoke(null, (Object) null);
                } catch (java.lang.reflect.InvocationTargetException refused) {
                    // Expected: raise(null) throws NullPointerException.
                }
                raise = found;
            } catch (ReflectiveOperationException | RuntimeException e) {
                // primary() looks it up again, and installs the primary's handlers itself if that fails too.
                raise = null;
            }
        }
    }

    /**
     * Installs the primary's handling: at once when no standby's is installed, else once every signal that
     * reached the standby before now has met the standby's handler (see the class comment). Does not wait; a
     * second call does nothing.
     */
    static synchronized void primary(Receiver r) {
        receiver = r;
        if (!standbyInstalled) {
            installPrimary();
            return;
        }
        if (takeoverRaised) {
            // Raised already: by the standby's loop as it found its primary gone, before the takeover began.
            return;
        }
        takeoverRaised = true;
        try {
            if (raise == null) {
                preparePrimary();
            }
            raise.invoke(null, barrier);
        } catch (ReflectiveOperationException | RuntimeException e) {
            installPrimary();
        }
    }

    /**
     * Installs the primary's handling now, without the barrier: for a takeover whose barrier did not run within its
     * wait (a SIGPWR blocked in the signal mask the JVM was started with never reaches Java), so that the new
     * primary does not keep the standby's handlers for good.
     */
    static synchronized void installPrimaryNow() {
        if (standbyInstalled) {
            installPrimary();
        }
    }

    /**
     * Puts the standby's handling back: for a member that went on to take over but yielded to a member on another
     * host before it showed itself. Every signal handed to Java from now on meets the standby's handlers, and its
     * next takeover raises a barrier of its own.
     */
    static synchronized void standbyAgain() {
        if (!standbyInstalled || !takeoverRaised) {
            return;
        }
        takeoverRaised = false;
        primaryReady = false;
        primaryInstalled = false;
        try {
            for (int i = 0; i < NAMES.length; i++) {
                set(NAMES[i], standbyHandlers[i]);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.LOG.warn("cannot set the handling of signals: {}", e.toString());
        }
    }

    /**
     * Waits until the primary's handling is installed, at most {@code maxMillis}: a takeover calls it before it
     * shows itself (its control socket, its first number), so that a signal sent by someone who saw the new
     * primary meets the primary's handler. The barrier runs beside the claim and the read, so this rarely waits.
     *
     * @return whether the primary's handling is in place (or no standby's ever was)
     */
    static boolean awaitPrimary(long maxMillis) {
        long start = System.nanoTime();
        // First without sleeping: the barrier's thread usually finishes within a few milliseconds, and a thread
        // woken from wait() waits again for a core (on this 2-core VM, 0.1-1 ms). Thread.yield() rather than a
        // busy spin, so that the barrier's own thread gets this core when it is the one waiting for it.
        while (!primaryReady && standbyInstalled && System.nanoTime() - start < YIELD_NS) {
            Thread.yield();
        }
        return awaitPrimarySleeping(start + maxMillis * 1_000_000L);
    }

    private static synchronized boolean awaitPrimarySleeping(long deadline) {
        sleepUntil(false, deadline);
        return !standbyInstalled || primaryInstalled;
    }

    /**
     * Waits on the monitor, which the caller holds, until the primary's handlers are installed (or, for {@code
     * rehearsal}, the rehearsal's signal was handled), at most until {@code deadline}.
     */
    private static void sleepUntil(boolean rehearsal, long deadline) {
        boolean interrupted = false;
        while (rehearsal ? idleBarriers == rehearsalFrom : standbyInstalled && !primaryInstalled) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (leftMs <= 0) {
                break;
            }
            try {
                Signals.class.wait(leftMs);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A SIGPWR's or SIGWINCH's handler: the barrier installs the primary's handlers once a takeover raised it;
     * a SIGWINCH (the rehearsal's, a terminal's resize) counts only, unless it stands in for the barrier.
     */
    private static void onBarrier(String name) {
        if (BARRIER_DELAY_MS > 0 && name.equals(barrierName)) {
            try {
                Thread.sleep(BARRIER_DELAY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        onBarrierNow(name);
    }

    private static synchronized void onBarrierNow(String name) {
        if (takeoverRaised && name.equals(barrierName)) {
            installPrimary();
        } else {
            idleBarriers++;
            Signals.class.notifyAll();
        }
    }

    /**
     * Raises SIGWINCH once, whose handler counts it and does nothing else: a JVM's first signal handed to Java takes
     * its dispatch path and the handlers' code for the first time (raise to handler 1.37-1.59 ms in a probe JVM with
     * the members' flags, JDK 17, against 0.75-1.30 ms for the next ones), and a takeover's barrier should not be
     * that first one. Not the barrier's own signal: a rehearsal handled late must not install anything. A standby
     * calls it before READY, with its own handlers in place and no takeover begun (otherwise it does nothing), and
     * {@link #awaitRehearsal} once the rest of its preparation is done.
     */
    static synchronized void rehearseBarrier() {
        if (!standbyInstalled || takeoverRaised || primaryInstalled || rehearsalFrom >= 0
                || barrierName.equals(REHEARSAL)) {
            return;
        }
        try {
            if (raise == null) {
                preparePrimary();
            }
            int before = idleBarriers;
            raise.invoke(null, rehearsal);
            rehearsalFrom = before;
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Only a rehearsal: the takeover raises it anyway.
        }
    }

    /**
     * Waits, at most {@code maxMillis}, until the signal raised by {@link #rehearseBarrier} has been handled (or a
     * terminal's resize meanwhile: the dispatch path has run either way).
     */
    static synchronized void awaitRehearsal(long maxMillis) {
        if (rehearsalFrom >= 0) {
            sleepUntil(true, System.nanoTime() + maxMillis * 1_000_000L);
        }
    }

    private static synchronized void installPrimary() {
        if (primaryInstalled) {
            return;
        }
        primaryInstalled = true;
        Signals.class.notifyAll();
        if (primaryHandlers == null) {
            primaryHandlers = handlers(true);
        }
        try {
            for (int i = 0; i < NAMES.length; i++) {
                set(NAMES[i], primaryHandlers[i]);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.LOG.warn("cannot set the handling of signals: {}", e.toString());
        }
        primaryReady = true;
    }

    private static Object[] handlers(boolean asPrimary) {
        Object[] out = new Object[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            out[i] = proxy(NAMES[i], NAMES[i], asPrimary);
        }
        return out;
    }

    private static void deliver(String name, boolean asPrimary) {
        Receiver r;
        synchronized (Signals.class) {
            r = receiver;
        }
        if (r != null) {
            r.onSignal(name, number(name), asPrimary);
        }
    }

    private static int number(String name) {
        switch (name) {
            case "HUP":
                return 1;
            case "INT":
                return 2;
            default:
                return 15;
        }
    }

    /**
     * A handler for {@code name}: delivers {@code delivered} with the role, or, for {@code delivered} null (the
     * barrier, the rehearsal), installs the primary's handlers or counts ({@link #onBarrier}).
     */
    private static Object proxy(String name, String delivered, boolean asPrimary) {
        try {
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            return Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
                    new Handler(name, delivered, asPrimary));
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("sun.misc.Signal is not usable: " + e, e);
        }
    }

    /**
     * The body of every handler. A class rather than lambdas: a standby installs its handlers before it says it
     * is ready, and a new JVM's first lambdas cost it tens of milliseconds.
     */
    private static final class Handler implements InvocationHandler {
        private final String name;
        private final String delivered;
        private final boolean asPrimary;

        Handler(String name, String delivered, boolean asPrimary) {
            this.name = name;
            this.delivered = delivered;
            this.asPrimary = asPrimary;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) {
            switch (method.getName()) {
                case "handle":
                    if (delivered == null) {
                        onBarrier(name);
                    } else {
                        deliver(delivered, asPrimary);
                    }
                    return null;
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    return "pair handler for SIG" + name;
            }
        }
    }

    private static void set(String name, Object handler) throws ReflectiveOperationException {
        if (handle == null) {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Method found = signalClass.getMethod("handle", signalClass, Class.forName("sun.misc.SignalHandler"));
            signalConstructor = signalClass.getConstructor(String.class);
            handle = found;
        }
        Object signal = null;
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(name)) {
                if (signalObjects[i] == null) {
                    signalObjects[i] = signalConstructor.newInstance(name);
                }
                signal = signalObjects[i];
            }
        }
        handle.invoke(null, signal != null ? signal : signalConstructor.newInstance(name), handler);
    }

    /** The logger, created on first use. */
    private static final class Log {
        static final Logger LOG = Logs.of(Signals.class);
    }
}
