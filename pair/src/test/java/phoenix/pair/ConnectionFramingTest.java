package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** States framed on the watch connection: a header line and raw bytes, read whole however they arrive. */
class ConnectionFramingTest {
    @TempDir
    Path dir;
    private SocketPair sockets;

    @BeforeEach
    void connect() throws IOException {
        sockets = new SocketPair(dir);
    }

    @AfterEach
    void close() throws IOException {
        sockets.close();
    }

    private void raw(String text) throws IOException {
        raw(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private void raw(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            sockets.primaryEnd.write(b);
        }
    }

    @Test
    void aStateThatArrivesInPiecesIsReturnedOnceWholeBetweenTheLinesAroundIt() throws IOException {
        Connection standby = sockets.standby();
        raw("HB 01\nSTATE 7 10\n0123");
        assertEquals(List.of("HB 01"), standby.readLines(), "the header waits for its bytes");
        raw("45\n");
        assertEquals(List.of(), standby.readLines());
        raw("789HB 02\n");
        assertEquals(List.of("STATE 7 10"), standby.readLines(), "a complete state ends the pass");
        assertEquals(List.of("HB 02"), standby.readLines(), "what follows is read on the next");
        assertArrayEquals("012345\n789".getBytes(StandardCharsets.US_ASCII), standby.takeBody(),
                "raw bytes, a newline among them");
        assertNull(standby.takeBody());
        assertFalse(standby.atEof());
    }

    @Test
    void oneMebibyteCrossesTheConnectionAndTheSenderQueuesWhatTheSocketCannotTake() throws IOException {
        byte[] state = new byte[Replicator.MAX_STATE_BYTES];
        new Random(9).nextBytes(state);
        Connection primary = sockets.primary();
        Connection standby = sockets.standby();
        primary.sendFrame(StateFrames.header(3, state.length), state);
        assertTrue(primary.queuedBytes() > 0, "a socket buffer holds less than 1 MiB: the rest is queued");
        assertTrue(primary.send("HB 03"), "a line goes behind the state");
        List<String> lines = new ArrayList<>();
        for (int pass = 0; pass < 10_000 && lines.size() < 2; pass++) {
            primary.flush();
            lines.addAll(standby.readLines());
        }
        assertEquals(List.of("STATE 3 " + state.length, "HB 03"), lines);
        assertArrayEquals(state, standby.takeBody());
        assertEquals(0, primary.queuedBytes());
    }

    @Test
    void anEmptyStateIsAFrameToo() throws IOException {
        Connection standby = sockets.standby();
        raw("STATE 1 0\nREADY\n");
        assertEquals(List.of("STATE 1 0", "READY"), standby.readLines());
        assertArrayEquals(new byte[0], standby.takeBody());
    }

    @Test
    void aHeaderAboveTheLimitEndsTheConnection() throws IOException {
        Connection standby = sockets.standby();
        raw("STATE 1 " + (Replicator.MAX_STATE_BYTES + 1) + "\n");
        assertEquals(List.of(), standby.readLines());
        assertTrue(standby.atEof(), "no primary of ours announces more than the limit");
    }

    @Test
    void garbledHeadersEndTheConnection() throws IOException {
        for (String garbage : new String[] {"STATE x 5", "STATE 1", "STATE 0 5", "STATE 1 -1", "STATE 1 5 6"}) {
            try (SocketPair pair = new SocketPair(dir)) {
                Connection standby = pair.standby();
                ByteBuffer b = ByteBuffer.wrap((garbage + "\n").getBytes(StandardCharsets.US_ASCII));
                pair.primaryEnd.write(b);
                standby.readLines();
                assertTrue(standby.atEof(), "'" + garbage + "' is refused");
            }
        }
    }

    @Test
    void aLineLongerThanAnyMessageEndsTheConnection() throws IOException {
        Connection standby = sockets.standby();
        raw(new byte[5000]);
        standby.readLines();
        assertTrue(standby.atEof());
    }

    @Test
    void onlyTheStandbysSideReadsStatesAControlClientSendsLines() throws IOException {
        Connection primary = sockets.primary();
        ByteBuffer b = ByteBuffer.wrap("STATE 1 3\nabc\n".getBytes(StandardCharsets.US_ASCII));
        sockets.standbyEnd.write(b);
        assertEquals(List.of("STATE 1 3", "abc"), primary.readLines());
    }

    @Test
    void linesAreDroppedWholeOnceThePeerStopsReading() throws IOException {
        Connection primary = sockets.primary();
        String line = "HB " + "0".repeat(200);
        int sent = 0;
        while (primary.send(line)) {
            sent++;
        }
        assertTrue(primary.queuedBytes() > Connection.MAX_QUEUED_LINE_BYTES);
        assertTrue(sent > Connection.MAX_QUEUED_LINE_BYTES / line.length(), "lines were taken up to the limit");
        List<String> got = new ArrayList<>();
        Connection standby = sockets.standby();
        for (int pass = 0; pass < 100_000 && got.size() < sent; pass++) {
            primary.flush();
            got.addAll(standby.readLines());
        }
        assertEquals(sent, got.size(), "every line that was taken arrives whole");
        assertTrue(got.stream().allMatch(line::equals));
    }

    @Test
    void aHeaderForTooLargeAStateCannotBeMade() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StateFrames.header(1, Replicator.MAX_STATE_BYTES + 1));
        assertTrue(e.getMessage().contains(String.valueOf(Replicator.MAX_STATE_BYTES + 1))
                && e.getMessage().contains(String.valueOf(Replicator.MAX_STATE_BYTES)), e.getMessage());
    }

    @Test
    void aPrimaryThatHandedOverWaitsForTheStandbysEndDroppingWhatComesBeforeIt() throws IOException {
        Connection primary = sockets.primary();
        Connection standby = sockets.standby();
        primary.shutdown();
        assertEquals(List.of(), standby.readLines());
        assertTrue(standby.atEof(), "the standby reads the primary's end");
        ByteBuffer late = ByteBuffer.wrap(new byte[3 * 4096 + 17]);
        while (late.hasRemaining()) {
            sockets.standbyEnd.write(late);
        }
        sockets.standbyEnd.close();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertTrue(primary.awaitPeerEnd(3_600_000_000_000L)),
                "the wait ends at the standby's end, not at its bound");
    }

    @Test
    void aPrimaryThatHandedOverWaitsNoLongerThanAskedForAStandbyThatStaysOpen() throws IOException {
        Connection primary = sockets.primary();
        primary.shutdown();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertFalse(primary.awaitPeerEnd(0), "nothing came");
            sockets.standbyEnd.write(ByteBuffer.wrap("ACK 7\n".getBytes(StandardCharsets.US_ASCII)));
            assertFalse(primary.awaitPeerEnd(0), "lines are not the end");
            assertFalse(primary.awaitPeerEnd(2_000_000L), "a short wait passes with the standby still open");
        });
    }

    @Test
    void aStandbyThatClosesWhileThePrimaryWaitsEndsTheWait() throws Exception {
        Connection primary = sockets.primary();
        primary.shutdown();
        java.util.concurrent.CompletableFuture<Boolean> waited = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> primary.awaitPeerEnd(3_600_000_000_000L));
        // Closed once the wait has begun or is about to: it cannot end without the standby's end.
        assertFalse(waited.isDone());
        sockets.standbyEnd.close();
        assertTrue(waited.get(20, java.util.concurrent.TimeUnit.SECONDS), "the wait ended at the standby's end");
    }
}
