package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.pair.PairStatus;
import phoenix.testing.Awaits;
import phoenix.testing.Kill;
import phoenix.testing.KvLoad;
import phoenix.testing.Ports;

/**
 * The key-value example as a real pair under writes from several clients at once, its primary SIGKILLed 30 times
 * and SIGTERMed 10 times: no acknowledged write is lost, no key's value goes back, and the client-visible gap of
 * each takeover (the signal -> the new primary's first successful answer) is printed, not asserted.
 */
@Tag("integration")
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class KvIT extends WithPair {
    private static final int WRITERS = 4;
    private static final int TAKEOVERS = 40;
    private static final Duration WITHIN = Duration.ofSeconds(60);

    /** One takeover as the clients saw it. */
    private record Gap(String signal, double answerMs, double ackMs) {
    }

    @Test
    void losesNoAcknowledgedWriteThroughThirtySigkillsAndTenSigterms() throws Exception {
        takeovers(TAKEOVERS, false);
    }

    /**
     * With a spare ({@code --spare on}): the spare becomes the standby at each takeover, holds the newest state
     * before the pair says protected, and nothing acknowledged is lost either.
     */
    @Test
    void withASpareLosesNoAcknowledgedWriteThroughTwelveFaults() throws Exception {
        takeovers(12, true);
    }

    private void takeovers(int faults, boolean spare) throws Exception {
        pair = new PairHarness();
        int httpPort = Ports.freeTcpPort();
        List<String> cmd = new ArrayList<>(List.of(PairHarness.ROOT.resolve("examples/kv/run-kv.sh").toString(),
                "run", "--name", pair.name, "--port", String.valueOf(pair.port), "--state-dir",
                pair.stateDir.toString(), "--terminal", "none", "--http-port", String.valueOf(httpPort)));
        if (spare) {
            cmd.addAll(List.of("--spare", "on"));
        }
        pair.startCommand(cmd);
        pair.awaitProtected();
        List<Gap> gaps = new ArrayList<>();
        KvLoad load = new KvLoad(httpPort, WRITERS, Duration.ofMillis(5), Duration.ofMillis(1));
        try {
            for (int i = 0; i < faults; i++) {
                // Every fourth fault a SIGTERM (a hand-over), the others SIGKILL: 30 and 10.
                boolean kill = i % 4 != 3;
                PairStatus before = spare ? pair.awaitStatus(s -> s.isProtected() && s.sparePid() > 0,
                        "protected with a spare") : pair.awaitProtected();
                long acks = load.acks();
                Awaits.await("writes acknowledged before fault " + i, WITHIN).until(() -> load.acks() >= acks + 20);
                long[] ackedAtFault = load.acked();
                long signalNs = Kill.direct(before.primaryPid(), kill);
                PairStatus after = pair.awaitStatus(s -> s.takeovers() > before.takeovers() && s.primaryPid() > 0
                        && s.primaryPid() != before.primaryPid(), "taken over after fault " + i);
                long primary = after.primaryPid();
                Awaits.await("an answer from the new primary " + primary, WITHIN)
                        .until(() -> load.firstAnswerNs(primary).isPresent());
                Awaits.await("an acknowledged PUT from the new primary " + primary, WITHIN)
                        .until(() -> load.firstAckNs(primary).isPresent());
                gaps.add(new Gap(kill ? "KILL" : "TERM", (load.firstAnswerNs(primary).getAsLong() - signalNs) / 1e6,
                        (load.firstAckNs(primary).getAsLong() - signalNs) / 1e6));
                assertNoValueWentBack(load, ackedAtFault, "after fault " + i + " (SIG" + gaps.get(i).signal() + ")");
                if (spare) {
                    PairStatus again = pair.awaitStatus(s -> s.isProtected() && s.standbyPid() > 0,
                            "protected again after fault " + i);
                    assertEquals(before.sparePid(), again.standbyPid(), "the spare became the standby, fault " + i);
                }
                PairHarness.awaitGone(before.primaryPid());
            }
            PairStatus last = pair.awaitProtected();
            assertEquals(faults, last.takeovers(), "every fault was a takeover");
            load.close();
            // The writers are done: every value is final, and each key must hold one of them.
            long[] acked = load.acked();
            long[] attempted = load.attempted();
            for (int w = 0; w < WRITERS; w++) {
                KvLoad.Answer a = load.send("GET", KvLoad.key(w), null, WITHIN);
                assertEquals(200, a.status(), "key " + KvLoad.key(w) + " is there");
                long value = Long.parseLong(a.body());
                assertTrue(value >= acked[w] && value <= attempted[w], "key " + KvLoad.key(w) + " holds " + value
                        + ": the last acknowledged was " + acked[w] + ", the last sent " + attempted[w]);
            }
            System.out.printf(Locale.ROOT, "KvIT: %d PUTs acknowledged by %d writers, %d refused (503)%n",
                    load.acks(), WRITERS, load.refusals());
        } finally {
            load.close();
            report(gaps);
        }
    }

    /** Every key holds at least the value acknowledged before the fault, read from the new primary. */
    private static void assertNoValueWentBack(KvLoad load, long[] ackedBefore, String when) throws Exception {
        for (int w = 0; w < ackedBefore.length; w++) {
            if (ackedBefore[w] == 0) {
                continue;
            }
            KvLoad.Answer a = load.send("GET", KvLoad.key(w), null, WITHIN);
            assertEquals(200, a.status(), "key " + KvLoad.key(w) + " " + when + ": " + a.body());
            long value = Long.parseLong(a.body());
            assertTrue(value >= ackedBefore[w], "key " + KvLoad.key(w) + " went back " + when + ": it holds "
                    + value + ", but " + ackedBefore[w] + " was acknowledged before the fault");
        }
    }

    private static void report(List<Gap> gaps) {
        if (gaps.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("KvIT: client-visible gap per takeover (ms), signal -> first "
                + "successful answer of the new primary / first acknowledged PUT (the PUT waits for a new standby)\n");
        for (int i = 0; i < gaps.size(); i++) {
            Gap g = gaps.get(i);
            sb.append(String.format(Locale.ROOT, "  %2d SIG%s %8.1f %8.1f%n", i, g.signal(), g.answerMs(), g.ackMs()));
        }
        for (String signal : List.of("KILL", "TERM", "all")) {
            List<Gap> of = gaps.stream().filter(g -> signal.equals("all") || g.signal().equals(signal)).toList();
            if (of.isEmpty()) {
                continue;
            }
            double[] answer = of.stream().mapToDouble(Gap::answerMs).sorted().toArray();
            double[] ack = of.stream().mapToDouble(Gap::ackMs).sorted().toArray();
            sb.append(String.format(Locale.ROOT, "  %-4s n=%d  first answer p50 %.1f max %.1f (goal p50 <= 30)"
                    + "  first acknowledged PUT p50 %.1f max %.1f%n", signal, of.size(),
                    answer[(answer.length - 1) / 2], answer[answer.length - 1], ack[(ack.length - 1) / 2],
                    ack[ack.length - 1]));
        }
        System.out.print(sb);
    }
}
