package phoenix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TimeZone;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TimeOfDayStderrTest {
    /** 2026-12-06 12:34:56.789 UTC. */
    private static final long NOON = 1_796_560_496_789L;

    private final AtomicLong clock = new AtomicLong(NOON);
    private final Sink sink = new Sink();

    private PrintStream stream(String zone) {
        return new PrintStream(new TimeOfDayStderr(sink, clock::get, TimeZone.getTimeZone(zone)), true,
                StandardCharsets.UTF_8);
    }

    @Test
    void everyLineBeginsWithTheTimeOfDayWhenItsFirstByteArrives() {
        PrintStream err = stream("UTC");
        err.println("[phoenix 42] INFO first");
        clock.addAndGet(1_211);
        err.println("[phoenix 42] INFO second");
        assertEquals("12:34:56.789 [phoenix 42] INFO first\n12:34:58.000 [phoenix 42] INFO second\n", sink.text());
    }

    @Test
    void aLineWrittenInPartsGetsOneStamp() {
        PrintStream err = stream("UTC");
        err.print("a");
        err.print("b\nc");
        clock.addAndGet(5);
        err.print("d\n\n");
        err.flush();
        assertEquals("12:34:56.789 ab\n12:34:56.789 cd\n12:34:56.794 \n", sink.text());
    }

    @Test
    void theTimeIsTheZonesLocalTimeAndWrapsAtMidnight() {
        PrintStream err = stream("GMT+05:30");
        err.println("x");
        clock.set(NOON + 11 * 3_600_000L + 25 * 60_000L);
        err.println("y");
        clock.set(-1);
        err.println("z");
        assertEquals("18:04:56.789 x\n05:29:56.789 y\n05:29:59.999 z\n", sink.text());
    }

    @Test
    void aWindowTitleIsNoLineAndTheLineAfterItIsStamped() {
        PrintStream err = stream("UTC");
        err.print("\033]0;phoenix demo primary\007");
        err.flush();
        err.println("INFO taking over");
        assertEquals("\033]0;phoenix demo primary\00712:34:56.789 INFO taking over\n", sink.text());
    }

    @Test
    void aTitleEndedByStringTerminatorOrSplitAcrossWritesStaysWhole() {
        PrintStream err = stream("UTC");
        err.print("\033");
        err.print("]0;phoenix demo");
        err.print(" primary\033\\");
        err.println("INFO one");
        err.print("\033]2;x\007INFO two\n");
        assertEquals("\033]0;phoenix demo primary\033\\12:34:56.789 INFO one\n\033]2;x\00712:34:56.789 INFO two\n",
                sink.text());
    }

    @Test
    void aLineThatBeginsWithAnotherEscapeSequenceIsStampedBeforeIt() {
        PrintStream err = stream("UTC");
        err.println("\033[31mWARN red\033[0m");
        err.print("\033");
        err.print("[1mbold\r\n");
        assertEquals("12:34:56.789 \033[31mWARN red\033[0m\n12:34:56.789 \033[1mbold\r\n", sink.text());
    }

    @Test
    void whatAFailingStderrDidNotTakeIsDroppedNotPiledUp() throws IOException {
        sink.failing = true;
        TimeOfDayStderr out = new TimeOfDayStderr(sink, clock::get, TimeZone.getTimeZone("UTC"));
        for (int i = 0; i < 100; i++) {
            out.write("lost\n".getBytes(StandardCharsets.US_ASCII));
            assertThrows(IOException.class, out::flush);
        }
        sink.failing = false;
        out.write("kept\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertEquals(List.of("12:34:56.789 kept\n"), sink.writes);
    }

    @Test
    void installStampsWhatGoesToTheStderrInPlaceUntilItIsPutBack() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream before = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setErr(before);
        try {
            PrintStream plain = TimeOfDayStderr.install();
            assertSame(before, plain);
            System.err.println("[phoenix 42] INFO stamped");
            System.err.flush();
            System.setErr(plain);
            System.err.println("phoenix: not stamped");
        } finally {
            System.setErr(original);
        }
        String[] lines = captured.toString(StandardCharsets.UTF_8).split("\n");
        assertTrue(lines[0].matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[phoenix 42\\] INFO stamped"), lines[0]);
        assertEquals("phoenix: not stamped", lines[1]);
    }

    @Test
    void eachFlushIsOneWriteAndNothingIsWrittenBeforeIt() throws IOException {
        TimeOfDayStderr out = new TimeOfDayStderr(sink, clock::get, TimeZone.getTimeZone("UTC"));
        out.write("one\ntwo\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(0, sink.writes.size());
        out.flush();
        assertEquals(List.of("12:34:56.789 one\n12:34:56.789 two\n"), sink.writes);
        out.flush();
        assertEquals(1, sink.writes.size());
    }

    @Test
    void aVeryLongLineIsWrittenWithoutWaitingForItsEnd() throws IOException {
        TimeOfDayStderr out = new TimeOfDayStderr(sink, clock::get, TimeZone.getTimeZone("UTC"));
        byte[] chunk = new byte[5000];
        Arrays.fill(chunk, (byte) 'x');
        out.write(chunk);
        assertEquals(0, sink.writes.size());
        out.write(chunk);
        assertEquals(1, sink.writes.size());
        assertEquals(13 + 10_000, sink.writes.get(0).length());
    }

    /** Records each write as one string. */
    private static final class Sink extends OutputStream {
        final List<String> writes = new ArrayList<>();
        boolean failing;
        private final ByteArrayOutputStream all = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (failing) {
                throw new IOException("Broken pipe");
            }
            writes.add(new String(b, off, len, StandardCharsets.UTF_8));
            all.write(b, off, len);
        }

        String text() {
            return all.toString(StandardCharsets.UTF_8);
        }
    }
}
