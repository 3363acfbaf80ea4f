package phoenix.bench;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Everything the benchmark started that must end with it, closed newest first and once: at the end of the run,
 * and from the shutdown hook when the run fails or is interrupted. Nothing may be registered after that.
 */
final class Cleanup {
    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private boolean closed;

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized <T extends AutoCloseable> T register(T resource) {
        if (closed) {
            closeQuietly(resource);
            throw new BenchException("the benchmark is ending; not starting " + resource);
        }
        open.push(resource);
        return resource;
    }

    void closeAll() {
        List<AutoCloseable> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(open);
            open.clear();
        }
        for (AutoCloseable c : all) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("bench: could not end " + c + ": " + e);
        }
    }
}
