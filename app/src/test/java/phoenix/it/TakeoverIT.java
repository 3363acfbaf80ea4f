package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;
import phoenix.testing.Kill;
import phoenix.testing.Sequence;

/** The pair survives its primary being killed over and over, and never skips a number. */
@Tag("integration")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TakeoverIT extends WithPair {
    @BeforeEach
    void start() throws Exception {
        pair = new PairHarness().start("--interval", "20ms");
    }

    @Test
    void survivesTwentySigkillsAndTwentySigtermsWithoutSkippingANumber() throws Exception {
        int kills = 40;
        for (int i = 0; i < kills; i++) {
            PairStatus before = pair.awaitProtected();
            assertEquals(java.util.Map.of(), before.rejected(), "a healthy pair refuses nothing, before kill " + i);
            assertEquals(2, pair.liveMemberPids().size(),
                    "members alive while protected before kill " + i + ": " + pair.liveMemberPids());
            pair.awaitLines(pair.lines().size() + 2);
            Kill.signal(before.primaryPid(), i < kills / 2 ? "KILL" : "TERM");
            long takeovers = before.takeovers();
            pair.awaitStatus(s -> s.takeovers() > takeovers && s.primaryPid() != before.primaryPid(), "taken over");
            // A terminated primary has handed over at once, but its JVM takes a moment longer to be gone.
            PairHarness.awaitGone(before.primaryPid());
        }
        PairStatus last = pair.awaitProtected();
        assertEquals(kills, last.takeovers());
        int printed = pair.lines().size();
        pair.awaitLines(printed + 5);

        Optional<PairStatus> stopped = ProcessPair.stop(pair.config(), Duration.ofSeconds(15));
        assertTrue(stopped.isPresent(), "stop found the pair");
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended after stop");
        assertEquals(List.of(), pair.liveMemberPids(), "nothing left running after stop");
        assertEquals(List.of(), pair.zombies(), "no zombie left");

        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem() + "\n" + pair.memberLog());
        assertFalse(pair.memberLog().contains("rejected"), "no datagram of a healthy pair was rejected:\n"
                + pair.memberLog());
        assertFalse(pair.memberLog().contains("SIG") && pair.memberLog().contains("handler]"),
                "every line carries its member's tag");
        assertTrue(seq.duplicates() <= kills, "at most one duplicate per takeover, found " + seq.duplicates());
        assertEquals(stopped.get().step(), seq.max(), "stop reports the last number printed");
        assertTrue(ProcessPair.status(pair.config()).isEmpty(), "status finds no pair after stop");
    }

    /**
     * {@code pkill -f phoenix} sends SIGTERM to both members microseconds apart, the primary first (pkill goes
     * by pid). The primary hands over at once, and the standby, now the primary, must not end of the SIGTERM
     * that reached it while it was the standby.
     */
    @Test
    void sigtermToBothMembersAtOnceEndsThePrimaryAlone() throws Exception {
        int rounds = 10;
        for (int i = 0; i < rounds; i++) {
            PairStatus before = pair.awaitProtected();
            // The standby sets up its signal handling beside its loop, and then logs that it attached.
            pair.awaitLog("standby pid " + before.standbyPid() + " of pair");
            pair.awaitLines(pair.lines().size() + 2);
            long first = Math.min(before.primaryPid(), before.standbyPid());
            long second = Math.max(before.primaryPid(), before.standbyPid());
            Process kill = new ProcessBuilder("kill", "-TERM", String.valueOf(first), String.valueOf(second))
                    .redirectErrorStream(true).start();
            kill.getInputStream().readAllBytes();
            assertEquals(0, kill.waitFor(), "kill -TERM " + first + " " + second);
            long takeovers = before.takeovers();
            PairStatus after = pair.awaitStatus(s -> s.takeovers() > takeovers && s.isProtected(),
                    "taken over and protected again after SIGTERM to both members, round " + i);
            assertEquals(before.standbyPid(), after.primaryPid(), "the standby took over and lives on, round " + i
                    + "\n" + pair.memberLog());
            PairHarness.awaitGone(before.primaryPid());
        }
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem() + "\n" + pair.memberLog());
    }
}
