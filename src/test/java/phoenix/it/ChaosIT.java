package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.pair.HostileSender;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;

/**
 * Random faults at random moments: kill, terminate, pause and resume either member, and flood the port, for
 * a bounded number of rounds ({@code -Dphoenix.chaos.rounds}, default 25) or until a number of takeovers
 * ({@code -Dphoenix.chaos.takeovers}; {@code test-scripts/chaos.sh} asks for 1000). At the end the sequence
 * has no gap, no zombie is left, two members run and the pair is protected.
 */
@Tag("integration")
@Timeout(value = 2, unit = TimeUnit.HOURS)
class ChaosIT {
    private PairHarness pair;

    @AfterEach
    void killEverything() throws Exception {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void randomFaultsNeverSkipANumberNorLeaveAMess() throws Exception {
        int rounds = Integer.getInteger("phoenix.chaos.rounds", 25);
        int takeoverGoal = Integer.getInteger("phoenix.chaos.takeovers", 0);
        long seed = Long.getLong("phoenix.chaos.seed", System.nanoTime());
        Random random = new Random(seed);
        pair = new PairHarness().start("--interval", "10ms");
        int maxMembers = 0;
        int round = 0;
        String crowded = "";
        try (HostileSender flood = new HostileSender(awaitState(), pair.port)) {
            for (; round < rounds || pair.awaitProtected().takeovers() < takeoverGoal; round++) {
                PairStatus s = pair.awaitProtected();
                List<Long> live = pair.liveMemberPids();
                if (live.size() > 2) {
                    crowded = "round " + round + ": " + live + " while primary " + s.primaryPid() + ", standby "
                            + s.standbyPid();
                }
                maxMembers = Math.max(maxMembers, live.size());
                pair.awaitLines(pair.lines().size() + 1 + random.nextInt(20));
                int action = random.nextInt(6);
                switch (action) {
                    case 0:
                        PairHarness.signal(s.primaryPid(), "KILL");
                        PairHarness.awaitGone(s.primaryPid());
                        break;
                    case 1:
                        PairHarness.signal(s.primaryPid(), "TERM");
                        PairHarness.awaitGone(s.primaryPid());
                        break;
                    case 2:
                        PairHarness.signal(s.standbyPid(), "KILL");
                        PairHarness.awaitGone(s.standbyPid());
                        break;
                    case 3:
                        PairHarness.signal(s.primaryPid(), "STOP");
                        pair.awaitStatus(st -> st.primaryPid() != s.primaryPid(), "taken over from paused");
                        PairHarness.signal(s.primaryPid(), "CONT");
                        // The resumed primary learns it was fenced and ends: until then three members are alive.
                        PairHarness.awaitGone(s.primaryPid());
                        break;
                    case 4:
                        PairHarness.signal(s.standbyPid(), "STOP");
                        Thread.onSpinWait();
                        PairHarness.signal(s.standbyPid(), "CONT");
                        break;
                    default:
                        for (int i = 0; i < 500; i++) {
                            flood.burst(s.epoch());
                        }
                        break;
                }
            }
        }
        PairStatus end = pair.awaitProtected();
        pair.awaitLines(pair.lines().size() + 5);
        await2(() -> pair.liveMemberPids().size() == 2);
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), "seed " + seed + ": " + seq.problem() + "\n" + pair.memberLog());
        assertTrue(maxMembers <= 2, "members alive while protected: " + crowded + "\n" + pair.memberLog());
        assertTrue(ProcessPair.stop(pair.config(), Duration.ofSeconds(15)).isPresent());
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended after stop");
        assertEquals(List.of(), pair.zombies(), "no zombie left");
        System.out.printf("chaos: seed %d, %d rounds, %d takeovers, count %d, %d duplicates%n", seed, round,
                end.takeovers(), seq.max(), seq.duplicates());
    }

    private java.nio.file.Path awaitState() {
        pair.awaitProtected();
        return pair.stateDir;
    }

    private static void await2(java.util.concurrent.Callable<Boolean> condition) {
        org.awaitility.Awaitility.await("members settled").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20)).until(condition);
    }
}
