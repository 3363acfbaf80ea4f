package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.pair.PairStatus;
import phoenix.testing.Kill;
import phoenix.testing.Sequence;

/**
 * Self-relaunch of a program started with {@code java -jar}: the library spawns each standby with the command line
 * its member was started with, read from the running process, so a program that is a {@code main} plus one call
 * into the library becomes a pair from a runnable jar with no plumbing of its own. ({@code java -cp ... Main} is
 * covered by {@code EdgeCasesIT}'s program tests and {@code ServiceReplicationIT}, which start their programs that
 * way and see their standbys take over.)
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SelfRelaunchJarIT extends WithPair {
    @Test
    void aProgramStartedWithJavaJarRelaunchesItsStandbysWithJavaJarAndCountsOnThroughAKill() throws Exception {
        Path jar = Path.of(System.getProperty("phoenix.exampleJar"));
        assertTrue(Files.isRegularFile(jar), "the build makes the example's runnable jar: " + jar);
        pair = new PairHarness().startProgramJar("plain");
        PairStatus first = pair.awaitProtected();
        assertRelaunchedWithJar(first.standbyPid(), jar, "the standby the first member spawned");
        pair.awaitLines(10);

        Kill.signal(first.primaryPid(), "KILL");
        PairStatus after = pair.awaitStatus(s -> s.takeovers() >= 1 && s.primaryPid() == first.standbyPid()
                && s.isProtected() && s.standbyPid() > 0 && s.standbyPid() != first.primaryPid(),
                "the standby took over and spawned one of its own");
        assertRelaunchedWithJar(after.standbyPid(), jar, "the standby the new primary spawned");
        int seen = pair.lines().size();
        pair.awaitLines(seen + 10);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), "counts on without a gap through the takeover: " + seq.problem());
    }

    /** The standby's own command line: {@code java ... -jar JAR NAME STATE_DIR PORT MODE}, no class path. */
    private void assertRelaunchedWithJar(long pid, Path jar, String what) throws IOException {
        List<String> args = cmdline(pid);
        int at = args.indexOf("-jar");
        assertTrue(at > 0, what + " (pid " + pid + ") was started with -jar: " + args);
        assertEquals(jar.toAbsolutePath().toString(), Path.of(args.get(at + 1)).toAbsolutePath().toString(),
                what + " runs the same jar: " + args);
        assertEquals(List.of(pair.name, pair.stateDir.toString(), String.valueOf(pair.port), "plain"),
                args.subList(at + 2, args.size()), what + " has the program's own arguments and no others: " + args);
        assertFalse(args.contains("-cp") || args.contains("-classpath"), what + " has no class path: " + args);
    }

    private static List<String> cmdline(long pid) throws IOException {
        String raw = new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")),
                StandardCharsets.UTF_8);
        return Arrays.asList(raw.split("\0"));
    }
}
