package phoenix.pair;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Routes SIGINT, SIGTERM and SIGHUP to the member, which the JDK has no public API for. The member decides by
 * its role what a signal means (a standby ignores SIGINT and SIGTERM and ends on SIGHUP; a primary hands over
 * and ends on all three), so the handlers are installed once and never swapped at a takeover. A handler only
 * records the signal and wakes the member's loop: the loop does the work, in order with everything else.
 * Reached by reflection on {@code sun.misc.Signal} (module jdk.unsupported, in every JDK from 9 to 25), which
 * keeps the build free of its compile-time warning; where it is missing the JVM's own handling stays.
 */
final class Signals {
    /** The signals a member handles. */
    static final String[] NAMES = {"INT", "TERM", "HUP"};
    private static final Map<String, Object> HANDLERS = new ConcurrentHashMap<>();

    /** What the member does with a signal; runs on the signal's own thread and must return quickly. */
    interface Receiver {
        /**
         * @param name the signal's name without the SIG prefix
         * @param number its number, for the exit code 128 + number
         */
        void onSignal(String name, int number);
    }

    private Signals() {
    }

    /** Routes SIGINT, SIGTERM and SIGHUP to {@code receiver}. */
    static void route(Receiver receiver) {
        for (String name : NAMES) {
            try {
                Class<?> signalClass = Class.forName("sun.misc.Signal");
                Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
                Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
                handle.invoke(null, signalClass.getConstructor(String.class).newInstance(name),
                        handler(name, receiver));
            } catch (ReflectiveOperationException | RuntimeException e) {
                Log.LOG.warn("cannot set the handling of SIG{}: {}", name, e.toString());
            }
        }
    }

    /** The handler for one signal, made once per receiver: the first proxy class costs milliseconds. */
    private static Object handler(String name, Receiver receiver) {
        return HANDLERS.computeIfAbsent(name + "@" + System.identityHashCode(receiver),
                k -> newHandler(name, receiver));
    }

    private static Object newHandler(String name, Receiver receiver) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            int number = (int) signalClass.getMethod("getNumber").invoke(signal);
            return Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "handle":
                                receiver.onSignal(name, number);
                                return null;
                            case "hashCode":
                                return System.identityHashCode(proxy);
                            case "equals":
                                return proxy == args[0];
                            default:
                                return "pair handler for SIG" + name;
                        }
                    });
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("sun.misc.Signal is not usable: " + e, e);
        }
    }

    /** The logger, created on first use. */
    private static final class Log {
        static final Logger LOG = Logs.of(Signals.class);
    }
}
