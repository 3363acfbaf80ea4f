package phoenix.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import phoenix.pair.PairStatus;
import phoenix.testing.Kill;
import phoenix.testing.KvLoad;
import phoenix.testing.ProcStat;

/**
 * The key-value example's rows ({@code run-phoenix.sh bench --kv}, and the last phase of a full run): a pair of
 * {@code phoenix.kv.KvMain} on the run's copy of the launcher, with its own name, UDP and TCP port and state
 * directory, written by a few clients while a prober GETs every millisecond ({@link KvLoad}). Its primary is
 * SIGKILLed and SIGTERMed in turn, each time once the pair is protected again and writes are being acknowledged.
 * Per takeover: the signal to the new primary's first answered GET and first acknowledged PUT (the client-visible
 * gap), to protected again, and the new primary's own account from its log; after each, and at the end, every key
 * is read back against the writes acknowledged before. Beside each takeover, one sample of the death floor with the
 * members' JVM flags ({@link Floors#death}), what the machine takes before a standby can know.
 */
final class KvBench {
    /** How many clients write, each its own key. */
    static final int WRITERS = 4;
    /** The goal for the signal -> the new primary's first answered GET, p50 (issue 9). */
    static final double GET_P50_GOAL_MS = 30;
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final Duration FIRST_START_WITHIN = Duration.ofSeconds(180);
    private static final Duration LOG_WITHIN = Duration.ofSeconds(2);
    private static final int ACKS_BEFORE_FAULT = 20;
    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Pattern TAKEOVER_US = Pattern.compile("^takeover took (\\d+) us.*");
    private static final Pattern SERVING_US = Pattern.compile("^serving .* (\\d+) us after the start$");

    private final BenchPair pair;
    private final int httpPort;
    private final Results results;
    private final PrintStream progress;
    private final Cleanup cleanup;
    private final List<String> lost = new ArrayList<>();
    private int checks;
    private Floors floors;

    KvBench(BenchPair pair, int httpPort, Results results, Cleanup cleanup, PrintStream progress) {
        this.pair = pair;
        this.httpPort = httpPort;
        this.results = results;
        this.cleanup = cleanup;
        this.progress = progress;
    }

    /**
     * Starts the pair, runs the clients, and signals the primary {@code kills} times with SIGKILL and {@code terms}
     * times with SIGTERM, the SIGTERMs spread among the SIGKILLs; stops the pair at the end.
     */
    void run(int kills, int terms) throws IOException, InterruptedException {
        pair.start();
        // The first start of a build may make its class-data archive first (run-phoenix.sh, a few seconds).
        PairStatus first = pair.awaitProtected(FIRST_START_WITHIN);
        // The death floor with the members' own JVM flags, one sample after each takeover: what this machine's
        // kernel and scheduler take before any standby can know, at the same load as the takeovers.
        floors = new Floors(Floors.memberJvm(first.primaryPid()), testClasses(), cleanup);
        progress.printf("kv: pair %s serving on 127.0.0.1:%d, %d writers and a prober; %d SIGKILL and %d SIGTERM "
                + "takeovers%n", pair.name, httpPort, WRITERS, kills, terms);
        KvLoad load = new KvLoad(httpPort, WRITERS, Duration.ofMillis(5), Duration.ofMillis(1));
        try {
            int total = kills + terms;
            for (int i = 0; i < total; i++) {
                // Fault i is a SIGTERM when the share of SIGTERMs reaches the next whole one there.
                boolean term = (long) (i + 1) * terms / total > (long) i * terms / total;
                Results.KvTakeover t = takeover(load, !term);
                results.kvTakeovers.add(t);
                Path tmp = Files.createTempDirectory("phoenix-bench-floor-");
                try {
                    results.kvDeathFloorMs.addAll(floors.death(1, tmp));
                } finally {
                    Files.deleteIfExists(tmp);
                }
                progress.printf(Locale.ROOT, "kv: SIG%s %d/%d: first GET after %s ms, first acknowledged PUT after "
                        + "%s ms, protected after %s ms (the new primary: takeover %s ms, of it the service's start "
                        + "%s ms)%n", t.signal(), i + 1, total, Report.ms(t.getMs()), Report.ms(t.putMs()),
                        Report.ms(t.protectedMs()), Report.ms(t.takeoverMs()), Report.ms(t.startMs()));
            }
        } finally {
            load.close();
        }
        // The writers are done: every value is final, and each key must hold one that was sent, at least the last
        // one acknowledged.
        long[] acked = load.acked();
        long[] attempted = load.attempted();
        for (int w = 0; w < WRITERS; w++) {
            KvLoad.Answer a = load.send("GET", KvLoad.key(w), null, WITHIN);
            long value = a.status() == 200 ? Long.parseLong(a.body()) : 0;
            if (value < acked[w] || value > attempted[w]) {
                lost.add("at the end, key " + KvLoad.key(w) + " holds " + (a.status() == 200 ? value : "nothing ("
                        + a.status() + ")") + ": the last acknowledged was " + acked[w] + ", the last sent "
                        + attempted[w]);
            }
        }
        checks++;
        results.kvWrites = new Results.KvWrites(pair.name, WRITERS, load.acks(), load.refusals(), checks,
                List.copyOf(lost));
        pair.stop();
    }

