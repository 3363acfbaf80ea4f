package phoenix.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcStatTest {

    @Test
    void countsFieldsFromTheLastParenthesisSoThatAnyCommandNameParses() {
        ProcStat s = ProcStat.parse("4039 (a) b (c)) T 17 4039 4000 34817 4050 4194304 100 0 0 0 25 7 0 0 20 0 19 0");

        assertEquals("T", s.state());
        assertEquals(17, s.ppid());
        assertEquals(4039, s.processGroup());
        assertEquals(4000, s.session());
        assertEquals(34817, s.tty());
        assertEquals(4050, s.foregroundGroup());
        assertEquals(32, s.cpuTicks());
        assertTrue(s.stopped());
    }

    @Test
    void refusesWhatIsNotAStatLine() {
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("no parenthesis here"));
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("1 (short) S 0 1"));
    }

    @Test
    void readsThisProcess() {
        ProcStat self = ProcStat.of(ProcessHandle.current().pid()).orElseThrow();

        assertEquals(ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L), self.ppid());
        assertTrue(ProcStat.running(ProcessHandle.current().pid()));
    }
}
