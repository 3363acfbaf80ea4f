package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.pair.HostileSender;
import phoenix.pair.PairStatus;
import phoenix.testing.Awaits;
import phoenix.testing.Kill;
import phoenix.testing.ProcStat;
import phoenix.testing.Sequence;

/** Faults beyond a plain kill: pauses, double failure, bad state, crash loops, hostile traffic, other users. */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HardeningIT extends WithPair {
    /** How many datagrams the standby must have refused before the flood counts as one: any machine gets there. */
    private static final long FLOODED = 2000;

    /** Floods the pair's port from a thread until closed; closing also closes the sender. */
    private static final class Flood implements AutoCloseable {
        private final AtomicBoolean flooding = new AtomicBoolean(true);
        private final HostileSender sender;
        private final Thread thread;

        Flood(HostileSender sender, long epoch) {
            this.sender = sender;
            this.thread = new Thread(() -> {
                try {
                    while (flooding.get()) {
                        sender.burst(epoch);
                    }
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "flood");
            thread.start();
        }

        /** Waits until the flood has sent {@code n} datagrams. */
        void awaitSent(long n) {
            Awaits.await(n + " datagrams sent", Duration.ofSeconds(30)).until(() -> sender.sent() >= n);
        }

        @Override
        public void close() throws java.io.IOException {
            flooding.set(false);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sender.close();
        }
    }

    @Test
    void pausedPrimaryIsReplacedAndEndsItselfWhenResumed() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus before = pair.awaitProtected();
        long old = before.primaryPid();
        Kill.signal(old, "STOP");
        pair.awaitStatus(s -> s.takeovers() == 1 && s.primaryPid() != old, "taken over from the paused primary");
        int printedBeforeResume = pair.lines().size();
        pair.awaitLines(printedBeforeResume + 10);
        Kill.signal(old, "CONT");
        Awaits.await("paused primary " + old + " ends after resuming", Duration.ofSeconds(10))
                .until(() -> !ProcStat.running(old));
        assertTrue(pair.memberLog().matches("(?s).*\\[phoenix " + old + "\\] WARN primary [A-Z_]+ -> FENCED.*"),
                "the resumed primary says it was fenced:\n" + pair.memberLog());
        pair.awaitLines(pair.lines().size() + 10);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
        assertTrue(seq.duplicates() <= 2, "a takeover duplicate and at most one number from the resumed primary: "
                + seq.duplicates());
        assertEquals(1, pair.awaitProtected().takeovers(), "the resumed primary caused no further takeover");
    }

    @Test
    void doubleFailureResumesAfterTheCheckpointWithoutAGap() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus s = pair.awaitProtected();
        pair.awaitLines(30);
        // Both stopped first: a standby that saw its primary die could take over and spawn before its own kill.
        for (String signal : new String[] {"STOP", "KILL"}) {
            Kill.signal(s.primaryPid(), signal);
            Kill.signal(s.standbyPid(), signal);
        }
        assertTrue(pair.root().waitFor(20, TimeUnit.SECONDS), "every member is gone");
        long printed = Sequence.of(pair.lines()).max();
        pair.start("--interval", "20ms");
        pair.awaitProtected();
        pair.awaitLines(pair.lines().size() + 10);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem() + "\n" + pair.memberLog());
        assertTrue(seq.duplicates() <= 1, "at most the number in flight is repeated: " + seq.duplicates());
        assertTrue(seq.max() > printed, "counting went on");
        assertTrue(pair.memberLog().contains("resuming after step"), "the restart says where it resumes");
    }

    @Test
    void tornEmptyOrCorruptCheckpointIsRefusedNeverReadAsZero() throws Exception {
        pair = new PairHarness();
        Files.createDirectories(pair.stateDir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path checkpoint = pair.stateDir.resolve("checkpoint-3");
        String torn = "phoenix-checkpoint 1 epoch=3 takeovers=2 step=41";
        String corrupt = torn + " stepAtTakeover=-1 streak=0 data= crc32c=00000000\n";
        for (String content : new String[] {"", torn, corrupt}) {
            Files.writeString(checkpoint, content);
            PairHarness.Result r = pair.runOnce("run");
            PairHarness.assertOneLineError(r, checkpoint.toString(), "--fresh");
            assertEquals("", r.out(), "nothing counted");
        }
    }

    @Test
    void crashLoopBacksOffExponentiallyAndSaysAtWhichCount() throws Exception {
        pair = new PairHarness().start("--interval", "10ms", "--crash-at", "25");
        pair.awaitStatus(s -> s.crashLoopStreak() >= 3, "crash loop detected");
        String log = pair.memberLog();
        assertTrue(log.contains("crash loop suspected at step 25"), log);
        for (String wait : List.of("waiting 100 ms", "waiting 200 ms", "waiting 400 ms")) {
            assertTrue(log.contains(wait), "backoff doubles (" + wait + "):\n" + log);
        }
        assertTrue(log.contains("acceptance test failed at step 25"), log);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
        assertEquals(24, seq.max(), "never past the poisoned number, never skipping it");
    }

    @Test
    void hostileTrafficCausesNoTakeoverAndDoesNotDelayARealOne() throws Exception {
        // Heartbeat-only detection: a paused primary is noticed by missed heartbeats alone, the path a flood on
        // the heartbeat port could delay. (A killed one would be noticed by its watch connection whatever the
        // flood does.) Timeout: 10 misses of a 200 ms heartbeat, 2 s: on a shared machine under load, with the flood
        // taking a core, a shorter one can lapse with no flood's help, and the test would prove nothing.
        Duration timeout = Duration.ofSeconds(2);
        pair = new PairHarness().start("--interval", "20ms", "--heartbeat", "200ms", "--misses", "10",
                "--heartbeat-only");
        PairStatus before = pair.awaitProtected();
        HostileSender sender = new HostileSender(pair.stateDir, pair.port);
        long old = before.primaryPid();
        long pausedNs;
        try (Flood flood = new Flood(sender, 1)) {
            // What the flood provably did, on any machine: the standby received and refused this many datagrams.
            flood.awaitSent(FLOODED);
            pair.awaitStatus(s -> rejected(s) >= FLOODED, FLOODED + " datagrams refused by the standby");
            pair.awaitLines(pair.lines().size() + 50);
            PairStatus during = pair.awaitProtected();
            assertEquals(old, during.primaryPid(), "no takeover under the flood:\n" + pair.memberLog());
            assertEquals(0, during.takeovers());
            pausedNs = System.nanoTime();
            Kill.signal(old, "STOP");
            // The flood goes on through the pause and after it: the new standby refuses it too.
            pair.awaitStatus(s -> s.takeovers() == 1 && s.primaryPid() != old && s.isProtected()
                    && rejected(s) >= FLOODED, "taken over under the flood, and the new standby flooded");
            pair.awaitLines(pair.lines().size() + 10);
        } finally {
            Kill.signal(old, "CONT");
        }
        long gapNs = longestGapSince(pausedNs);
        long boundNs = timeout.plusSeconds(1).toNanos();
        assertTrue(gapNs <= boundNs, "the pair printed nothing for " + gapNs / 1_000_000 + " ms around the pause; "
                + "takeover timeout " + timeout.toMillis() + " ms, allowed " + boundNs / 1_000_000 + " ms\n"
                + pair.memberLog());
        System.out.printf("hostile flood: %d datagrams sent, no output for %d ms around the pause (allowed %d ms)%n",
                sender.sent(), gapNs / 1_000_000, boundNs / 1_000_000);
        PairHarness.awaitGone(old);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
        String log = pair.memberLog();
        assertTrue(log.contains("WATCHING -> PROMOTED: no valid heartbeat for"), "taken over by the timeout:\n"
                + log);
        for (String reason : List.of("short=", "long=", "bad-mac=", "other-pair=", "replayed=")) {
            assertTrue(log.contains(reason), "rejections by reason are logged (" + reason + "):\n" + log);
        }
        long rejectionLines = log.lines().filter(l -> l.contains("datagrams on the heartbeat port")).count();
        assertTrue(rejectionLines < 20, "rejections are logged rate-limited, not per packet: " + rejectionLines);
    }

    private static long rejected(PairStatus s) {
        return s.rejected().values().stream().mapToLong(Long::longValue).sum();
    }

    /** @return the longest time between two numbers in a row, over the lines that arrived after {@code fromNs} */
    private long longestGapSince(long fromNs) {
        List<Long> arrivals = pair.arrivals();
        long longest = 0;
        for (int i = 1; i < arrivals.size(); i++) {
            if (arrivals.get(i) - fromNs > 0) {
                longest = Math.max(longest, arrivals.get(i) - arrivals.get(i - 1));
            }
        }
        return longest;
    }

    @Test
    void replayedHeartbeatsOfAHungPrimaryDoNotKeepTheStandbyWaiting() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus before = pair.awaitProtected();
        HostileSender sender = new HostileSender(pair.stateDir, pair.port);
        try (Flood flood = new Flood(sender, before.epoch())) {
            flood.awaitSent(1000);
            // Paused, the primary's process lives on: only missed heartbeats can tell, and the flood of
            // authentic replays must not count as heartbeats.
            Kill.signal(before.primaryPid(), "STOP");
            pair.awaitStatus(s -> s.takeovers() == 1 && s.primaryPid() != before.primaryPid(), "taken over");
        } finally {
            Kill.signal(before.primaryPid(), "CONT");
        }
        String log = pair.memberLog();
        assertTrue(log.contains("WATCHING -> PROMOTED: no valid heartbeat for"), log);
        assertTrue(log.contains("replayed="), "replays were seen and refused:\n" + log);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
    }

    @Test
    void portHeldByAnotherProgramIsAClearError() throws Exception {
        pair = new PairHarness();
        try (DatagramSocket squatter = new DatagramSocket(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), pair.port))) {
            assertTrue(squatter.isBound());
            PairHarness.assertOneLineError(pair.runOnce("run"), "port " + pair.port, "--port");
        }
    }

    @Test
    void stateDirectoryOpenToOthersOrNotADirectoryIsAClearError() throws Exception {
        pair = new PairHarness();
        Files.createDirectories(pair.stateDir);
        Files.setPosixFilePermissions(pair.stateDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PairHarness.assertOneLineError(pair.runOnce("run"), "chmod 700");
        Files.setPosixFilePermissions(pair.stateDir, PosixFilePermissions.fromString("rwx------"));
        Files.delete(pair.stateDir);
        Files.writeString(pair.stateDir, "a file where the state directory should be");
        PairHarness.assertOneLineError(pair.runOnce("run"), "--state-dir");
    }

    @Test
    void secondStartWithTheSameNameIsRefusedAndLeavesThePairAlone() throws Exception {
        pair = new PairHarness().start("--interval", "50ms");
        PairStatus before = pair.awaitProtected();
        PairHarness.Result r = pair.runOnce("run");
        PairHarness.assertOneLineError(r, "already running", String.valueOf(before.primaryPid()));
        PairStatus after = pair.awaitProtected();
        assertEquals(before.primaryPid(), after.primaryPid());
        assertEquals(before.standbyPid(), after.standbyPid());
        assertEquals(0, after.takeovers());
    }

    @Test
    void stateDirectoryNamedLikeShellCodeIsJustAName() throws Exception {
        pair = new PairHarness("a b 'c' \"d\" $(touch PWNED) `touch PWNED2`");
        pair.start("--interval", "20ms");
        PairStatus s = pair.awaitProtected();
        Kill.signal(s.primaryPid(), "KILL");
        pair.awaitStatus(st -> st.takeovers() == 1 && st.isProtected(), "taken over and protected again");
        assertTrue(Files.isDirectory(pair.stateDir), "the directory has exactly that name");
        Path home = Path.of(System.getProperty("user.home"));
        for (Path dir : List.of(pair.stateDir.getParent(), PairHarness.ROOT, home)) {
            assertFalse(Files.exists(dir.resolve("PWNED")) || Files.exists(dir.resolve("PWNED2")),
                    "no shell ran the name in " + dir);
        }
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
    }

    @Test
    void closedStdoutEndsThePairAtOnceWhenTheStandbySharesIt() throws Exception {
        pair = new PairHarness().start("--interval", "10ms");
        PairStatus s = pair.awaitProtected();
        pair.awaitLines(20);
        pair.root().getInputStream().close();
        assertTrue(pair.root().waitFor(30, TimeUnit.SECONDS), "the pair ended by itself");
        String log = pair.memberLog();
        assertTrue(log.contains("stdout did not take number"), log);
        assertTrue(log.contains("the output is gone, and the standby writes to the same place"), log);
        assertFalse(log.contains("\tat "), "no stack trace:\n" + log);
        assertEquals(List.of(), pair.liveMemberPids());
        assertFalse(log.contains("(takeover 1,"), "no takeover into the void:\n" + log);
        assertEquals(0, s.takeovers());
        try (java.util.stream.Stream<Path> files = Files.list(pair.stateDir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("checkpoint-")), "the count is kept");
        }
    }

    @Test
    void missingTerminalProgramFallsBackToTheBackground() throws Exception {
        pair = new PairHarness().start("--interval", "20ms", "--terminal", "no-such-terminal-program");
        PairStatus s = pair.awaitProtected();
        assertTrue(pair.memberLog().contains("standbys now run in the background"), pair.memberLog());
        Kill.signal(s.primaryPid(), "KILL");
        pair.awaitStatus(st -> st.takeovers() == 1 && st.isProtected(), "taken over, protected again");
    }

    @Test
    void movedStateDirectoryIsPutBackAndCountingGoesOn() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        pair.awaitProtected();
        Path moved = pair.stateDir.resolveSibling("moved-away");
        Files.move(pair.stateDir, moved);
        int printed = pair.lines().size();
        pair.awaitLines(printed + 50);
        pair.awaitStatus(st -> st.checkpointError().isEmpty() && st.isProtected(), "the directory put back");
        assertTrue(pair.memberLog().contains("put back the directory"), pair.memberLog());
        long warnings = pair.memberLog().lines().filter(l -> l.contains("cannot write checkpoint")).count();
        assertTrue(warnings <= 3, "a failure to write is reported rate-limited: " + warnings);
        try (java.util.stream.Stream<Path> files = Files.list(pair.stateDir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("checkpoint-")), "the count is kept");
        }
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
    }

    @Test
    void controlSocketRefusesOtherUsers() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"),
                "needs root to run a client as another user");
        pair = new PairHarness().start("--interval", "50ms");
        pair.awaitProtected();
        // Open the directory and socket to everyone, so that only the peer-credential check stands in the way.
        Files.setPosixFilePermissions(pair.stateDir.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(pair.stateDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path socket = pair.stateDir.resolve("primary.sock");
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        String client = "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
                + "try:\n  s.sendall(b'STATUS\\n'); a=s.recv(4096)\nexcept OSError: a=b''\n"
                + "print('ANSWER' if a else 'REFUSED')\n";
        Process p = pair.spawn(new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/python3", "-c", client, socket.toString()).redirectErrorStream(true));
        String answer = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals("REFUSED", answer.strip(), "another user gets nothing from the control socket");
        assertTrue(pair.memberLog().contains("refused a control connection from user"), pair.memberLog());
        assertNotEquals(0, pair.awaitProtected().primaryPid());
    }
}
