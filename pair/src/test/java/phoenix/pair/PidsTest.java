package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PidsTest {
    @Test
    void thisProcessIsTheOneTheJdkNames() {
        assertEquals(ProcessHandle.current().pid(), Pids.self());
        assertEquals(Pids.self(), ProcessPair.ownPid(), "the library's own answer");
        assertTrue(Pids.running(Pids.self()));
    }

    @Test
    void thisProcesssCommandLineIsTheOneTheJdkGives() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        List<String> expected = new ArrayList<>();
        info.command().ifPresent(expected::add);
        info.arguments().ifPresent(a -> expected.addAll(List.of(a)));
        List<String> read = Pids.commandLine();
        assertFalse(read.isEmpty(), "the system tells this JVM's command line");
        assertEquals(expected, read);
    }

    @Test
    void aProcessThatDoesNotExistIsNotRunning() {
        assertFalse(Pids.running(0));
        assertFalse(Pids.running(-1));
        assertFalse(Pids.running(Integer.MAX_VALUE));
    }
}
