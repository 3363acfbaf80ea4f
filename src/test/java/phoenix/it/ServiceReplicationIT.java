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
import phoenix.testing.Awaits;
import phoenix.testing.Kill;

/**
 * A service pair ({@link phoenix.example.ServiceProgram}) replicates synchronously from several threads while its
 * primary is SIGKILLed and SIGTERMed: every version whose replicate returned is held by the next primary, and
 * the versions a primary starts from never go back.
 */
@Tag("integration")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ServiceReplicationIT extends WithPair {
    @Test
    void everyAnsweredVersionSurvivesSigkillsAndSigterms() throws Exception {
        pair = new PairHarness().startService(3);
        int kills = 10;
        for (int i = 0; i < kills; i++) {
            PairStatus before = pair.awaitProtected();
            int seen = pair.lines().size();
            // Writes under way when the signal comes: answered ones and ones in flight.
            Awaits.await("writes by pid " + before.primaryPid(), PairHarness.PROTECTED_WITHIN)
                    .until(() -> pair.lines().subList(seen, pair.lines().size()).stream()
                            .filter(l -> l.startsWith("ACKED")).count() >= 20);
            Kill.signal(before.primaryPid(), i % 2 == 0 ? "KILL" : "TERM");
            long takeovers = before.takeovers();
            pair.awaitStatus(s -> s.takeovers() > takeovers && s.primaryPid() != before.primaryPid(), "taken over");
            PairHarness.awaitGone(before.primaryPid());
        }
        PairStatus last = pair.awaitProtected();
        int seen = pair.lines().size();
        Awaits.await("writes after the last takeover", PairHarness.PROTECTED_WITHIN)
                .until(() -> pair.lines().subList(seen, pair.lines().size()).stream()
                        .anyMatch(l -> l.startsWith("ACKED")));
        Optional<PairStatus> stopped = ProcessPair.stop(pair.config(), Duration.ofSeconds(15));
        assertTrue(stopped.isPresent(), "stop found the pair");
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended after stop");
        assertEquals(List.of(), pair.liveMemberPids(), "nothing left running after stop");
        assertEquals(kills, last.takeovers());
        assertTrue(!pair.memberLog().contains("unknown message"), "members understood each other:\n"
                + pair.memberLog());

        List<String> lines = pair.lines();
        long maxAcked = 0;
        long lastStart = -1;
        long acked = 0;
        int starts = 0;
        for (String line : lines) {
            String[] w = line.split(" ");
            if (w[0].equals("START")) {
                long from = Long.parseLong(w[2]);
                assertTrue(from >= maxAcked, "primary pid " + w[1] + " started from version " + from
                        + ", but version " + maxAcked + " had been answered\n" + pair.memberLog());
                assertTrue(from >= lastStart, "versions went back: a primary started from " + from + " after one "
                        + "from " + lastStart);
                if (from > 0) {
                    assertNotEquals("-", w[3], "the state of version " + from + " came with its bytes");
                }
                lastStart = from;
                starts++;
            } else if (w[0].equals("ACKED")) {
                long v = Long.parseLong(w[1]);
                assertTrue(v > lastStart, "version " + v + " answered at or below the start's " + lastStart);
                maxAcked = Math.max(maxAcked, v);
                acked++;
            }
        }
        assertEquals(kills + 1, starts, "one start per primary:\n" + String.join("\n", lines));
        assertTrue(acked >= 20L * kills, "writes were answered throughout: " + acked);
        System.out.printf("ServiceReplicationIT: %d answered versions over %d takeovers, none lost%n", acked, kills);
    }
}
