package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;
import phoenix.testing.Awaits;
import phoenix.testing.Kill;
import phoenix.testing.ProcStat;
import phoenix.testing.Sequence;

/**
 * What users and programs did that once broke the guarantees: fresh starts beside a paused primary, a removed
 * state directory, the wrong name, Ctrl+\, a locale that cannot name the directory, the largest count, files
 * that look like checkpoints, signals to a primary without a standby, a parent that never reaps, and a program
 * on the library whose steps throw, take long, hang or call the library back.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EdgeCasesIT extends WithPair {

    /** Kills members at once: all are stopped first, so that none can take over or spawn in between. */
    private void killAndAwaitGone(long... pids) throws Exception {
        for (long pid : pids) {
            Kill.signal(pid, "STOP");
        }
        for (long pid : pids) {
            Kill.signal(pid, "KILL");
        }
        for (long pid : pids) {
            PairHarness.awaitGone(pid);
        }
    }

    private void awaitLinesOfStart(int start, int n) {
        try {
            Awaits.await(n + " lines from start " + start, PairHarness.PROTECTED_WITHIN)
                    .until(() -> pair.linesOfStart(start).size() >= n);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n" + pair.memberLog(), e);
        }
    }

    @Test
    void freshStartBesideAPausedPrimaryNeverLetsItsOldCountBackIn() throws Exception {
        pair = new PairHarness().start("--interval", "10ms");
        PairStatus first = pair.awaitProtected();
        pair.awaitLines(80);
        long paused = first.primaryPid();
        Kill.signal(paused, "STOP");
        try {
            PairStatus second = pair.awaitStatus(s -> s.takeovers() == 1 && s.primaryPid() != paused
                    && s.isProtected(), "taken over from the paused primary");
            killAndAwaitGone(second.primaryPid(), second.standbyPid());

            pair.start("--interval", "10ms", "--fresh");
            pair.awaitProtected();
            awaitLinesOfStart(1, 10);
        } finally {
            Kill.signal(paused, "CONT");
        }
        Awaits.await("resumed primary " + paused + " ends", Duration.ofSeconds(10))
                .until(() -> !ProcStat.state(paused).matches("[RSD]"));
        assertTrue(pair.memberLog().matches("(?s).*\\[phoenix " + paused + "\\] WARN primary [A-Z_]+ -> FENCED.*"),
                "the resumed primary learns of the newer epoch and ends:\n" + pair.memberLog());
        PairStatus fresh = pair.awaitProtected();
        killAndAwaitGone(fresh.primaryPid(), fresh.standbyPid());
        long freshMax = Sequence.of(pair.linesOfStart(1)).max();

        pair.start("--interval", "10ms");
        awaitLinesOfStart(2, 5);
        long resumedAt = Long.parseLong(pair.linesOfStart(2).get(0));
        assertTrue(resumedAt == freshMax || resumedAt == freshMax + 1, "the restart goes on from the fresh count "
                + freshMax + ", not the paused primary's old one: it printed " + resumedAt + " first\n"
                + pair.memberLog());
        List<String> freshRun = new ArrayList<>(pair.linesOfStart(1));
        freshRun.addAll(pair.linesOfStart(2));
        Sequence seq = Sequence.of(freshRun);
        assertTrue(seq.ok(), seq.problem());
    }

    @Test
    void removedStateDirectoryIsPutBackAndThePairStaysFoundAndProtected() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus before = pair.awaitProtected();
        phoenix.testing.Trees.remove(pair.stateDir);
        PairStatus found = pair.awaitStatus(s -> s.isProtected() && s.primaryPid() == before.primaryPid(),
                "found again after its state directory was removed");
        assertEquals(Map.of(), found.rejected(), "the standby still takes its primary's heartbeats");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pair.stateDir)));

        Kill.signal(before.primaryPid(), "KILL");
        PairStatus after = pair.awaitStatus(s -> s.takeovers() == 1 && s.isProtected(), "taken over, protected");
        assertEquals(before.standbyPid(), after.primaryPid(), "the standby took over; it did not die");
        assertTrue(ProcessPair.stop(pair.config(), Duration.ofSeconds(15)).isPresent(), "stop finds the pair");
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended");
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem() + "\n" + pair.memberLog());
    }

    @Test
    void statusStopAndASecondStartNameThePairThatRunsInTheDirectory() throws Exception {
        pair = new PairHarness().start("--interval", "50ms");
        PairStatus before = pair.awaitProtected();
        String other = pair.name + "-other";
        PairHarness.assertOneLineError(pair.runOnce(Map.of(), other, "status"), "'" + pair.name + "'",
                "--name " + pair.name);
        PairHarness.assertOneLineError(pair.runOnce(Map.of(), other, "stop"), "'" + pair.name + "'");
        PairHarness.assertOneLineError(pair.runOnce(Map.of(), other, "run"), "'" + pair.name + "'");
        PairStatus after = pair.awaitProtected();
        assertEquals(before.primaryPid(), after.primaryPid(), "the pair was left alone");
        assertEquals(before.standbyPid(), after.standbyPid());
    }

    @Test
    void ctrlBackslashPutsNothingButNumbersOnStdout() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus s = pair.awaitProtected();
        Kill.signal(s.primaryPid(), "QUIT");
        Kill.signal(s.standbyPid(), "QUIT");
        Awaits.await("thread dumps on stderr", Duration.ofSeconds(20))
                .until(() -> pair.memberLog().split("Full thread dump", -1).length > 2);
        pair.awaitLines(pair.lines().size() + 20);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), "stdout: " + seq.problem());
        assertEquals(s.primaryPid(), pair.awaitProtected().primaryPid(), "SIGQUIT ends nobody");
    }

    @Test
    void aStateDirectoryTheLocaleCannotNameIsAOneLineError() throws Exception {
        pair = new PairHarness();
        Path accented = pair.stateDir.resolveSibling("\u00e9t\u00e9");
        List<String> cmd = List.of(PairHarness.ROOT.resolve("run-phoenix.sh").toString(), "run", "--state-dir",
                accented.toString());
        Path out = pair.stateDir.resolveSibling("locale.out");
        Path err = pair.stateDir.resolveSibling("locale.err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                "/dev/null"))).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("LC_ALL", "C");
        pb.environment().remove("LANG");
        // Tracked like the pair's members: a start that was not refused would become a pair, which the test's
        // end kills; with the output in files, nothing here can block on a pipe that such a pair keeps open.
        Process p = pair.spawn(pb);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "refused within 60 s");
        PairHarness.assertOneLineError(new PairHarness.Result(p.exitValue(), Files.readString(out),
                Files.readString(err)), "--state-dir", "LC_ALL");
    }

    @Test
    void countingEndsAtTheLargestNumberInsteadOfWrapping() throws Exception {
        pair = new PairHarness();
        Files.createDirectories(pair.stateDir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        writeCheckpoint(pair.stateDir.resolve("checkpoint-4"), 4, Long.MAX_VALUE - 2);
        pair.start("--interval", "20ms");
        assertTrue(pair.root().waitFor(30, TimeUnit.SECONDS), "the pair ends by itself");
        assertEquals(71, pair.root().exitValue(), "the pair gave up: " + pair.memberLog());
        assertEquals(List.of(String.valueOf(Long.MAX_VALUE - 1), String.valueOf(Long.MAX_VALUE)), pair.lines());
        assertTrue(pair.memberLog().contains("largest a step number can hold"), pair.memberLog());
        assertFalse(pair.memberLog().contains("\tat "), "no stack trace:\n" + pair.memberLog());
        PairHarness.assertOneLineError(pair.runOnce("run"), "largest a step number can hold", "--fresh");
    }

    @Test
    void aCheckpointNamePhoenixDidNotWriteIsRefusedAndEveryNameItWritesIsRead() throws Exception {
        pair = new PairHarness();
        Files.createDirectories(pair.stateDir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        long epoch = 1_000_000_000_000_000_000L;
        writeCheckpoint(pair.stateDir.resolve("checkpoint-" + epoch), epoch, 41);
        writeCheckpoint(pair.stateDir.resolve("checkpoint-01"), 1, 90);
        PairHarness.Result refused = pair.runOnce("run");
        PairHarness.assertOneLineError(refused, "checkpoint-01", "rename or move it away");
        assertEquals("", refused.out(), "nothing counted");

        Files.delete(pair.stateDir.resolve("checkpoint-01"));
        pair.start("--interval", "20ms");
        pair.awaitLines(3);
        assertEquals("42", pair.lines().get(0), "a 19-digit epoch's checkpoint is read:\n" + pair.memberLog());
    }

    @Test
    void aTerminatedPrimaryWithoutAStandbyWaitsForOneAndASecondSignalEndsThePair() throws Exception {
        // "true" exits at once with success, as a terminal that hands its window to a server does: the primary
        // waits for a standby that never comes.
        pair = new PairHarness().start("--interval", "20ms", "--terminal", "true");
        PairStatus s = pair.awaitStatus(st -> st.primaryPid() > 0 && !st.isProtected(), "running unprotected");
        pair.awaitLines(5);
        Kill.signal(s.primaryPid(), "TERM");
        Awaits.await("the primary says it waits for a standby", Duration.ofSeconds(10))
                .until(() -> pair.memberLog().contains("no standby is ready to take over yet"));
        pair.awaitLines(pair.lines().size() + 10);
        assertTrue(ProcessHandle.of(s.primaryPid()).map(ProcessHandle::isAlive).orElse(false),
                "one signal does not end an unprotected pair");
        Kill.signal(s.primaryPid(), "TERM");
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "a second signal ends it");
        assertEquals(143, pair.root().exitValue());
        String log = pair.memberLog();
        assertTrue(log.contains("[phoenix " + s.primaryPid() + "] WARN primary ends on SIGTERM with no standby "
                + "ready: the pair ends at step"), "the log says the pair ends, in the member's own name:\n" + log);
        assertFalse(log.contains("takes over"), "nobody takes over:\n" + log);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
    }

    @Test
    void stopEndsAPairStartedByAParentThatNeverReaps() throws Exception {
        pair = new PairHarness();
        String neverReaps = "import signal, subprocess, sys\nsubprocess.Popen(sys.argv[1:])\nsignal.pause()\n";
        pair.startCommand(List.of("python3", "-c", neverReaps, PairHarness.ROOT.resolve("run-phoenix.sh").toString(),
                "run", "--name", pair.name, "--port", String.valueOf(pair.port), "--state-dir",
                pair.stateDir.toString(), "--terminal", "none", "--interval", "20ms"));
        PairStatus s = pair.awaitProtected();
        long started = System.nanoTime();
        PairHarness.Result r = pair.runOnce("stop");
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals(0, r.exit(), "stop succeeds: " + r.err());
        assertTrue(r.err().contains("stopped at count"), r.err());
        assertEquals("Z", ProcStat.state(s.primaryPid()), "the first primary is a zombie nobody reaps");
        // Not a speed check: stop used to wait 10 s for the zombie and then fail; any answer well before that
        // shows it no longer waits (the README's 2 s is measured by hand, not asserted on a loaded machine).
        assertTrue(tookMs < 9000, "stop returned after " + tookMs + " ms; it must not wait out a zombie");
        assertTrue(ProcessPair.status(pair.config()).isEmpty(), "status finds no pair");
    }

    @Test
    void aStoppedPairLeavesNoSocketAndItsNextStartGoesOnFromWhereItStopped() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        pair.awaitProtected();
        PairHarness.Result r = pair.runOnce("stop");
        assertEquals(0, r.exit(), "stop succeeds: " + r.err());
        List<String> left = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(pair.stateDir)) {
            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".sock")).forEach(left::add);
        }
        assertEquals(List.of(), left, "no member's socket is left: the next start counts at once");
        String said = r.err().substring(r.err().indexOf("stopped at count ") + "stopped at count ".length()).strip();
        long last = Long.parseLong(said);
        pair.start("--interval", "20ms");
        Awaits.await("the second start's numbers", Duration.ofSeconds(30))
                .until(() -> pair.linesOfStart(1).size() >= 10);
        assertEquals(String.valueOf(last + 1), pair.linesOfStart(1).get(0), "the second start goes on after the "
                + "stop's last number");
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
        pair.awaitLog("resuming after step " + last);
        pair.awaitProtected();
    }

    @Test
    void aStartWithNoPairRunningCountsAtOnceRatherThanAfterTheTakeoverTimeout() throws Exception {
        long started = System.nanoTime();
        pair = new PairHarness().start("--interval", "20ms", "--heartbeat", "1s", "--misses", "10");
        pair.awaitLines(1);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMs < 8000, "first number after " + tookMs + " ms; the takeover timeout is 10 s");
        pair.awaitLog("no member of the pair is running; starting as the primary");
    }

    @Test
    void aMemberNeverThinksItWasPausedForLongerThanItHasLived() throws Exception {
        long started = System.nanoTime();
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus first = pair.awaitProtected();
        Kill.signal(first.primaryPid(), "KILL");
        pair.awaitStatus(s -> s.takeovers() == 1 && s.isProtected(), "taken over and protected again");
        long livedMs = (System.nanoTime() - started) / 1_000_000;
        java.util.regex.Matcher stall = java.util.regex.Pattern.compile("did not run for (\\d+) ms")
                .matcher(pair.memberLog());
        while (stall.find()) {
            assertTrue(Long.parseLong(stall.group(1)) <= livedMs, "a member took its start for a pause of "
                    + stall.group(1) + " ms, though the test has run for " + livedMs + " ms:\n" + pair.memberLog());
        }
    }

    /**
     * run-phoenix.sh's class-data archive holds a standby's start, not only a start that counts first: an AppCDS
     * archive, JDK 17-24 (JDK 25 and later train their AOT cache the other way on purpose, see run-phoenix.sh; skipped
     * there). The trainer goes a standby's way only because an empty file named standby.sock is there
     * (Member#noMemberSocket asks whether the name exists): a change to either would send it back the other way
     * silently, and a re-protection's new standby would load its own classes from the jars again (7 before READY
     * against 3). An archive is made once per jar and JDK, so one made before run-phoenix.sh last changed may not
     * show that change: skipped then, with a message.
     */
    @Test
    void theClassDataArchiveHoldsAStandbysStartAsWellAsAFirstCount() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus st = pair.awaitProtected();
        List<String> member = new ArrayList<>();
        for (String arg : Files.readString(Path.of("/proc", String.valueOf(st.primaryPid()), "cmdline"))
                .split("\0")) {
            member.add(arg);
            if (arg.equals("phoenix.cli.Main")) {
                break;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(member.stream().anyMatch(a -> a.startsWith("-XX:AOTCache=")),
                "the member runs with an AOT cache (JDK 25 and later), trained through a start that counts first");
        String flag = member.stream().filter(a -> a.startsWith("-XX:SharedArchiveFile=")).findFirst().orElse(null);
        assertTrue(flag != null, "the member runs with run-phoenix.sh's archive (none when its training failed or "
                + "was under way): " + member + "\n" + pair.memberLog());
        Path archive = Path.of(flag.substring(flag.indexOf('=') + 1));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.getLastModifiedTime(archive)
                .compareTo(Files.getLastModifiedTime(PairHarness.ROOT.resolve("run-phoenix.sh"))) > 0,
                "the archive " + archive + " was made before run-phoenix.sh last changed; delete it to have it made "
                + "again");
        // The archive's own listing of the classes it holds, for the member's class path and flags.
        member.add(1, "-XX:+PrintSharedArchiveAndExit");
        Path listingFile = Files.createTempFile("phoenix-it-archive-", ".txt");
        try {
            Process p = pair.spawn(new ProcessBuilder(member).redirectErrorStream(true)
                    .redirectOutput(listingFile.toFile()));
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the listing ends within 30 s");
            List<String> listing = Files.readAllLines(listingFile, StandardCharsets.UTF_8);
            List<String> ours = listing.stream().filter(l -> l.contains(" phoenix.")).toList();
            assertEquals(0, p.exitValue(), "the archive is valid for the member's command line: "
                    + listing.subList(Math.max(0, listing.size() - 5), listing.size()));
            // The first two only a standby's start loads; a takeover's, every start that counts.
            for (String name : List.of("phoenix.pair.OtherHosts", "phoenix.pair.Member$Rehearsal",
                    "phoenix.pair.Takeover")) {
                java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                        "\\s*\\d+: " + java.util.regex.Pattern.quote(name) + " .*");
                assertTrue(listing.stream().anyMatch(l -> line.matcher(l).matches()), "the archive " + archive
                        + " holds " + name + "; its phoenix classes: " + ours);
            }
        } finally {
            Files.deleteIfExists(listingFile);
        }
    }

    // ---- a program on the library ---------------------------------------------------------------------------

    @Test
    void aStepThatThrowsFailsItsAcceptanceTestAndTheCrashLoopIsHandled() throws Exception {
        pair = new PairHarness().startProgram("throw");
        pair.awaitStatus(s -> s.crashLoopStreak() >= 2 && s.primaryPid() > 0, "crash loop detected");
        String log = pair.memberLog();
        assertTrue(log.contains("the step threw java.lang.IllegalArgumentException at step 5: step 5 is poison"),
                log);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
        assertEquals(4, seq.max(), "never past the poisoned step");
    }

    @Test
    void aTwoSecondStepIsNoFailure() throws Exception {
        pair = new PairHarness().startProgram("slow");
        pair.awaitProtected();
        Awaits.await("two slow steps done", Duration.ofSeconds(60)).until(() -> pair.lines().size() >= 11);
        PairStatus s = pair.awaitProtected();
        assertEquals(0, s.takeovers(), "no takeover while a step worked:\n" + pair.memberLog());
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
    }

    @Test
    void aStepThatAsksThePairForItsStatusDoesNotStallIt() throws Exception {
        pair = new PairHarness().startProgram("status");
        pair.awaitProtected();
        pair.awaitLines(40);
        assertEquals(0, pair.awaitProtected().takeovers(), pair.memberLog());
    }

    @Test
    void aStepThatNeverReturnsFailsAfterTheStepTimeoutWhileHeartbeatsGoOn() throws Exception {
        pair = new PairHarness().startProgram("hang");
        PairStatus s = pair.awaitProtected();
        pair.awaitStatus(st -> st.takeovers() >= 1 && st.primaryPid() != s.primaryPid(), "taken over");
        String log = pair.memberLog();
        assertTrue(log.contains("step 5 did not return within 5000 ms"), log);
        assertFalse(log.contains("no valid heartbeat"), "heartbeats went on during the step:\n" + log);
    }

    @Test
    void sigtermReturnsFromRunSoThatTheProgramCleansUp() throws Exception {
        pair = new PairHarness().startProgram("plain");
        PairStatus s = pair.awaitProtected();
        Kill.signal(s.primaryPid(), "TERM");
        pair.awaitStatus(st -> st.takeovers() == 1 && st.primaryPid() == s.standbyPid(), "taken over");
        Awaits.await("clean-up ran", Duration.ofSeconds(10))
                .until(() -> pair.memberLog().contains("program clean-up after TERMINATED (exit 143)"));
        assertTrue(pair.memberLog().contains("[program " + s.primaryPid() + "] WARN primary ends on SIGTERM"),
                "the signal's lines carry the member's tag:\n" + pair.memberLog());
        pair.awaitLines(pair.lines().size() + 5);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
    }

    @Test
    void aSuccessorThatDiedBeforeItsFirstNumberFencesThePrimaryItReplacedAndThePairGoesOn() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus before = pair.awaitProtected();
        pair.awaitLines(20);
        // What a standby leaves that took over from a paused primary and was killed before its first number (the
        // primary, resumed, had killed it as stalled): its epoch claimed with the count it held, and a socket
        // nobody listens on in place of the primary's.
        long epoch = before.epoch() + 1;
        writeCheckpoint(pair.stateDir.resolve("checkpoint-" + epoch), epoch, before.step());
        deadSocketAt(pair.stateDir.resolve("primary.sock"));

        PairStatus after = pair.awaitStatus(s -> s.epoch() > epoch && s.isProtected()
                && s.primaryPid() == before.standbyPid(), "taken over by the standby above epoch " + epoch);
        assertTrue(pair.memberLog().contains("[phoenix " + before.primaryPid() + "] WARN primary RUNNING -> FENCED: "
                + "epoch " + epoch + " was claimed in the state directory")
                || pair.memberLog().contains("[phoenix " + before.primaryPid() + "] WARN primary STEPPING -> FENCED: "
                + "epoch " + epoch + " was claimed in the state directory"),
                "the primary learns of the newer epoch from the directory:\n" + pair.memberLog());
        PairHarness.awaitGone(before.primaryPid());
        pair.awaitLines(pair.lines().size() + 10);
        assertTrue(ProcessPair.stop(pair.config(), Duration.ofSeconds(15)).isPresent(), "stop finds the pair");
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS) || !ProcessHandle.of(after.primaryPid()).isPresent(),
                "the pair ended");
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem() + "\n" + pair.memberLog());
    }

    @Test
    void aControlSocketReplacedByADeadOneIsTakenBack() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus before = pair.awaitProtected();
        deadSocketAt(pair.stateDir.resolve("primary.sock"));
        deadSocketAt(pair.stateDir.resolve("standby.sock"));
        PairStatus found = pair.awaitStatus(s -> s.isProtected() && s.primaryPid() == before.primaryPid()
                && s.standbyPid() == before.standbyPid() && s.takeovers() == 0, "found again, not taken over");
        assertEquals(before.epoch(), found.epoch());
        assertTrue(pair.memberLog().contains("was replaced by another process's; listening there again"),
                pair.memberLog());
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
    }

    @Test
    void anEmptyFileNamedLikeANewerEpochDoesNotEndAHealthyPrimary() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus before = pair.awaitProtected();
        Files.createFile(pair.stateDir.resolve("checkpoint-" + (before.epoch() + 5)));
        // The primary lists the directory every 250-350 ms: for two seconds it must stay as it was.
        Awaits.await("primary pid " + before.primaryPid() + " stays the primary", Duration.ofSeconds(10))
                .during(Duration.ofSeconds(2)).until(() -> pair.status().map(s -> s.primaryPid()
                        == before.primaryPid() && s.takeovers() == 0).orElse(false));
        assertFalse(pair.memberLog().contains("FENCED"), pair.memberLog());
    }

    @Test
    void aDirectoryWhereTheControlSocketBelongsIsTakenBack() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus before = pair.awaitProtected();
        Path socket = pair.stateDir.resolve("primary.sock");
        Path aside = pair.stateDir.resolve("aside-" + ProcessHandle.current().pid());
        Files.move(socket, aside);
        Files.createDirectory(socket);
        Files.delete(aside);
        pair.awaitStatus(s -> s.primaryPid() == before.primaryPid() && s.isProtected(), "found again");
        Kill.signal(before.primaryPid(), "KILL");
        pair.awaitStatus(s -> s.takeovers() == 1 && s.isProtected(), "taken over, protected");
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
    }

    @Test
    void statusFindsThePairThroughEveryHandOver() throws Exception {
        pair = new PairHarness().start("--interval", "10ms");
        List<String> misses = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int round = 0; round < 8; round++) {
            PairStatus before = pair.awaitProtected();
            java.util.concurrent.atomic.AtomicBoolean asking = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread asker = new Thread(() -> {
                while (asking.get()) {
                    if (ProcessPair.status(pair.config()).isEmpty()) {
                        misses.add("no pair during the hand-over from pid " + before.primaryPid());
                    }
                }
            });
            asker.start();
            try {
                Kill.signal(before.primaryPid(), "TERM");
                pair.awaitStatus(s -> s.takeovers() > before.takeovers() && s.isProtected(), "handed over");
            } finally {
                asking.set(false);
                asker.join();
            }
        }
        assertEquals(List.of(), misses);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
    }

    @Test
    void aStandbyStartedWhileTheStateDirectoryIsRemovedAgainAndAgainTakesItsPrimarysSecret() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
        PairStatus first = pair.awaitProtected();
        for (int round = 0; round < 4; round++) {
            PairStatus before = pair.awaitProtected();
            Kill.signal(before.standbyPid(), "KILL");
            phoenix.testing.Trees.removeRepeatedly(pair.stateDir, Duration.ofMillis(1500));
            pair.awaitStatus(s -> s.isProtected() && s.standbyPid() != before.standbyPid(),
                    "a new standby after round " + round);
        }
        PairStatus last = pair.awaitProtected();
        assertEquals(first.primaryPid(), last.primaryPid(), "nobody took over from the healthy primary:\n"
                + pair.memberLog());
        assertFalse(pair.memberLog().contains("other-pair"), "no standby had a secret of its own:\n"
                + pair.memberLog());
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
    }

    /** Puts, atomically, a socket file that nobody listens on at {@code path}. */
    private static void deadSocketAt(Path path) throws Exception {
        Path dead = path.resolveSibling("dead-" + ProcessHandle.current().pid());
        try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.bind(UnixDomainSocketAddress.of(dead));
        }
        Files.move(dead, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Writes a checkpoint as phoenix does (format 2, CRC-32C), without the library's package-private code. */
    private static void writeCheckpoint(Path file, long epoch, long step) throws Exception {
        String body = "phoenix-checkpoint 2 epoch=" + epoch + " takeovers=0 step=" + step
                + " stepAtTakeover=-1 streak=0 data= base=0";
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.US_ASCII));
        Files.writeString(file, body + " crc32c=" + String.format("%08x", crc.getValue()) + "\n");
    }

    /**
     * A SIGTERM sent to a new primary the moment its first number appears ends it, as any primary's does: it must
     * not meet the standby's handling, which ignores SIGTERM (a new primary installs its own before it shows
     * itself; see Signals). Each round the primary is paused, its output drained, then SIGKILLed, so that the
     * next line on stdout is the new primary's first; the test sends SIGTERM from the thread that read it. (A 3 s
     * takeover timeout: the standby must not time the paused primary out while its output drains.) The barrier
     * that installs a new primary's handlers is held back 50 ms (a test-only property of the members): normally it
     * is done before the first number anyway, and only a takeover that showed itself without waiting for it would
     * then fail here, every round.
     */
    @Test
    void aSigtermSentTheMomentANewPrimaryPrintsItsFirstNumberEndsIt() throws Exception {
        String options = System.getenv("JAVA_TOOL_OPTIONS");
        pair = new PairHarness().environment("JAVA_TOOL_OPTIONS", (options == null ? "" : options + " ")
                + "-Dphoenix.testing.barrierDelayMs=50").start("--interval", "20ms", "--misses", "30");
        int rounds = 6;
        List<String> delays = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            PairStatus before = pair.awaitProtected();
            long next = before.standbyPid();
            Kill.signal(before.primaryPid(), "STOP");
            awaitQuiet(pair);
            int seen = pair.lines().size();
            java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
            pair.onNextLine(() -> {
                ProcessHandle.of(next).ifPresent(ProcessHandle::destroy);
                sent.set(System.nanoTime());
            });
            long killedNs = System.nanoTime();
            Kill.signal(before.primaryPid(), "KILL");
            // The new primary waits for a standby of its own, hands over to it and ends.
            String round = "round " + i + ", new primary pid " + next;
            boolean ended = true;
            try {
                Awaits.await(round + " ends", Duration.ofSeconds(30)).until(() -> !ProcStat.running(next));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                ended = false;
            }
            List<Long> arrivals = pair.arrivals();
            delays.add(sent.get() == 0 || arrivals.size() <= seen ? "no number after the SIGKILL"
                    : String.format(java.util.Locale.ROOT, "SIGTERM %.1f ms after the SIGKILL, %.3f ms after line %d",
                    (sent.get() - killedNs) / 1e6, (sent.get() - arrivals.get(seen)) / 1e6, seen));
            String log = pair.memberLog();
            assertTrue(ended, round + " still runs 30 s after the SIGTERM sent at its first number " + delays + "\n"
                    + log);
            assertFalse(log.contains("[phoenix " + next + "] WARN standby ignores SIGTERM"),
                    round + ": the SIGTERM met the standby's handling " + delays + "\n" + log);
            assertTrue(log.contains("[phoenix " + next + "] WARN primary ends on SIGTERM"),
                    round + ": ended on the SIGTERM " + delays + "\n" + log);
            assertTrue(log.contains("[phoenix " + next + "] INFO pid " + next + " is the primary of pair"),
                    round + ": took over first\n" + log);
        }
        PairStatus last = pair.awaitProtected();
        assertTrue(last.takeovers() >= 2L * rounds, "two takeovers a round: " + last + " " + delays);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem() + "\n" + pair.memberLog());
    }

    /** Waits until no line has arrived for 200 ms: a paused primary's last numbers are all read. */
    private static void awaitQuiet(PairHarness pair) {
        int[] seen = {-1};
        long[] since = {System.nanoTime()};
        Awaits.await("the paused primary's output drained", Duration.ofSeconds(10)).until(() -> {
            int n = pair.lines().size();
            if (n != seen[0]) {
                seen[0] = n;
                since[0] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - since[0] >= 200_000_000L;
        });
    }
}
