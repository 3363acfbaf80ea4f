package phoenix.pair;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A settable clock. It starts at a random value a few seconds short of {@code Long.MAX_VALUE}, so that most
 * tests run their deadlines across the wrap of the clock, where only {@code a - b >= timeout} arithmetic works.
 */
final class FakeClock implements NanoClock {
    private final long startNs;
    private long nowNs;

    FakeClock() {
        this(Long.MAX_VALUE - ThreadLocalRandom.current().nextLong(TimeUnit.SECONDS.toNanos(5)));
    }

    FakeClock(long startNs) {
        this.startNs = startNs;
        this.nowNs = startNs;
    }

    @Override
    public long nanoTime() {
        return nowNs;
    }

    /** Moves the clock forward and returns the new time. */
    long advance(long ns) {
        nowNs += ns;
        return nowNs;
    }

    long advanceMillis(long ms) {
        return advance(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    /** Sets the clock to {@code ns} after its start. */
    long at(long ns) {
        nowNs = startNs + ns;
        return nowNs;
    }

    long atMillis(long ms) {
        return at(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    long startNs() {
        return startNs;
    }

    @Override
    public String toString() {
        return "FakeClock[start=" + startNs + ", elapsed=" + (nowNs - startNs) + " ns]";
    }
}
