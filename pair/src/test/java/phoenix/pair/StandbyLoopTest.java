package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** How the standby's loop measures the time it did not run ({@link StandbyLoop#lateness}). */
class StandbyLoopTest {
    private static final long MS = 1_000_000L;

    @Test
    void aPassThatWokeWhenItMeantToIsOnTime() {
        assertEquals(MS, StandbyLoop.lateness(99 * MS, 100 * MS, 200 * MS, 201 * MS));
        assertEquals(0, StandbyLoop.lateness(0, 100 * MS, 50 * MS, 100 * MS), "no sleep, nothing late");
    }

    @Test
    void aWakeLongAfterTheDeadlineIsLate() {
        assertEquals(3000 * MS, StandbyLoop.lateness(99 * MS, 100 * MS, 200 * MS, 3200 * MS));
    }

    @Test
    void aPauseInsideThePassBeforeIsSeenThoughThisPassDidNotSleep() {
        // The pass before began at 1000 ms and was stopped for 3 s after it read the clock; this pass finds its
        // deadline passed, does not sleep, and wakes "on time": the pass before's length says how long it was out.
        long passStart = 1000 * MS;
        long top = passStart + 3000 * MS;
        assertEquals(3000 * MS, StandbyLoop.lateness(passStart, top, top - 400 * MS, top + MS / 2));
    }

    @Test
    void theClockMayWrap() {
        long start = Long.MAX_VALUE - 500 * MS;
        long top = start + 3000 * MS;
        assertEquals(3000 * MS, StandbyLoop.lateness(start, top, top, top));
    }
}
