package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.example.ServiceProgram;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;
import phoenix.pair.Replicator;
import phoenix.testing.Awaits;
import phoenix.testing.Kill;

/**
 * A service pair ({@link phoenix.example.ServiceProgram}) replicates synchronously from several threads while its
 * primary is SIGKILLed, SIGTERMed and paused (SIGSTOP until the standby took over, then SIGCONT): every version
 * whose replicate returned on a primary is held by every later primary, and the versions a primary starts from
 * never go back.
 */
@Tag("integration")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ServiceReplicationIT extends WithPair {
    @Test
    void everyAnsweredVersionSurvivesSigkillsSigtermsAndPauses() throws Exception {
        killAndCheck(3, ServiceProgram.STATE_BYTES, List.of("KILL", "TERM", "STOP", "KILL", "TERM", "KILL", "TERM",
                "STOP", "KILL", "TERM"), 20);
    }

    @Test
    void statesOfOneMebibyteSurviveSigkillsAndSigterms() throws Exception {
        killAndCheck(2, Replicator.MAX_STATE_BYTES, List.of("KILL", "TERM", "KILL", "TERM"), 5);
    }

    /**
     * Runs a service pair whose {@code writers} replicate states of {@code stateBytes}, and signals its primary
     * once per signal in {@code signals}, each after {@code writes} more answered writes.
     */
    private void killAndCheck(int writers, int stateBytes, List<String> signals, int writes) throws Exception {
        pair = new PairHarness().startService(writers, stateBytes);
        for (String signal : signals) {
            PairStatus before = pair.awaitProtected();
            long old = before.primaryPid();
            int seen = pair.lines().size();
            // Writes under way when the signal comes: answered ones and ones in flight.
            Awaits.await("writes by pid " + old, PairHarness.PROTECTED_WITHIN)
                    .until(() -> pair.lines().stream().skip(seen).filter(l -> l.startsWith("ACKED")).count()
                            >= writes);
            Kill.signal(old, signal);
            long takeovers = before.takeovers();
            pair.awaitStatus(s -> s.takeovers() > takeovers && s.primaryPid() != old, "taken over after SIG" + signal);
            if (signal.equals("STOP")) {
                Kill.signal(old, "CONT");
                pair.awaitLog("[program " + old + "] WARN primary");
            }
            PairHarness.awaitGone(old);
            if (signal.equals("STOP")) {
                assertTrue(pair.memberLog().matches("(?s).*\\[program " + old + "\\] WARN primary [A-Z_]+ -> FENCED.*"),
                        "the resumed primary says it was fenced:\n" + pair.memberLog());
            }
        }
        PairStatus last = pair.awaitProtected();
        int seen = pair.lines().size();
        Awaits.await("writes after the last takeover", PairHarness.PROTECTED_WITHIN)
                .until(() -> pair.lines().stream().skip(seen).anyMatch(l -> l.startsWith("ACKED")));
        Optional<PairStatus> stopped = ProcessPair.stop(pair.config(), Duration.ofSeconds(15));
        assertTrue(stopped.isPresent(), "stop found the pair");
        long lastAcked = pair.lines().stream().filter(l -> l.startsWith("ACKED "))
                .mapToLong(l -> Long.parseLong(l.split(" ")[2])).max().orElse(0);
        assertTrue(stopped.get().step() >= lastAcked, "stop reports the version the pair stopped at ("
                + stopped.get().step() + "), not below the last answered one (" + lastAcked + ")");
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended after stop");
        assertEquals(List.of(), pair.liveMemberPids(), "nothing left running after stop");
        assertEquals(signals.size(), last.takeovers());
        assertTrue(!pair.memberLog().contains("unknown message"), "members understood each other:\n"
                + pair.memberLog());
        check(pair.lines(), signals.size() + 1, stateBytes, (long) writes * signals.size());
    }

    /**
     * Every primary starts from at least every version answered on the primaries before it (a paused one may
     * print an answer after its successor started: it counts for its own time), starts never go back, and a
     * primary's answers are above its start.
     */
    private void check(List<String> lines, int primaries, int stateBytes, long minAcked) {
        List<Long> startPids = new ArrayList<>();
        Map<Long, Long> startOf = new HashMap<>();
        Map<Long, Long> maxAckedBy = new HashMap<>();
        long acked = 0;
        for (String line : lines) {
            String[] w = line.split(" ");
            if (w[0].equals("START")) {
                long pid = Long.parseLong(w[1]);
                long from = Long.parseLong(w[2]);
                if (from > 0) {
                    assertNotEquals("-", w[3], "the state of version " + from + " came with its bytes");
                    assertEquals(stateBytes, Integer.parseInt(w[4]), "the whole state of version " + from);
                }
                startPids.add(pid);
                startOf.put(pid, from);
            } else if (w[0].equals("ACKED")) {
                long pid = Long.parseLong(w[1]);
                long v = Long.parseLong(w[2]);
                assertTrue(startOf.containsKey(pid), "pid " + pid + " answered before it started");
                assertTrue(v > startOf.get(pid), "pid " + pid + " answered version " + v + ", not above its start "
                        + startOf.get(pid));
                maxAckedBy.merge(pid, v, Math::max);
                acked++;
            }
        }
        assertEquals(primaries, startPids.size(), "one start per primary:\n" + String.join("\n", lines));
        long answeredBefore = 0;
        long lastStart = 0;
        for (long pid : startPids) {
            long from = startOf.get(pid);
            assertTrue(from >= answeredBefore, "primary pid " + pid + " started from version " + from
                    + ", but version " + answeredBefore + " had been answered\n" + pair.memberLog());
            assertTrue(from >= lastStart, "versions went back: pid " + pid + " started from " + from + " after "
                    + lastStart);
            lastStart = from;
            answeredBefore = Math.max(answeredBefore, maxAckedBy.getOrDefault(pid, 0L));
        }
        assertTrue(acked >= minAcked, "writes were answered throughout: " + acked);
        System.out.printf("ServiceReplicationIT: %d answered versions of %d bytes over %d takeovers, none lost%n",
                acked, stateBytes, primaries - 1);
    }
}
