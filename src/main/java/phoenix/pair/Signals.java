package phoenix.pair;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signal dispositions the roles need and the JDK has no public API for: a standby ignores SIGINT and SIGTERM
 * (it exists to outlive the primary) and a promoted standby gets the JVM's usual handling back. Reached by
 * reflection on {@code sun.misc.Signal} (module jdk.unsupported, present in every JDK from 9 to 25), which
 * keeps the build free of its compile-time warning. Where it is missing, the standby keeps default handling.
 */
final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);
    private static final Map<String, Object> SAVED = new HashMap<>();

    private Signals() {
    }

    /** Makes SIGINT and SIGTERM harmless to this process, saying so on stderr when they arrive. */
    static void standbyIgnoresInterrupts() {
        for (String name : new String[] {"INT", "TERM"}) {
            install(name, "standby ignores SIG" + name + ": it exists to outlive the primary; "
                    + "end the pair with 'run-phoenix.sh stop', or close this standby's window");
        }
    }

    /** Gives SIGINT and SIGTERM back to the JVM: a primary ends on them. */
    static void restoreDefaults() {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            for (Map.Entry<String, Object> e : SAVED.entrySet()) {
                handle.invoke(null, signalClass.getConstructor(String.class).newInstance(e.getKey()), e.getValue());
            }
            SAVED.clear();
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("cannot restore signal handling: {}", e.toString());
        }
    }

    private static void install(String name, String message) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> {
                        if ("handle".equals(method.getName())) {
                            LOG.warn(message);
                            return null;
                        }
                        return method.getName().equals("toString") ? "phoenix-ignore-" + name : null;
                    });
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            Object previous = handle.invoke(null, signalClass.getConstructor(String.class).newInstance(name), handler);
            SAVED.putIfAbsent(name, previous);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("cannot make the standby ignore SIG{}: {}", name, e.toString());
        }
    }
}
