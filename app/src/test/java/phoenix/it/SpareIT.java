package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;
import phoenix.testing.Kill;
import phoenix.testing.ProcStat;
import phoenix.testing.Sequence;

/**
 * A pair with {@code --spare on}: the standby keeps a third member, prepared ahead, which becomes the standby when
 * the standby takes over or ends, and the standby that takes its place spawns the next spare.
 */
@Tag("integration")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SpareIT extends WithPair {
    /** Protected, with a spare that runs and is not the primary or the standby. */
    private PairStatus awaitSpare() {
        return pair.awaitStatus(s -> s.isProtected() && s.primaryPid() > 0 && s.standbyPid() > 0 && s.sparePid() > 0
                && ProcStat.running(s.primaryPid()) && ProcStat.running(s.standbyPid())
                && ProcStat.running(s.sparePid()), "protected with a spare");
    }

    @Test
    void theSpareBecomesTheStandbyWhateverEndsAndTheStopEndsAllThree() throws Exception {
        pair = new PairHarness().start("--interval", "20ms", "--spare", "on");
        // SIGKILL and SIGTERM of the primary: the standby takes over, its spare attaches as the new standby, whose
        // own spare is spawned next.
        for (int i = 0; i < 6; i++) {
            PairStatus before = awaitSpare();
            assertEquals(3, pair.liveMemberPids().size(), "three members, round " + i + ": " + pair.liveMemberPids());
            pair.awaitLines(pair.lines().size() + 2);
            Kill.signal(before.primaryPid(), i % 2 == 0 ? "KILL" : "TERM");
            PairStatus after = pair.awaitStatus(s -> s.takeovers() > before.takeovers() && s.isProtected()
                    && s.standbyPid() == before.sparePid(), "taken over, and the spare the standby, round " + i);
            assertEquals(before.standbyPid(), after.primaryPid(), "the standby took over, round " + i);
            PairHarness.awaitGone(before.primaryPid());
        }
        // The standby's end (its process killed, its window closed): its spare takes its place; no takeover.
        PairStatus before = awaitSpare();
        Kill.signal(before.standbyPid(), "KILL");
        PairStatus after = pair.awaitStatus(s -> s.isProtected() && s.standbyPid() == before.sparePid(),
                "the spare is the standby after the standby's SIGKILL");
        assertEquals(before.primaryPid(), after.primaryPid(), "no takeover for a standby's end");
        assertTrue(pair.memberLog().contains("its spare pid " + before.sparePid() + " becomes the standby"),
                "the primary waited for the spare rather than spawning:\n" + pair.memberLog());
        PairStatus hup = awaitSpare();
        Kill.signal(hup.standbyPid(), "HUP");
        pair.awaitStatus(s -> s.isProtected() && s.standbyPid() == hup.sparePid(),
                "the spare is the standby after the standby's SIGHUP");
        // The spare's own end: the standby spawns another.
        PairStatus spare = awaitSpare();
        Kill.signal(spare.sparePid(), "HUP");
        PairStatus again = pair.awaitStatus(s -> s.isProtected() && s.sparePid() > 0
                && s.sparePid() != spare.sparePid() && s.standbyPid() == spare.standbyPid(), "a new spare");
        assertNotEquals(spare.sparePid(), again.sparePid());

        // The standby's control socket removed under it: it puts the socket back and keeps its slot; its spare
        // stays a spare (a standby that let the slot go for a moment handed it to the spare).
        PairStatus healed = awaitSpare();
        java.nio.file.Files.delete(pair.stateDir.resolve("standby.sock"));
        pair.awaitLog("lost this member's control socket");
        PairStatus afterHeal = pair.awaitStatus(s -> s.isProtected() && s.sparePid() > 0,
                "protected with a spare after the standby's socket was put back");
        assertEquals(healed.standbyPid(), afterHeal.standbyPid(), "the same standby");
        assertEquals(healed.sparePid(), afterHeal.sparePid(), "the same spare, still waiting");
        assertEquals(healed.takeovers(), afterHeal.takeovers(), "no takeover");
        assertTrue(!pair.memberLog().contains("spare pid " + healed.sparePid() + " takes the standby's slot"),
                "the spare did not take the slot of a live standby:\n" + pair.memberLog());

        // Primary and standby SIGKILLed together: the spare takes the slot, finds no primary, and takes over from the
        // checkpoint after the heartbeats' timeout; nothing is skipped (checked with the whole sequence below).
        PairStatus both = awaitSpare();
        pair.awaitLines(pair.lines().size() + 2);
        Kill.together("KILL", both.primaryPid(), both.standbyPid());
        PairStatus survived = pair.awaitStatus(s -> s.takeovers() > both.takeovers() && s.isProtected()
                && s.primaryPid() == both.sparePid(), "the spare took over after primary and standby died together");
        assertNotEquals(both.standbyPid(), survived.standbyPid());

        // pkill -f phoenix: SIGTERM to all three, by pid: the primary alone ends; the spare ignores it too.
        PairStatus all = awaitSpare();
        pair.awaitLog("spare pid " + all.sparePid() + " of pair");
        List<Long> three = List.of(all.primaryPid(), all.standbyPid(), all.sparePid());
        Process kill = new ProcessBuilder("kill", "-TERM", String.valueOf(three.get(0)), String.valueOf(three.get(1)),
                String.valueOf(three.get(2))).redirectErrorStream(true).start();
        kill.getInputStream().readAllBytes();
        assertEquals(0, kill.waitFor(), "kill -TERM " + three);
        PairStatus termed = pair.awaitStatus(s -> s.takeovers() > all.takeovers() && s.isProtected()
                && s.standbyPid() == all.sparePid(), "taken over after SIGTERM to all three");
        assertEquals(all.standbyPid(), termed.primaryPid(), "the standby took over and lives on");
        PairHarness.awaitGone(all.primaryPid());

        PairStatus last = awaitSpare();
        pair.awaitLines(pair.lines().size() + 5);
        Optional<PairStatus> stopped = ProcessPair.stop(pair.config(), Duration.ofSeconds(15));
        assertTrue(stopped.isPresent(), "stop found the pair");
        for (long pid : List.of(last.primaryPid(), last.standbyPid(), last.sparePid())) {
            assertTrue(!ProcStat.running(pid), "pid " + pid + " ended by the time stop returned");
        }
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended after stop");
        assertEquals(List.of(), pair.liveMemberPids(), "nothing left running after stop");
        assertTrue(pair.memberLog().contains("spare ends: the pair is stopping"), pair.memberLog());
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem() + "\n" + pair.memberLog());
        assertEquals(stopped.get().step(), seq.max(), "stop reports the last number printed");
    }

    /** A crash loop ends the pair once: the spare of the member that gives up does not try once more. */
    @Test
    void aCrashLoopWithASpareGivesUpOnceAndLeavesNothingRunning() throws Exception {
        pair = new PairHarness().start("--interval", "10ms", "--crash-at", "25", "--spare", "on");
        pair.awaitLog("crash loop: streak");
        phoenix.testing.Awaits.await("every member of the pair ended", Duration.ofSeconds(60))
                .until(() -> pair.liveMemberPids().isEmpty());
        String log = pair.memberLog();
        int gaveUp = log.split("crash loop: streak", -1).length - 1;
        assertEquals(1, gaveUp, "the pair gave up once:\n" + log);
        assertTrue(log.contains("spare ends: the pair is stopping") || log.contains("spare ends: the pair was stopped")
                || !log.contains("spare pid"), "the spare of the member that gave up ended without taking over:\n"
                + log);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem());
        assertEquals(24, seq.max(), "never past the poisoned number, never skipping it");
    }
}
