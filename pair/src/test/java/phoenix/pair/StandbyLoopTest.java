package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the standby's loop measures the time it did not run ({@link StandbyLoop#lateness}) and paces its
 * acknowledgements ({@link StandbyLoop#ackDue}).
 */
class StandbyLoopTest {
    private static final long MS = 1_000_000L;
    /** The defaults: a heartbeat every 100 ms, 5 misses. */
    private static final long HEARTBEAT_NS = 100 * MS;
    private static final long TAKEOVER_TIMEOUT_NS = 5 * HEARTBEAT_NS;

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

    @Test
    void acknowledgesTheFirstAcceptedHeartbeatAtOnce() {
        long interval = StandbyKeeper.ACK_INTERVAL_NS;
        assertTrue(StandbyLoop.ackDue(1, 0, 0, 5 * MS, interval));
        assertFalse(StandbyLoop.ackDue(0, 0, 0, 5 * MS, interval), "nothing accepted yet, nothing to acknowledge");
    }

    @Test
    void fallsSilentOnceItAcceptsNoHeartbeat() {
        long interval = StandbyKeeper.ACK_INTERVAL_NS;
        assertFalse(StandbyLoop.ackDue(7, 7, 1000 * MS, 9000 * MS, interval),
                "a standby that accepts nothing must not tell its primary that it does");
    }

    @Test
    void acknowledgesEveryThirdHeartbeatWithTheDefaultsNotEveryOne() {
        long interval = StandbyKeeper.ACK_INTERVAL_NS;
        assertEquals(250 * MS, interval);
        FakeClock clock = new FakeClock();
        StandbyKeeper keeper = new StandbyKeeper(new FakeSpawner(), StandbyKeeper.ackTimeoutNs(TAKEOVER_TIMEOUT_NS),
                clock.nanoTime());
        keeper.doWork(clock.nanoTime());
        assertTrue(keeper.onAttached(4242, clock.nanoTime()));
        keeper.onReady(clock.nanoTime());
        List<Long> acks = new ArrayList<>();
        long accepted = 0;
        long ackedAccepted = 0;
        long lastAckSentNs = 0;
        // Ten seconds of heartbeats, each accepted a little late, as on a busy machine.
        for (int i = 1; i <= 100; i++) {
            long now = clock.advance(HEARTBEAT_NS + (i % 3) * MS);
            accepted++;
            if (StandbyLoop.ackDue(accepted, ackedAccepted, lastAckSentNs, now, interval)) {
                ackedAccepted = accepted;
                lastAckSentNs = now;
                acks.add(now);
                keeper.onAck(now);
            }
            assertEquals(StandbyKeeper.State.PROTECTED, keeper.doWork(now));
            assertTrue(keeper.isProtected(now));
        }
        // The first heartbeat accepted once 250 ms have passed: every third of these 101-103 ms apart.
        assertTrue(acks.size() >= 30 && acks.size() <= 34, acks.size() + " acknowledgements in 10 s");
        for (int i = 1; i < acks.size(); i++) {
            long gap = acks.get(i) - acks.get(i - 1);
            assertTrue(gap >= interval, "at most one acknowledgement per interval, not " + gap / MS + " ms apart");
            assertTrue(gap <= interval + HEARTBEAT_NS + 2 * MS,
                    "the first heartbeat after the interval is acknowledged, not " + gap / MS + " ms apart");
        }
    }

    @Test
    void aStandbyStalledForThreeQuartersOfTheAcknowledgementTimeoutIsNeverTakenForHung() {
        // The slowest pace is the interval plus one heartbeat (the first accepted once the interval is over). For
        // every legal configuration (at least 2 misses; the primary's timeout at least 4 takeover timeouts, at
        // least 2 s) that leaves at least three quarters of the primary's acknowledgement timeout to a stall.
        for (long heartbeat : new long[] {10 * MS, 100 * MS, 250 * MS, 1000 * MS, 10_000 * MS}) {
            for (int misses : new int[] {2, 3, 5, 10}) {
                long ackTimeout = StandbyKeeper.ackTimeoutNs(heartbeat * misses);
                long pace = StandbyKeeper.ACK_INTERVAL_NS + heartbeat;
                assertTrue(4 * pace <= ackTimeout, "pace " + pace / MS + " ms for an acknowledgement timeout of "
                        + ackTimeout / MS + " ms (heartbeat " + heartbeat / MS + " ms x " + misses + ")");
            }
        }
    }

    @Test
    void aPacedStandbyThatStallsJustBeforeItsNextAcknowledgementIsKilledOnlyAfterTheTimeout() {
        FakeClock clock = new FakeClock();
        FakeSpawner spawner = new FakeSpawner();
        long ackTimeout = StandbyKeeper.ackTimeoutNs(TAKEOVER_TIMEOUT_NS);
        StandbyKeeper keeper = new StandbyKeeper(spawner, ackTimeout, clock.nanoTime());
        keeper.doWork(clock.nanoTime());
        long standbyPid = 4242;
        assertTrue(keeper.onAttached(standbyPid, clock.nanoTime()));
        keeper.onReady(clock.nanoTime());
        long lastAck = clock.advance(HEARTBEAT_NS);
        keeper.onAck(lastAck);
        // Paced: its next acknowledgement would have come after the interval and a heartbeat; it stalls instead.
        clock.advance(StandbyKeeper.ACK_INTERVAL_NS + HEARTBEAT_NS - MS);
        long justBefore = lastAck + ackTimeout - MS;
        clock.advance(justBefore - clock.nanoTime());
        assertEquals(StandbyKeeper.State.PROTECTED, keeper.doWork(justBefore));
        assertTrue(spawner.killedPids.isEmpty(), "not hung yet");
        long timedOut = clock.advance(2 * MS);
        assertTrue(keeper.doWork(timedOut) != StandbyKeeper.State.PROTECTED);
        assertEquals(List.of(standbyPid), spawner.killedPids, "killed once its acknowledgements stopped for 2 s");
    }
}