    private Results.KvTakeover takeover(KvLoad load, boolean kill) throws IOException, InterruptedException {
        PairStatus before = pair.awaitProtected(WITHIN);
        long old = before.primaryPid();
        long acks = load.acks();
        await("writes acknowledged by primary " + old, () -> load.acks() >= acks + ACKS_BEFORE_FAULT);
        long[] ackedAtFault = load.acked();
        long t0 = Kill.direct(old, kill);
        // The new primary is the first member that answers after the signal: nothing asks the pair in the gap.
        long[] primary = new long[1];
        await("a GET answered by a new primary after SIG" + (kill ? "KILL" : "TERM") + " of " + old, () -> {
            primary[0] = load.newMemberSince(t0);
            return primary[0] != 0;
        });
        long getNs = load.firstGetNs(primary[0]).orElseThrow();
        await("a PUT acknowledged by new primary " + primary[0], () -> load.firstAckNs(primary[0]).isPresent());
        long putNs = load.firstAckNs(primary[0]).orElseThrow();
        BenchPair.Seen again = pair.awaitStatus(s -> s.isProtected() && s.primaryPid() == primary[0]
                && s.standbyPid() > 0, "protected by primary " + primary[0], WITHIN, 5_000_000L);
        check(load, ackedAtFault, "after SIG" + (kill ? "KILL" : "TERM") + " of " + old);
        await("old primary " + old + " gone", () -> !ProcStat.running(old));
        Optional<BenchPair.LogLine> took = pair.awaitLog("takeover took ", t0, LOG_WITHIN);
        Optional<BenchPair.LogLine> serving = pair.awaitLog("serving ", t0, LOG_WITHIN);
        Optional<BenchPair.Event> spawned = pair.awaitEvent(BenchPair.EventKind.SPAWNED, primary[0], t0, LOG_WITHIN);
        Optional<BenchPair.Event> attached = pair.awaitEvent(BenchPair.EventKind.ATTACHED, primary[0], t0,
                LOG_WITHIN);
        double readyMs = spawned.isPresent() && attached.isPresent()
                ? ms(attached.get().arrivalNs() - spawned.get().arrivalNs()) : Double.NaN;
        return new Results.KvTakeover(kill ? "KILL" : "TERM", ms(getNs - t0), ms(putNs - t0),
                ms(again.sentNs() - t0), took.map(l -> micros(TAKEOVER_US, l.text())).orElse(Double.NaN),
                serving.map(l -> micros(SERVING_US, l.text())).orElse(Double.NaN), readyMs,
                took.map(BenchPair.LogLine::text).orElse(""));
    }

    /** Every key holds at least the value acknowledged before the fault, read from the new primary. */
    private void check(KvLoad load, long[] ackedBefore, String when) throws IOException, InterruptedException {
        checks++;
        for (int w = 0; w < ackedBefore.length; w++) {
            if (ackedBefore[w] == 0) {
                continue;
            }
            KvLoad.Answer a = load.send("GET", KvLoad.key(w), null, WITHIN);
            long value = a.status() == 200 ? Long.parseLong(a.body()) : 0;
            if (value < ackedBefore[w]) {
                lost.add(when + ", key " + KvLoad.key(w) + " holds " + (a.status() == 200 ? value : "nothing ("
                        + a.status() + ")") + ", but " + ackedBefore[w] + " was acknowledged before the signal");
            }
        }
    }

    /** Polls every millisecond until {@code done}; throws, naming the pair's log, after a minute. */
    private void await(String what, BooleanSupplier done) throws InterruptedException {
        long start = System.nanoTime();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - start >= WITHIN.toNanos()) {
                throw new BenchException("kv pair " + pair.name + ": no " + what + " within " + WITHIN.toSeconds()
                        + " s; member log: " + pair.logFile);
            }
            TimeUnit.NANOSECONDS.sleep(POLL_NS);
        }
    }

    /** @return where this benchmark's classes, {@link FloorMain} among them, were loaded from */
    private static Path testClasses() {
        try {
            return Path.of(FloorMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new BenchException("cannot tell where the benchmark's classes are: " + e.getMessage());
        }
    }

    private static double micros(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.matches() ? Long.parseLong(m.group(1)) / 1000.0 : Double.NaN;
    }

    private static double ms(long ns) {
        return ns / 1e6;
    }
}
