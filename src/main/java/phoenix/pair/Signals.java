package phoenix.pair;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * The signal handling each role needs, which the JDK has no public API for. A standby ignores SIGINT and
 * SIGTERM (it exists to outlive the primary) and ends on SIGHUP (its window was closed). A primary ends at
 * once on all three: it hands over, then dies of the signal without running shutdown hooks, because every
 * millisecond between the signal and the end of the process is one in which the standby waits. Reached by
 * reflection on
 * {@code sun.misc.Signal} (module jdk.unsupported, in every JDK from 9 to 25), which keeps the build free
 * of its compile-time warning; where it is missing the JVM's own handling stays.
 */
final class Signals {
    private static final Logger LOG = Logs.of(Signals.class);
    private static final Map<String, Object> HANDLERS = new ConcurrentHashMap<>();
    /** Raised by a standby that takes over; numbered above SIGINT, SIGTERM and SIGHUP, unused by the JVM. */
    private static final String AFTER_EARLIER = "WINCH";
    private static volatile boolean standbyHandlers;
    private static volatile Runnable afterEarlier;

    private Signals() {
    }

    /**
     * A standby: SIGINT and SIGTERM are logged and ignored, SIGHUP ends it.
     *
     * @param beforeHalt runs on the signal's thread before the process halts
     */
    static void standby(Runnable beforeHalt) {
        for (String name : new String[] {"INT", "TERM"}) {
            install(name, null, "standby ignores SIG" + name + ": it exists to outlive the primary; "
                    + "end the pair with 'run-phoenix.sh stop'");
        }
        install("HUP", beforeHalt, "standby ends on SIGHUP (its terminal closed); the primary starts another");
        try {
            set(AFTER_EARLIER, Proxy.newProxyInstance(Signals.class.getClassLoader(),
                    new Class<?>[] {Class.forName("sun.misc.SignalHandler")}, (proxy, method, args) -> {
                        if ("handle".equals(method.getName())) {
                            Runnable r = afterEarlier;
                            afterEarlier = null;
                            if (r != null) {
                                r.run();
                            }
                            return null;
                        }
                        return "hashCode".equals(method.getName()) ? (Object) System.identityHashCode(proxy)
                                : "equals".equals(method.getName()) ? (Object) (proxy == args[0])
                                : "phoenix handler for SIG" + AFTER_EARLIER;
                    }));
            standbyHandlers = true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("cannot set the handling of SIG{}: {}", AFTER_EARLIER, e.toString());
        }
    }

    /**
     * A primary: SIGINT, SIGTERM and SIGHUP end it at once, so that the standby takes over. A standby that takes
     * over keeps its own handling for the signals that reached it before: {@code pkill -f phoenix} signals
     * primary and standby microseconds apart, and the JVM hands a signal to Java milliseconds later, on one
     * thread, lowest number first, looking its handler up only then. So the primary's handlers are installed
     * by the handler of a signal raised now, with a higher number than SIGINT, SIGTERM and SIGHUP: by the time
     * it runs, every one of those that arrived earlier has met the standby's handler. The caller does not wait.
     *
     * @param beforeHalt runs on the signal's thread before the process halts: it stops further steps and tells
     *     the standby, because the JVM's halt itself takes a third of a second when a thread is blocked in
     *     native code (the selector, the JDK's process reaper waiting for the standby)
     */
    static void primary(Runnable beforeHalt) {
        Runnable install = () -> {
            for (String name : new String[] {"INT", "TERM", "HUP"}) {
                install(name, beforeHalt, "primary ends on SIG" + name + "; its standby takes over");
            }
        };
        if (!standbyHandlers) {
            install.run();
            return;
        }
        afterEarlier = install;
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            signalClass.getMethod("raise", signalClass).invoke(null,
                    signalClass.getConstructor(String.class).newInstance(AFTER_EARLIER));
        } catch (ReflectiveOperationException | RuntimeException e) {
            afterEarlier = null;
            install.run();
        }
    }

    /**
     * Builds the primary's handlers ahead of time: the first proxy class costs milliseconds, which a standby
     * can spend while it waits rather than during a takeover.
     */
    static void prepare(Runnable beforeHalt) {
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            handler(name, beforeHalt, "primary ends on SIG" + name + "; its standby takes over");
        }
    }

    private static void install(String name, Runnable halt, String message) {
        try {
            set(name, handler(name, halt, message));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("cannot set the handling of SIG{}: {}", name, e.toString());
        }
    }

    private static void set(String name, Object handler) throws ReflectiveOperationException {
        Class<?> signalClass = Class.forName("sun.misc.Signal");
        Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
        Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
        handle.invoke(null, signalClass.getConstructor(String.class).newInstance(name), handler);
    }

    /** The handler for one signal: {@code halt} null ignores it, else runs it and halts. */
    private static Object handler(String name, Runnable halt, String message) {
        return HANDLERS.computeIfAbsent(name + (halt != null) + message, k -> newHandler(name, halt, message));
    }

    private static Object newHandler(String name, Runnable halt, String message) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            int number = (int) signalClass.getMethod("getNumber").invoke(signal);
            return Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "handle":
                                LOG.warn(message);
                                if (halt != null) {
                                    halt.run();
                                    Runtime.getRuntime().halt(128 + number);
                                }
                                return null;
                            case "hashCode":
                                return System.identityHashCode(proxy);
                            case "equals":
                                return proxy == args[0];
                            default:
                                return "phoenix handler for SIG" + name;
                        }
                    });
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("sun.misc.Signal is not usable: " + e, e);
        }
    }
}
