package phoenix.counter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import phoenix.pair.AcceptanceTestFailedException;
import phoenix.pair.OutputLostException;
import phoenix.pair.Snapshot;

class CounterTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** An stdout whose reader has gone: every write fails. */
    private static final class ClosedPipe extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("Broken pipe");
        }
    }

    @Test
    void printsTheNextNumberAndReturnsItsSnapshot() {
        Counter counter = new Counter(out, 0);
        counter.resume(Snapshot.ofStep(41));

        Snapshot next = counter.step(Snapshot.ofStep(41));

        assertEquals(Snapshot.ofStep(42), next);
        assertEquals("42" + System.lineSeparator(), printed());
    }

    @Test
    void countsFromOneAfterTheInitialSnapshot() {
        Counter counter = new Counter(out, 0);
        counter.resume(Snapshot.INITIAL);

        Snapshot s = Snapshot.INITIAL;
        for (int i = 0; i < 3; i++) {
            s = counter.step(s);
        }

        assertEquals(Snapshot.ofStep(3), s);
        assertEquals(String.join(System.lineSeparator(), "1", "2", "3", ""), printed());
    }

    @Test
    void failsItsAcceptanceTestWithoutPrintingAtTheInjectedFault() {
        Counter counter = new Counter(out, 3);
        counter.resume(Snapshot.INITIAL);
        Snapshot s = counter.step(counter.step(Snapshot.INITIAL));

        AcceptanceTestFailedException e = assertThrows(AcceptanceTestFailedException.class, () -> counter.step(
                Snapshot.ofStep(2)));

        assertEquals(Snapshot.ofStep(2), s);
        assertEquals(String.join(System.lineSeparator(), "1", "2", ""), printed());
        assertTrue(e.getMessage().contains("would be 4") && e.getMessage().contains("only 3 may follow"),
                e.getMessage());
    }

    @Test
    void failsAgainAtTheInjectedFaultAfterATakeover() {
        Counter resumed = new Counter(out, 3);
        resumed.resume(Snapshot.ofStep(2));

        assertThrows(AcceptanceTestFailedException.class, () -> resumed.step(Snapshot.ofStep(2)));
        assertEquals("", printed());
    }

    @Test
    void passesTheInjectedFaultWhenResumingAfterIt() {
        Counter counter = new Counter(out, 3);
        counter.resume(Snapshot.ofStep(3));

        assertEquals(Snapshot.ofStep(4), counter.step(Snapshot.ofStep(3)));
    }

    @Test
    void refusesToPrintANumberThatDoesNotFollowTheLastReplicatedOne() {
        Counter counter = new Counter(out, 0);
        counter.resume(Snapshot.ofStep(5));

        assertThrows(AcceptanceTestFailedException.class, () -> counter.step(Snapshot.ofStep(7)));
        assertEquals("", printed());
    }

    @Test
    void failsItsAcceptanceTestWhenStdoutDoesNotTakeTheNumber() {
        Counter counter = new Counter(new PrintStream(new ClosedPipe(), false, StandardCharsets.UTF_8), 0);
        counter.resume(Snapshot.INITIAL);

        OutputLostException e = assertThrows(OutputLostException.class,
                () -> counter.step(Snapshot.INITIAL));

        assertTrue(e.getMessage().contains("stdout did not take number 1"), e.getMessage());
    }

    @Test
    void failsItsAcceptanceTestWhenABufferedAutoFlushingStdoutLikeSystemOutFails() {
        PrintStream systemOutLike = new PrintStream(new BufferedOutputStream(new ClosedPipe(), 128), true,
                StandardCharsets.UTF_8);
        Counter counter = new Counter(systemOutLike, 0);
        counter.resume(Snapshot.INITIAL);

        OutputLostException e = assertThrows(OutputLostException.class,
                () -> counter.step(Snapshot.INITIAL));

        assertTrue(e.getMessage().contains("stdout"), e.getMessage());
    }

    @Test
    void failsItsAcceptanceTestBeforePrintingWhenStdoutHasAlreadyFailed() {
        PrintStream broken = new PrintStream(new ClosedPipe(), false, StandardCharsets.UTF_8);
        broken.println("earlier");
        Counter counter = new Counter(broken, 0);
        counter.resume(Snapshot.INITIAL);

        OutputLostException e = assertThrows(OutputLostException.class,
                () -> counter.step(Snapshot.INITIAL));

        assertTrue(e.getMessage().contains("stdout no longer takes output"), e.getMessage());
    }
}
