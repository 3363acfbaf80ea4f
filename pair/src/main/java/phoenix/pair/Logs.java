package phoenix.pair;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the engine's loggers come from. SLF4J is set up once, in this class's initializer: a thread that asks
 * for a logger while another is setting SLF4J up would get a stand-in and a warning on stderr, and a member
 * sets SLF4J up on a thread of its own beside its start-up (a new JVM's first logger costs tens of milliseconds
 * of CPU, depending on the backend and its configuration). Through here the second thread waits instead.
 */
final class Logs {
    static {
        LoggerFactory.getILoggerFactory();
    }

    private Logs() {
    }

    static Logger of(Class<?> owner) {
        return LoggerFactory.getLogger(owner);
    }
}
