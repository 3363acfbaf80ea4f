package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import phoenix.testing.Awaits;

/**
 * The primary's replication on a fake clock, the test's thread playing the loop: what is sent to the standby and
 * when, when a synchronous call is answered, when it fails. The standby is a real socket's other end.
 */
class ReplicationTest {
    private static final long TIMEOUT_NS = StandbyKeeper.ATTACH_TIMEOUT_NS;

    @TempDir
    Path dir;
    private final FakeClock clock = new FakeClock();
    private final AtomicInteger wakeups = new AtomicInteger();
    private final Replication replication = new Replication(wakeups::incrementAndGet, TIMEOUT_NS);
    private SocketPair sockets;
    private Connection standby;

    @BeforeEach
    void connect() throws IOException {
        sockets = new SocketPair(dir);
        standby = sockets.standby();
    }

    @AfterEach
    void close() throws IOException {
        sockets.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A synchronous call on a thread of its own, once the replication has it. */
    private CompletableFuture<Long> replicateOnAnotherThread(String state) {
        int before = replication.callsNotSeen();
        CompletableFuture<Long> call = CompletableFuture.supplyAsync(() -> {
            try {
                return replication.replicate(bytes(state));
            } catch (NotReplicatedException e) {
                throw new CompletionException(e);
            }
        });
        Awaits.await("the call has reached the replication", Duration.ofSeconds(10))
                .until(() -> replication.callsNotSeen() > before || call.isDone());
        return call;
    }

    /** What the standby's side read: header lines, each followed by its body as text. */
    private List<String> standbyReads() {
        List<String> got = new ArrayList<>();
        for (String line : standby.readLines()) {
            got.add(line);
            if (line.startsWith("STATE")) {
                got.add(new String(standby.takeBody(), StandardCharsets.US_ASCII));
            }
        }
        return got;
    }

    @Test
    void aSynchronousCallReturnsOnceTheStandbyHoldsItsVersion() throws Exception {
        replication.onAttached(sockets.primary());
        CompletableFuture<Long> call = replicateOnAnotherThread("one");
        assertTrue(wakeups.get() > 0, "the call woke the loop");
        replication.doWork(clock.nanoTime());
        assertEquals(List.of("STATE 1 3", "one"), standbyReads());
        assertFalse(call.isDone(), "not answered before the standby acknowledged");

        replication.onAck(1);

        assertEquals(1L, call.get(10, TimeUnit.SECONDS));
        assertEquals(1, replication.heldVersion());
    }

    @Test
    void withNoStandbyACallWaitsForOneUpToTheAttachTimeoutThenFails() throws Exception {
        CompletableFuture<Long> call = replicateOnAnotherThread("lonely");
        replication.doWork(clock.nanoTime());
        replication.doWork(clock.advance(TIMEOUT_NS - 1));
        assertFalse(call.isDone(), "still within the attach timeout");

        replication.doWork(clock.advance(1));

        CompletionException e = assertThrows(CompletionException.class, call::join);
        assertInstanceOf(NotReplicatedException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("version 1: no standby held it within 20000 ms"),
                e.getCause().getMessage());
    }

    @Test
    void aStandbyThatAttachesLateIsSentTheNewestStateAndAnswersTheWaitingCalls() throws Exception {
        CompletableFuture<Long> call = replicateOnAnotherThread("early");
        replication.doWork(clock.nanoTime());
        replication.doWork(clock.advance(TIMEOUT_NS / 2));

        replication.onAttached(sockets.primary());
        assertEquals(List.of("STATE 1 5", "early"), standbyReads());
        replication.onAck(1);

        assertEquals(1L, call.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aStandbyCountsAsReadyOnlyOnceItHoldsTheNewestState() throws Exception {
        replication.replicateAsync(bytes("a"));
        replication.replicateAsync(bytes("b"));
        replication.replicateAsync(bytes("c"));
        replication.doWork(clock.nanoTime());

        replication.onAttached(sockets.primary());

        assertEquals(List.of("STATE 3 1", "c"), standbyReads(), "the newest state only, before anything else");
        assertFalse(replication.onReady(), "READY before it holds version 3");
        assertFalse(replication.onAck(2));
        assertTrue(replication.onAck(3), "ready now");
    }

    @Test
    void aStandbyOfAPairWithNoStateIsReadyAtOnce() {
        replication.onAttached(sockets.primary());
        assertTrue(replication.onReady());
    }

    @Test
    void whileAStateIsInFlightNewerOnesAreCoalescedToTheNewest() throws Exception {
        Connection primary = sockets.primary();
        replication.onAttached(primary);
        byte[] big = new byte[Replicator.MAX_STATE_BYTES];
        replication.replicateAsync(big);
        replication.doWork(clock.nanoTime());
        replication.replicateAsync(bytes("two"));
        replication.replicateAsync(bytes("three"));
        replication.doWork(clock.nanoTime());

        List<String> got = new ArrayList<>();
        for (int pass = 0; pass < 10_000 && got.size() < 3; pass++) {
            // The member's loop writes the queue when the socket can take more.
            primary.flush();
            replication.doWork(clock.nanoTime());
            for (String line : standby.readLines()) {
                got.add(line);
                byte[] body = standby.takeBody();
                if (body.length < 100) {
                    got.add(new String(body, StandardCharsets.US_ASCII));
                }
            }
        }

        assertEquals(List.of("STATE 1 " + big.length, "STATE 3 5", "three"), got, "version 2 is never sent");
    }

    @Test
    void afterCloseCallsFailAtOnceAndWaitingCallsFail() throws Exception {
        replication.onAttached(sockets.primary());
        CompletableFuture<Long> waiting = replicateOnAnotherThread("w");
        replication.doWork(clock.nanoTime());

        replication.close("fenced by epoch 9");

        CompletionException e = assertThrows(CompletionException.class, waiting::join);
        assertTrue(e.getCause().getMessage().contains("no longer the primary: fenced by epoch 9"),
                e.getCause().getMessage());
        NotReplicatedException later = assertThrows(NotReplicatedException.class,
                () -> replication.replicate(bytes("x")));
        assertTrue(later.getMessage().contains("fenced by epoch 9"));
        assertThrows(NotReplicatedException.class, () -> replication.replicateAsync(bytes("x")));
    }

    @Test
    void aStateAboveTheLimitIsRefusedNamingItsSizeAndTheLimit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> replication.replicateAsync(new byte[Replicator.MAX_STATE_BYTES + 1]));
        assertEquals("state is 1048577 bytes; at most 1048576 can be replicated", e.getMessage());
    }

    @Test
    void versionsGoOnAboveTheStartAndNeverBack() throws Exception {
        replication.startAbove(41);
        replication.startAbove(7);
        assertEquals(42, replication.replicateAsync(bytes("a")));
        assertEquals(43, replication.replicateAsync(bytes("b")));
    }

    @Test
    void heartbeatsCarryTheVersionTheStandbyHolds() {
        PairState state = PairState.NONE.promoted(3).withSnapshot(Snapshot.ofStep(5));
        assertEquals(state, replication.stamp(state), "nothing held yet");
        replication.onAck(12);
        assertEquals(12, replication.stamp(state).snapshot().step());
        assertEquals(3, replication.stamp(state).epoch());
    }

    @Test
    void theHandOverWritesTheNewestStateBeforeTheConnectionEnds() throws Exception {
        replication.onAttached(sockets.primary());
        replication.replicateAsync(bytes("last words"));
        replication.close("handing over");

        assertTrue(replication.drain(1_000_000_000L));

        assertEquals(List.of("STATE 1 10", "last words"), standbyReads());
    }

    @Test
    void theStandbyHoldsTheNewestVersionAndAnswersWithIt() throws Exception {
        ReplicaHolder holder = new ReplicaHolder();
        Connection primary = sockets.primary();
        holder.onState("STATE 2 1", bytes("b"), standby);
        holder.onState("STATE 1 1", bytes("a"), standby);

        assertEquals(new Replica(2, bytes("b")), holder.replica(), "an older version never replaces a newer");
        assertEquals(List.of("ACKSTATE 2", "ACKSTATE 2"), primary.readLines());
        assertArrayEquals(bytes("b"), holder.replica().state());
    }
}
