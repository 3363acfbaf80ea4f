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
        assertEquals(Pids.jdkCommandLine(), read);
    }

    @Test
    void theOwnPidIsTheLastOfTheNamespacesPids() {
        assertEquals(4242, Pids.ownPidIn("Name:\tjava\nPid:\t4242\nNSpid:\t4242\nPPid:\t1\n"));
        assertEquals(7, Pids.ownPidIn("Name:\tjava\nPid:\t91234\nNSpid:\t91234\t7\nPPid:\t1\n"),
                "a process in a namespace of its own: its own pid, not /proc's");
        assertEquals(12, Pids.ownPidIn("NSpid:\t5 12"));
        assertEquals(0, Pids.ownPidIn("Name:\tjava\nPid:\t4242\n"), "a kernel without the line");
        assertEquals(0, Pids.ownPidIn("NSpid:\t\n"));
    }

    @Test
    void theArgumentsAreTheStringsAfterTheProgram() {
        java.nio.charset.Charset utf8 = java.nio.charset.StandardCharsets.UTF_8;
        assertEquals(List.of("-cp", "a b.jar", "", "Main"),
                Pids.argumentsIn("java\0-cp\0a b.jar\0\0Main\0".getBytes(utf8), utf8), "an empty one kept");
        assertEquals(List.of(), Pids.argumentsIn("java\0".getBytes(utf8), utf8));
        assertEquals(null, Pids.argumentsIn(new byte[0], utf8), "not even the program");
        assertEquals(List.of("caf\u00e9"), Pids.argumentsIn("java\0caf\u00e9\0".getBytes(java.nio.charset
                .StandardCharsets.ISO_8859_1), java.nio.charset.StandardCharsets.ISO_8859_1), "in the JDK's encoding");
    }

    @Test
    void aProcessThatDoesNotExistIsNotRunning() {
        assertFalse(Pids.running(0));
        assertFalse(Pids.running(-1));
        assertFalse(Pids.running(Integer.MAX_VALUE));
    }
}
