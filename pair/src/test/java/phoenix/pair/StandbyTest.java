package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StandbyTest {
    private static final long PAIR_ID = 77;
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final long HEARTBEAT_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int MISSES = 5;
    private static final long TIMEOUT_NS = MISSES * HEARTBEAT_NS;
    private static final long PRIMARY_PID = 4242;

    private final HeartbeatCodec sender = new HeartbeatCodec(PAIR_ID, KEY);
    private final FakeClock clock = new FakeClock();
    private final Standby standby = new Standby(new HeartbeatCodec(PAIR_ID, KEY), TIMEOUT_NS, PairState.NONE,
            clock.nanoTime());

    private static PairState state(long epoch, long step) {
        return new PairState(epoch, epoch - 1, -1, 0, Snapshot.ofStep(step));
    }

    private ByteBuffer heartbeat(long epoch, long seq, long step) {
        ByteBuffer out = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES);
        sender.encode(seq, PRIMARY_PID, state(epoch, step), out);
        return out;
    }

    private void deliver(long epoch, long seq, long step) {
        standby.onDatagram(heartbeat(epoch, seq, step), clock.nanoTime());
    }

    private Standby.State doWork() {
        return standby.doWork(clock.nanoTime());
    }

    @Test
    void promotesAfterFiveMissedHeartbeatsAndNotOneNanosecondBefore() {
        clock.advance(TIMEOUT_NS - 1);
        assertEquals(Standby.State.WATCHING, doWork(), clock.toString());

        clock.advance(1);
        assertEquals(Standby.State.PROMOTED, doWork(), clock.toString());
        assertEquals(clock.nanoTime(), standby.stateChangedNs());
        assertTrue(standby.reason().contains("no valid heartbeat for 500 ms"), standby.reason());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MAX_VALUE, Long.MAX_VALUE - 250_000_000L, Long.MIN_VALUE})
    void promotesAfterTheTimeoutFromAnyClockOrigin(long startNs) {
        FakeClock c = new FakeClock(startNs);
        Standby s = new Standby(new HeartbeatCodec(PAIR_ID, KEY), TIMEOUT_NS, PairState.NONE, c.nanoTime());
        c.advanceMillis(300);
        s.onDatagram(heartbeat(1, 1, 1), c.nanoTime());

        assertEquals(Standby.State.WATCHING, s.doWork(c.advance(TIMEOUT_NS - 1)));
        assertEquals(Standby.State.PROMOTED, s.doWork(c.advance(1)));
    }

    @Test
    void aStandbyThatDidNotRunGivesItsPrimaryOneNewTimeoutNotTwo() {
        deliver(1, 1, 1);
        // The loop meant to wake at the deadline and woke 4 s late: this standby was paused too.
        clock.advanceMillis(4000);
        assertTrue(standby.onLoopStalled(TimeUnit.MILLISECONDS.toNanos(4000) - TIMEOUT_NS, clock.nanoTime()));
        assertEquals(Standby.State.WATCHING, doWork(), "no takeover for heartbeats it could not have heard");
        clock.advance(TIMEOUT_NS - 1);
        assertEquals(Standby.State.WATCHING, doWork());

        // Starved again before any heartbeat: a hung primary is still taken over, one timeout later.
        clock.advanceMillis(4000);
        assertFalse(standby.onLoopStalled(TimeUnit.MILLISECONDS.toNanos(4000), clock.nanoTime()));
        assertEquals(Standby.State.PROMOTED, doWork());
    }

    @Test
    void aLateWakeShorterThanTheTimeoutIsNoStall() {
        deliver(1, 1, 1);
        clock.advance(TIMEOUT_NS);
        assertFalse(standby.onLoopStalled(TIMEOUT_NS - 1, clock.nanoTime()));
        assertEquals(Standby.State.PROMOTED, doWork());
    }

    @Test
    void staysWatchingWhileValidHeartbeatsArrive() {
        for (int seq = 1; seq <= 100; seq++) {
            clock.advance(HEARTBEAT_NS);
            deliver(1, seq, seq / 10);
            assertEquals(Standby.State.WATCHING, doWork(), "after heartbeat " + seq);
        }
        assertEquals(100, standby.accepted());
        assertEquals(10, standby.last().snapshot().step());
    }

    @Test
    void heartbeatsOnTheWatchConnectionAloneKeepTheStandbyWatching() {
        // A flood of the UDP port can crowd every real datagram out of its buffer: the copies on the watch
        // connection must then be enough, or the flood causes a false takeover.
        for (int seq = 1; seq <= 3 * MISSES; seq++) {
            clock.advance(HEARTBEAT_NS);
            standby.onHeartbeat(heartbeat(1, seq, seq), Standby.Path.WATCH, clock.nanoTime());
            assertEquals(Standby.State.WATCHING, doWork(), "after heartbeat " + seq + " on the watch connection");
        }
        assertEquals(3 * MISSES, standby.last().snapshot().step(), "the state comes with them");
        clock.advance(TIMEOUT_NS);
        assertEquals(Standby.State.PROMOTED, doWork(), "and when they stop, the standby takes over");
    }

    @Test
    void aLateValidHeartbeatRestartsTheDeadline() {
        clock.advance(TIMEOUT_NS - 1);
        deliver(1, 1, 1);
        long heardNs = clock.nanoTime();

        assertEquals(heardNs + TIMEOUT_NS, standby.deadlineNs());
        clock.advance(TIMEOUT_NS - 1);
        assertEquals(Standby.State.WATCHING, doWork());
        clock.advance(1);
        assertEquals(Standby.State.PROMOTED, doWork());
    }

    @Test
    void countsAReplayedHeartbeatAsReplayedWithoutRestartingTheDeadline() {
        clock.advanceMillis(100);
        ByteBuffer original = heartbeat(1, 5, 3);
        standby.onDatagram(original.duplicate(), clock.nanoTime());
        long deadline = standby.deadlineNs();

        clock.advanceMillis(300);
        standby.onHeartbeat(original.duplicate(), Standby.Path.WATCH, clock.nanoTime());
        assertEquals(Map.of(), standby.rejected(), "the copy on the other path is no replay");
        standby.onDatagram(original.duplicate(), clock.nanoTime());
        deliver(1, 4, 3);
        assertEquals(Map.of(Rejection.REPLAYED, 1L), standby.rejected(),
                "the same heartbeat twice on one path is a replay; an older one the network reordered is not");
        deliver(1, 4, 3);
        deliver(1, Long.MIN_VALUE, 9);

        assertEquals(Map.of(Rejection.REPLAYED, 3L), standby.rejected(),
                "the older one again, and one too old to tell, are replays");
        assertEquals(1, standby.accepted());
        assertEquals(5, standby.lastSeq());
        assertEquals(3, standby.last().snapshot().step(), "a replay must not change the held state");
        assertEquals(deadline, standby.deadlineNs());
        clock.advance(deadline - clock.nanoTime());
        assertEquals(Standby.State.PROMOTED, doWork());
    }

    @Test
    void refusesAHeartbeatOfAnOlderEpochAsStale() {
        deliver(3, 10, 20);
        long deadline = standby.deadlineNs();

        clock.advanceMillis(200);
        deliver(2, 11, 25);

        assertEquals(Map.of(Rejection.STALE_EPOCH, 1L), standby.rejected());
        assertEquals(3, standby.last().epoch());
        assertEquals(20, standby.last().snapshot().step());
        assertEquals(deadline, standby.deadlineNs());
    }

    @Test
    void acceptsANewerEpochWithALowerSequenceNumber() {
        deliver(2, 100, 20);
        clock.advanceMillis(200);

        deliver(3, 1, 21);

        assertEquals(2, standby.accepted());
        assertEquals(3, standby.last().epoch());
        assertEquals(1, standby.lastSeq());
        assertEquals(21, standby.last().snapshot().step());
        assertEquals(clock.nanoTime() + TIMEOUT_NS, standby.deadlineNs());
        assertTrue(standby.rejected().isEmpty(), standby.rejected().toString());
    }

    @Test
    void holdsTheStateOfTheLastAcceptedHeartbeat() {
        PairState sent = new PairState(4, 3, 17, 2, new Snapshot(19, new byte[] {1, 2, 3}));
        ByteBuffer out = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES);
        sender.encode(8, PRIMARY_PID, sent, out);

        standby.onDatagram(out, clock.nanoTime());

        assertEquals(sent, standby.last());
        assertEquals(PRIMARY_PID, standby.primaryPid());
    }

    @Test
    void promotesAtOnceWhenThePrimaryIsGone() {
        deliver(1, 1, 1);
        clock.advanceMillis(1);

        standby.onPrimaryGone(clock.nanoTime(), "watch connection closed");

        assertEquals(Standby.State.PROMOTED, standby.state());
        assertEquals("watch connection closed", standby.reason());
        assertEquals(Standby.State.PROMOTED, doWork());
    }

    @Test
    void stopsWithoutTakingOverWhenStopped() {
        standby.onStop(clock.nanoTime(), "stop requested");
        clock.advance(10 * TIMEOUT_NS);

        assertEquals(Standby.State.STOPPED, doWork());
        standby.onPrimaryGone(clock.nanoTime(), "primary ended");
        assertEquals(Standby.State.STOPPED, standby.state(), "a stopped standby must not take over");
    }

    @Test
    void aPromotedStandbyCannotBeStopped() {
        standby.onPrimaryGone(clock.nanoTime(), "primary ended");
        standby.onStop(clock.nanoTime(), "stop requested");

        assertEquals(Standby.State.PROMOTED, standby.state());
    }

    @Test
    void takesTheStateHandedOverOnWelcome() {
        PairState handed = new PairState(5, 4, 30, 1, Snapshot.ofStep(33));
        clock.advanceMillis(400);

        standby.onWelcome(handed, 12, PRIMARY_PID, clock.nanoTime());

        assertEquals(handed, standby.last());
        assertEquals(12, standby.lastSeq());
        assertEquals(PRIMARY_PID, standby.primaryPid());
        assertEquals(clock.nanoTime() + TIMEOUT_NS, standby.deadlineNs());
        deliver(5, 11, 33);
        deliver(5, 12, 33);
        assertEquals(Map.of(), standby.rejected(), "heartbeats sent before the welcome may still arrive");
        assertEquals(12, standby.lastSeq());
        deliver(5, 11, 33);
        assertEquals(Map.of(Rejection.REPLAYED, 1L), standby.rejected(), "but only once on each path");
    }

    @Test
    void ignoresAWelcomeOlderThanTheHeldState() {
        deliver(5, 12, 40);
        long deadline = standby.deadlineNs();
        clock.advanceMillis(100);

        standby.onWelcome(state(4, 50), 99, PRIMARY_PID, clock.nanoTime());
        standby.onWelcome(state(5, 41), 11, PRIMARY_PID, clock.nanoTime());

        assertEquals(40, standby.last().snapshot().step());
        assertEquals(deadline, standby.deadlineNs());
    }

    @Test
    void countsRefusedDatagramsByReasonWithoutRestartingTheDeadline() {
        deliver(2, 10, 5);
        long deadline = standby.deadlineNs();
        clock.advanceMillis(100);
        ByteBuffer valid = heartbeat(2, 11, 6);
        byte[] bytes = new byte[valid.remaining()];
        valid.get(bytes);

        standby.onDatagram(ByteBuffer.allocate(3), clock.nanoTime());
        standby.onDatagram(ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES + 1), clock.nanoTime());
        byte[] badMac = bytes.clone();
        badMac[40] ^= 1;
        standby.onDatagram(ByteBuffer.wrap(badMac), clock.nanoTime());
        standby.onDatagram(ByteBuffer.wrap(badMac), clock.nanoTime());
        ByteBuffer otherPair = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES);
        new HeartbeatCodec(PAIR_ID + 1, KEY).encode(12, PRIMARY_PID, state(2, 6), otherPair);
        standby.onDatagram(otherPair, clock.nanoTime());
        deliver(1, 50, 6);
        deliver(2, 10, 5);

        Map<Rejection, Long> expected = new EnumMap<>(Rejection.class);
        expected.put(Rejection.SHORT, 1L);
        expected.put(Rejection.LONG, 1L);
        expected.put(Rejection.OTHER_PAIR, 1L);
        expected.put(Rejection.BAD_MAC, 2L);
        expected.put(Rejection.STALE_EPOCH, 1L);
        expected.put(Rejection.REPLAYED, 1L);
        assertEquals(expected, standby.rejected());
        assertEquals(1, standby.accepted());
        assertEquals(deadline, standby.deadlineNs());
        assertEquals("short=1 long=1 other-pair=1 bad-mac=2 stale-epoch=1 replayed=1",
                Standby.labels(standby.rejected()));
    }

    @Test
    void aRefusedDatagramDoesNotKeepItFromTakingOver() {
        deliver(1, 5, 1);
        ByteBuffer replay = heartbeat(1, 5, 1);
        for (int i = 0; i < MISSES; i++) {
            clock.advance(HEARTBEAT_NS);
            standby.onDatagram(replay.duplicate(), clock.nanoTime());
            doWork();
        }

        assertEquals(Standby.State.PROMOTED, standby.state());
        assertEquals(Map.of(Rejection.REPLAYED, (long) MISSES), standby.rejected());
    }
}
