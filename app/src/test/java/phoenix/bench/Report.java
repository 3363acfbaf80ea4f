package phoenix.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/** Turns the results into the Markdown report for people and the JSON document with every sample. */
final class Report {
    static final double TAKEOVER_P50_MS = 10;
    static final double TAKEOVER_P99_MS = 30;
    static final double HANG_MAX_RATIO = 1.2;
    static final double REPROTECT_P50_MS = 150;
    static final double IDLE_CPU_PCT = 1;
    static final double RSS_MB = 64;

    private final Results r;
    private final StringBuilder md = new StringBuilder();

    Report(Results r) {
        this.r = r;
    }

    /** One goal checked for one configuration. */
    record Goal(String name, String setup, double value, String limit, boolean pass) {
    }

    static String ms(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, v < 100 ? "%.1f" : "%.0f", v);
    }

    private static String ratio(double peer, double dflt) {
        double x = peer / dflt;
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return "-";
        }
        return String.format(Locale.ROOT, x >= 10 ? "%.0fx" : "%.1fx", x);
    }

    private static String verdict(boolean known, boolean pass) {
        return !known ? "-" : pass ? "PASS" : "MISS";
    }

    private static <T> Samples samples(List<T> ts, ToDoubleFunction<T> f) {
        List<Double> v = new ArrayList<>();
        ts.forEach(t -> v.add(f.applyAsDouble(t)));
        return Samples.of(v);
    }

    private static Samples hangSamples(List<Results.Hang> hs, ToDoubleFunction<Results.Hang> f) {
        List<Double> v = new ArrayList<>();
        hs.forEach(h -> v.add(f.applyAsDouble(h)));
        return Samples.of(v);
    }

    /** @return every goal, for each configuration, in the order of the table */
    List<Goal> goals() {
        List<Goal> goals = new ArrayList<>();
        for (Setup s : Setup.values()) {
            Results.Config c = r.of(s);
            for (String sig : List.of("KILL", "TERM")) {
                Samples t = samples("KILL".equals(sig) ? c.kill : c.term, Results.Takeover::latencyMs);
                goals.add(goal("SIG" + sig + " -> next number p50", s, t.median(), "<= 10 ms", v -> v <= 10));
                goals.add(goal("SIG" + sig + " -> next number p99", s, t.percentile(99), "<= 30 ms", v -> v <= 30));
            }
            Samples h = hangSamples(c.hangs, Results.Hang::latencyMs);
            goals.add(goal("SIGSTOP -> next number max / timeout", s, h.max() / s.timeoutMs, "<= 1.20",
                    v -> v <= HANG_MAX_RATIO));
            goals.add(goal("resumed primary ended by itself within 2 s", s, c.hangs.isEmpty() ? Double.NaN
                    : c.hangs.stream().filter(Results.Hang::endedWithin2s).count(), "all " + c.hangs.size(),
                    v -> v == c.hangs.size()));
            goals.add(goal("numbers printed by a resumed primary, most in one resume", s, c.hangs.stream()
                    .mapToInt(Results.Hang::printedAfterResume).max().orElse(-1), "<= 1", v -> v >= 0 && v <= 1));
            goals.add(goal("re-protection p50", s, samples(c.takeovers(), Results.Takeover::reprotectMs).median(),
                    "<= 150 ms", v -> v <= REPROTECT_P50_MS));
            goals.add(goal("false takeovers under stress", s, c.stress == null ? Double.NaN
                    : c.stress.falseTakeovers(), "0", v -> v == 0));
            goals.add(goal("idle pair CPU", s, c.idle == null ? Double.NaN : c.idle.cpuPct(), "< 1 % of a core",
                    v -> v < IDLE_CPU_PCT));
            goals.add(goal("primary RSS", s, c.idle == null ? Double.NaN : c.idle.primaryRssMb(), "< 64 MB",
                    v -> v > 0 && v < RSS_MB));
            goals.add(goal("standby RSS", s, c.idle == null ? Double.NaN : c.idle.standbyRssMb(), "< 64 MB",
                    v -> v > 0 && v < RSS_MB));
            goals.add(goal("gaps in the printed sequence", s, c.sequences.stream().filter(q -> !q.ok()).count(), "0",
                    v -> v == 0));
        }
        return goals;
    }

    private static Goal goal(String name, Setup s, double value, String limit, Predicate<Double> pass) {
        return new Goal(name, s.label, value, limit, !Double.isNaN(value) && pass.test(value));
    }

    private Goal find(List<Goal> goals, String name, Setup s) {
        return goals.stream().filter(g -> g.name().equals(name) && g.setup().equals(s.label)).findFirst()
                .orElseThrow();
    }

    // ---- Markdown -----------------------------------------------------------------------------------------

    String markdown() {
        if (r.options.kv) {
            line("# phoenix benchmark: the key-value example");
            line("");
            line("- machine: " + r.cores + " cores (nproc), " + r.cpuModel + ", " + r.os + "; load average "
                    + r.loadAtStart + " at the start, " + r.loadAtEnd + " at the end (shared machine)");
            line("- JDK: " + r.javaVersion + ", " + r.javaVm + " (the benchmark and every member)");
            line("- code: " + r.code + String.format(Locale.ROOT, "; took %.0f s", r.elapsedNs / 1e9));
            line("");
            kv();
            return md.toString();
        }
        List<Goal> goals = goals();
        Results.Config d = r.of(Setup.DEFAULT);
        Results.Config p = r.of(Setup.PEER);
        BenchOptions o = r.options;
        line("# phoenix takeover benchmark");
        line("");
        line("- machine: " + r.cores + " cores (nproc), " + r.cpuModel + ", " + r.os + "; load average "
                + r.loadAtStart + " at the start, " + r.loadAtEnd + " at the end (shared machine)");
        line("- JDK: " + r.javaVersion + ", " + r.javaVm + " (the benchmark and every member)");
        line("- code: " + r.code + " (one copy of app/target/phoenix.jar for the whole run)");
        line(String.format(Locale.ROOT, "- run: %s; default %d SIGKILL + %d SIGTERM + %d SIGSTOP takeovers, "
                + "peer-like %d + %d + %d; %d s of stress; %d s idle; took %.0f s", o.mode(), d.kill.size(),
                d.term.size(), d.hangs.size(), p.kill.size(), p.term.size(), p.hangs.size(), o.stressSeconds,
                o.idleSeconds, r.elapsedNs / 1e9));
        line("- default: `--interval 10ms` (heartbeat 100 ms x 5 misses = 500 ms; a dead primary is noticed by "
                + "its closed watch socket)");
        line("- peer-like: `--interval 10ms --heartbeat 1s --misses 3 --heartbeat-only` (3000 ms; silence alone)");
        line("- takeover: the primary is signalled (kill(2) from the benchmark for SIGKILL/SIGTERM, kill(1) for "
                + "SIGSTOP) right after a number arrives, once the pair is protected"
                + " and then `--settle-ms " + settles() + "` ms more, in turn; the figure runs to the next "
                + "line arriving on the pair's stdout pipe. Percentiles by nearest rank (p99 of 30 = the largest)."
                + " Stress runs both configurations side by side; so does idle, with pairs started after the "
                + "default takeovers and measured after the stress phase, once they have run at least 45 s.");
        line("");
        floorTable(d);
        spareTable();
        line("## Both configurations side by side (every settle time together)");
        line("");
        line("| measure | default | peer-like | peer / default | goal | default | peer-like |");
        line("|---|---:|---:|---:|---|:-:|:-:|");
        for (String sig : List.of("KILL", "TERM")) {
            Samples ds = samples("KILL".equals(sig) ? d.kill : d.term, Results.Takeover::latencyMs);
            Samples ps = samples("KILL".equals(sig) ? p.kill : p.term, Results.Takeover::latencyMs);
            String what = "SIG" + sig + " -> next number, ";
            row(what + "min (ms)", ds.min(), ps.min(), "", null, goals);
            row(what + "p50 (ms)", ds.median(), ps.median(), "<= 10 ms", "SIG" + sig + " -> next number p50",
                    goals);
            row(what + "p99 (ms)", ds.percentile(99), ps.percentile(99), "<= 30 ms",
                    "SIG" + sig + " -> next number p99", goals);
            row(what + "max (ms)", ds.max(), ps.max(), "", null, goals);
        }
        Samples dh = hangSamples(d.hangs, Results.Hang::latencyMs);
        Samples ph = hangSamples(p.hangs, Results.Hang::latencyMs);
        row("SIGSTOP: takeover timeout (ms)", Setup.DEFAULT.timeoutMs, Setup.PEER.timeoutMs, "", null, goals);
        row("SIGSTOP -> next number, p50 (ms)", dh.median(), ph.median(), "", null, goals);
        row("SIGSTOP -> next number, max (ms)", dh.max(), ph.max(), "<= timeout + 20 %",
                "SIGSTOP -> next number max / timeout", goals);
        cells("SIGSTOP -> next number, max / timeout", ratioCell(dh.max(), Setup.DEFAULT),
                ratioCell(ph.max(), Setup.PEER), "", "<= 1.20", goals, "SIGSTOP -> next number max / timeout");
        cells("SIGCONT: paused primary ended by itself within 2 s", ended(d), ended(p), "", "all", goals,
                "resumed primary ended by itself within 2 s");
        cells("SIGCONT: numbers the resumed primary printed, most in one resume", printed(d), printed(p), "",
                "<= 1", goals, "numbers printed by a resumed primary, most in one resume");
        Samples dr = samples(d.takeovers(), Results.Takeover::reprotectMs);
        Samples pr = samples(p.takeovers(), Results.Takeover::reprotectMs);
        row("re-protection (first number -> status protected), p50 (ms)", dr.median(), pr.median(), "<= 150 ms",
                "re-protection p50", goals);
        row("re-protection, max (ms)", dr.max(), pr.max(), "", null, goals);
        if (d.stress != null && p.stress != null) {
            cells(String.format(Locale.ROOT, "false takeovers, %d s with %d busy loops (they got %.0f %% of a "
                    + "core)", o.stressSeconds, d.stress.busyLoops(), d.stress.busyLoopCpuPct()),
                    String.valueOf(d.stress.falseTakeovers()), String.valueOf(p.stress.falseTakeovers()), "", "0",
                    goals, "false takeovers under stress");
            row("under stress: longest pause between two numbers (ms)", d.stress.longestPauseMs(),
                    p.stress.longestPauseMs(), "", null, goals);
            cells("under stress: status polls finding the pair unprotected", d.stress.unprotectedPolls() + " of "
                    + d.stress.polls(), p.stress.unprotectedPolls() + " of " + p.stress.polls(), "", "", goals, null);
        }
        if (d.idle != null && p.idle != null) {
            cells(String.format(Locale.ROOT, "idle pair (--interval 1s, %d s from %.0f s after start), CPU of both "
                    + "members (%% of one core)", o.idleSeconds, d.idle.warmedSeconds()), pct(d.idle.cpuPct()),
                    pct(p.idle.cpuPct()), ratio(p.idle.cpuPct(), d.idle.cpuPct()), "< 1 %", goals,
                    "idle pair CPU");
            cells("idle pair: primary / standby CPU (% of one core)", pct(d.idle.primaryCpuPct()) + " / "
                    + pct(d.idle.standbyCpuPct()), pct(p.idle.primaryCpuPct()) + " / "
                    + pct(p.idle.standbyCpuPct()), "", "", goals, null);
            cells("idle pair: of that, the members' own threads / the JIT compiler threads", pct(d.idle
                    .mainThreadsCpuPct()) + " / " + pct(d.idle.jitCpuPct()), pct(p.idle.mainThreadsCpuPct()) + " / "
                    + pct(p.idle.jitCpuPct()), "", "", goals, null);
            row("primary RSS (MB)", d.idle.primaryRssMb(), p.idle.primaryRssMb(), "< 64 MB", "primary RSS", goals);
            row("standby RSS (MB)", d.idle.standbyRssMb(), p.idle.standbyRssMb(), "< 64 MB", "standby RSS", goals);
        }
        cells("old primary printed after the signal, samples: SIGKILL / SIGTERM / SIGSTOP", late(d), late(p), "", "",
                goals, null);
        cells("duplicates (numbers printed twice), all pairs", String.valueOf(duplicates(d)),
                String.valueOf(duplicates(p)), "", "", goals, null);
        cells("gaps (a number skipped), all pairs", String.valueOf(gaps(d)), String.valueOf(gaps(p)), "", "0",
                goals, "gaps in the printed sequence");
        line("");
        breakdown(d, p);
        histograms(d, p);
        sequences();
        notes(d, p);
        kv();
        return md.toString();
    }

    /** The key-value example's takeovers under writes, when they were measured. */
    private void kv() {
        Results.KvWrites w = r.kvWrites;
        if (w == null) {
            return;
        }
        List<Results.KvTakeover> ts = r.kvTakeovers;
        line("## The key-value example: takeovers under writes");
        line("");
        line(String.format(Locale.ROOT, "- pair `%s` (`examples/kv`, phoenix's defaults: heartbeat 100 ms x 5 "
                + "misses) with %d writers, each a PUT of its own key every 5 ms, and a prober, a GET every 1 ms "
                + "(a connection per request; a refused or failed one is tried again after the same pause); the "
                + "primary SIGKILLed %d times and SIGTERMed %d times, each once the pair was protected again and 20 "
                + "more PUTs were acknowledged; a PUT is acknowledged (204) once the standby holds it.", w.pair(),
                w.writers(),
                kvOf("KILL").size(), kvOf("TERM").size()));
        line("- the gap runs from the signal (kill(2) from the benchmark) to the new primary's first answer, "
                + "told by its pid in the `Kv-Pid` header; percentiles by nearest rank.");
        line("");
        line("| measure | n | p50 (ms) | p99 (ms) | max (ms) | goal | result |");
        line("|---|---:|---:|---:|---:|---|:-:|");
        floorRow("death floor, beside the takeovers: idle JVM SIGKILLed -> EOF on its Unix-domain connection",
                Samples.of(r.kvDeathFloorMs), "", null);
        for (String sig : List.of("KILL", "TERM")) {
            Samples get = samples(kvOf(sig), Results.KvTakeover::getMs);
            floorRow("SIG" + sig + " -> next answered GET", get, "p50 <= 30",
                    get.median() <= KvBench.GET_P50_GOAL_MS);
            floorRow("SIG" + sig + " -> next acknowledged PUT (waits for a new standby)",
                    samples(kvOf(sig), Results.KvTakeover::putMs), "", null);
        }
        floorRow("signal -> status protected again", samples(ts, Results.KvTakeover::protectedMs), "", null);
        floorRow("new primary's own account: primary seen gone -> the service's start returned", samples(ts,
                Results.KvTakeover::takeoverMs), "", null);
        floorRow("of it, the service's start (HTTP server bound and started)", samples(ts,
                Results.KvTakeover::startMs), "", null);
        floorRow("new standby: spawned -> attached and ready (its start-up)", samples(ts,
                Results.KvTakeover::standbyReadyMs), "", null);
        line(String.format(Locale.ROOT, "| acknowledged writes lost or gone back (%d PUTs acknowledged, %d refused; "
                + "every key read back %d times) | %d | | | | 0 | %s |", w.acks(), w.refusals(), w.checks(),
                w.lost().size(), w.lost().isEmpty() ? "PASS" : "MISS"));
        line("");
        w.lost().forEach(l -> line("- LOST: " + l));
        if (!w.lost().isEmpty()) {
            line("");
        }
        insideTakeover(ts.stream().map(Results.KvTakeover::takeoverTimes).filter(t -> !t.isEmpty()).toList(),
                "the service's start returns");
    }

    private List<Results.KvTakeover> kvOf(String signal) {
        return r.kvTakeovers.stream().filter(t -> t.signal().equals(signal)).toList();
    }

    private String settles() {
        StringBuilder b = new StringBuilder();
        for (int v : r.options.settleMs) {
            b.append(b.length() > 0 ? "," : "").append(v);
        }
        return b.toString();
    }

    /** The floors, and the default configuration's takeover and start figures beside them with issue 8's goals. */
    private void floorTable(Results.Config d) {
        Samples death = Samples.of(r.deathFloorMs);
        Samples start = Samples.of(r.startFloorMs);
        line("## Against the floors (default configuration)");
        line("");
        line("JVM flags of the floors, read from a running member: `" + r.floorFlags + "`");
        line("");
        line("| measure | n | p50 (ms) | p99 (ms) | max (ms) | goal | result |");
        line("|---|---:|---:|---:|---:|---|:-:|");
        floorRow("death floor: idle JVM SIGKILLed -> EOF on its Unix-domain connection", death, "", null);
        floorRow("a member's own death: the primary SIGKILLed -> EOF on a connection to its control socket (in turn "
                + "with the death floor; a larger process to end; the SIGKILL rows below include it)",
                Samples.of(r.memberDeathMs), "", null);
        floorRow("start floor: spawn -> first line of an empty main", start, "", null);
        floorRow("Java's least takeover: a JVM waiting in a selector on a Unix-domain connection (a byte every 10 ms) "
                + "claims a file (O_CREAT|O_EXCL) and prints a line at its end-of-stream; kill -> line",
                Samples.of(r.javaTakeoverMs), "", null);
        floorRow("Java's least SIGTERM takeover: the same, the other JVM sent SIGTERM, its handler (through "
                + "sun.misc.Signal, as a member's) ending its side of the connection; kill -> line",
                Samples.of(r.javaTermTakeoverMs), "", null);
        floorRow("Java's least start: spawn -> a line after a selector, the UDP port bound, a Unix-domain socket "
                + "listening and a file claimed (no class-data archive of its own, as the start floor)",
                Samples.of(r.javaStartMs), "", null);
        Samples archived = Samples.of(r.javaStartArchivedMs);
        floorRow("Java's least start with a class-data archive of its own (an AppCDS archive; on JDK 25 an AOT cache), "
                + "made by a training run as run-phoenix.sh makes the members'", archived,
                "the start goal: p50 <= " + ms(start.median() + 40) + " (start floor + 40)",
                archived.median() <= start.median() + 40);
        takeoverRows(d, death, start);
        double startGoal = start.median() + 40;
        Samples fresh = Samples.of(r.freshStartMs());
        floorRow("fresh start (no pair running): spawn -> first number", fresh,
                "p50 <= " + ms(startGoal) + " (start floor + 40)", fresh.median() <= startGoal);
        line("");
        line("Fresh starts run the member's java command line directly: `" + r.memberCommand + " run ...`.");
        line("");
        archive();
        insideTakeover(d.takeoverTimes, "the step returns its number");
    }

    /**
     * The SIGKILL and SIGTERM rows by settle time and the re-protection row of {@code c}, each against its goal
     * from the floors.
     */
    private void takeoverRows(Results.Config c, Samples death, Samples start) {
        for (String sig : List.of("KILL", "TERM")) {
            for (int settle : r.options.settleMs) {
                List<Results.Takeover> ts = ("KILL".equals(sig) ? c.kill : c.term).stream()
                        .filter(t -> t.settleMs() == settle).toList();
                Samples s = samples(ts, Results.Takeover::latencyMs);
                String name = "SIG" + sig + " -> next number, " + settle + " ms after protected";
                if ("KILL".equals(sig)) {
                    double p50 = death.median() + 2;
                    double p99 = death.percentile(99) + 8;
                    floorRow(name, s, String.format(Locale.ROOT, "p50 <= %s, p99 <= %s (floor + 2, + 8)", ms(p50),
                            ms(p99)), s.median() <= p50 && s.percentile(99) <= p99);
                } else {
                    floorRow(name, s, "p50 <= 4", s.median() <= 4);
                }
            }
        }
        double startGoal = start.median() + 40;
        Samples re = samples(c.takeovers(), Results.Takeover::reprotectMs);
        floorRow("re-protection: first number -> status protected (all takeovers)", re,
                "p50 <= " + ms(startGoal) + " (start floor + 40)", re.median() <= startGoal);
    }

    /** The default configuration again with a spare ({@code --spare on}), against the same floors. */
    private void spareTable() {
        Results.Config c = r.spare;
        if (c.kill.isEmpty() && c.term.isEmpty()) {
            return;
        }
        Samples death = Samples.of(r.deathFloorMs);
        Samples start = Samples.of(r.startFloorMs);
        line("## With a spare (`--spare on`), against the same floors");
        line("");
        line("The default configuration with a third member, started and prepared ahead, that becomes the standby "
                + "when the standby takes over; the standby then spawns the next spare in the background. Measured "
                + "right after the default's takeovers, the same way.");
        line("");
        line("| measure | n | p50 (ms) | p99 (ms) | max (ms) | goal | result |");
        line("|---|---:|---:|---:|---:|---|:-:|");
        takeoverRows(c, death, start);
        floorRow("... of them, the status before the signal named a prepared spare", samples(c.takeovers().stream()
                .filter(Results.Takeover::spareReady).toList(), Results.Takeover::reprotectMs), "", null);
        floorRow("... of them, the next spare was still starting (the rest of its start)", samples(c.takeovers()
                .stream().filter(t -> !t.spareReady()).toList(), Results.Takeover::reprotectMs), "", null);
        line("");
        line(String.format(Locale.ROOT, "The spare while it waits (10 s, every thread): %s %% of a core; RSS %s MB. "
                + "Gaps in this pair's sequence: %d.", Double.isNaN(r.spareCpuPct) ? "not measured"
                : String.format(Locale.ROOT, "%.3f", r.spareCpuPct), Double.isNaN(r.spareRssMb) ? "not measured"
                : String.format(Locale.ROOT, "%.1f", r.spareRssMb), c.sequences.stream().filter(q -> !q.ok())
                .count()));
        line("");
        insideTakeover(c.takeoverTimes, "the step returns its number");
    }

    /**
     * The fresh starts with and without run-phoenix.sh's class-data archive, measured in turn in the same run;
     * with no archive in the member's command line there is one column.
     */
    private void archive() {
        boolean both = !r.freshStartsNoArchive.isEmpty();
        line("Start-up with " + (both ? "and without " : "") + "run-phoenix.sh's class-data archive (p50 ms, n="
                + r.freshStarts.size() + (both ? " each, in turn" : "; the member's command has no archive")
                + "; p99 in brackets):");
        line("");
        line(both ? "| measure | with the archive | without | with / without |" : "| measure | p50 (p99) |");
        line(both ? "|---|---:|---:|---:|" : "|---|---:|");
        archiveRow("fresh start: spawn -> first number", Results.Start::firstNumberMs);
        archiveRow("fresh start: spawn -> protected (its standby started, READY, attached)",
                Results.Start::protectedMs);
        archiveRow("SIGKILL takeover: next number -> protected again (a new standby's start -> READY)",
                Results.Start::reprotectMs);
        line("");
    }

    private void archiveRow(String name, ToDoubleFunction<Results.Start> f) {
        Samples with = samples(r.freshStarts, f);
        if (r.freshStartsNoArchive.isEmpty()) {
            line("| " + name + " | " + ms(with.median()) + " (" + ms(with.percentile(99)) + ") |");
            return;
        }
        Samples without = samples(r.freshStartsNoArchive, f);
        line("| " + name + " | " + ms(with.median()) + " (" + ms(with.percentile(99)) + ") | "
                + ms(without.median()) + " (" + ms(without.percentile(99)) + ") | "
                + String.format(Locale.ROOT, "%.2f", with.median() / without.median()) + " |");
    }

    /**
     * The steps of "takeover took" log lines, by name in their order, in ms: the total first, then each step. A step
     * can be negative (a clock read in another order than the steps', see TakeoverTimes#describe), and is kept so.
     *
     * @param takeoverTimes the lines' text from "takeover took" on
     * @param done what the first step's end is, for the total's name
     */
    static Map<String, List<Double>> stepsOf(List<String> takeoverTimes, String done) {
        Map<String, List<Double>> steps = new LinkedHashMap<>();
        java.util.regex.Pattern step = java.util.regex.Pattern.compile(
                "([^,;:]+?) (-?\\d+)(?: beside it| after it)?(?=[,;]|$)");
        for (String text : takeoverTimes) {
            int from = text.indexOf("us: ");
            if (from < 0) {
                continue;
            }
            steps.computeIfAbsent("total: the loop sees the primary gone -> " + done,
                    k -> new ArrayList<>()).add(Double.parseDouble(text.substring(14, from).trim()) / 1000);
            java.util.regex.Matcher m = step.matcher(text.substring(from + 4));
            while (m.find()) {
                steps.computeIfAbsent(m.group(1).trim(), k -> new ArrayList<>())
                        .add(Double.parseDouble(m.group(2)) / 1000);
            }
        }
        return steps;
    }

    /**
     * The medians of the steps the new primaries report in their "takeover took" log lines.
     *
     * @param takeoverTimes the lines
     * @param done what the first step's end is, for the total's name
     */
    private void insideTakeover(List<String> takeoverTimes, String done) {
        Map<String, List<Double>> steps = stepsOf(takeoverTimes, done);
        if (steps.isEmpty()) {
            return;
        }
        line("Inside the new primary (its own clock, from its \"takeover took\" log line; p50 / max, ms, n="
                + takeoverTimes.size() + "):");
        line("");
        line("| step | p50 | max |");
        line("|---|---:|---:|");
        steps.forEach((k, v) -> line("| " + k + " | " + String.format(Locale.ROOT, "%.2f", Samples.of(v).median())
                + " | " + String.format(Locale.ROOT, "%.2f", Samples.of(v).max()) + " |"));
        line("");
    }

    private void floorRow(String name, Samples s, String goal, Boolean pass) {
        line("| " + name + " | " + s.size() + " | " + ms(s.median()) + " | " + ms(s.percentile(99)) + " | "
                + ms(s.max()) + " | " + goal + " | " + (pass == null ? "" : s.size() == 0 ? "-" : pass ? "PASS"
                : "MISS") + " |");
    }

    private void breakdown(Results.Config d, Results.Config p) {
        line("## Where the time goes (p50, ms; member log lines timed as they arrive on the pair's stderr)");
        line("");
        line("| step | default SIGKILL | default SIGTERM | peer-like SIGKILL | peer-like SIGTERM |");
        line("|---|---:|---:|---:|---:|");
        breakdownRow("signal -> old primary logs that it ends (once its successor's first number is out, or 200 ms)",
                Results.Takeover::signalLoggedMs, d, p);
        breakdownRow("signal -> standby logs WATCHING -> PROMOTED (detection)", Results.Takeover::detectedMs, d, p);
        breakdownRow("signal -> new primary logs that it is the primary (after its first number)",
                Results.Takeover::promotedMs, d, p);
        breakdownRow("signal -> first number arrives (takeover)", Results.Takeover::latencyMs, d, p);
        breakdownRow("first number -> new primary logs the standby spawned", Results.Takeover::spawnedMs, d, p);
        breakdownRow("first number -> new primary logs the standby attached", Results.Takeover::attachedMs, d, p);
        breakdownRow("first number -> status says protected (re-protection)", Results.Takeover::reprotectMs, d, p);
        line("");
        line(String.format(Locale.ROOT, "SIGSTOP: signal -> standby logs WATCHING -> PROMOTED, p50: default %s ms "
                + "(timeout %d), peer-like %s ms (timeout %d); kill(1) itself took p50 %s ms.",
                ms(hangSamples(d.hangs, Results.Hang::detectedMs).median()), Setup.DEFAULT.timeoutMs,
                ms(hangSamples(p.hangs, Results.Hang::detectedMs).median()), Setup.PEER.timeoutMs,
                ms(Samples.of(r.killCommandMs).median())));
        line("");
        line(String.format(Locale.ROOT, "For reference, a bare JVM with the standby's own command line and `--help` "
                + "starts and ends in p50 %s ms here (n=%d): the floor under re-protection.",
                ms(Samples.of(r.jvmStartMs).median()), r.jvmStartMs.size()));
        line("");
    }

    private void breakdownRow(String name, ToDoubleFunction<Results.Takeover> f, Results.Config d,
            Results.Config p) {
        line("| " + name + " | " + ms(samples(d.kill, f).median()) + " | " + ms(samples(d.term, f).median()) + " | "
                + ms(samples(p.kill, f).median()) + " | " + ms(samples(p.term, f).median()) + " |");
    }

    private void histograms(Results.Config d, Results.Config p) {
        line("## Histograms");
        line("");
        line("```");
        for (Results.Config c : List.of(d, p)) {
            for (String sig : List.of("KILL", "TERM")) {
                samples("KILL".equals(sig) ? c.kill : c.term, Results.Takeover::latencyMs)
                        .histogram("SIG" + sig + " -> next number, " + c.setup.label).forEach(this::line);
                line("");
            }
            hangSamples(c.hangs, Results.Hang::latencyMs).histogram("SIGSTOP -> next number, " + c.setup.label
                    + " (timeout " + c.setup.timeoutMs + " ms)").forEach(this::line);
            line("");
        }
        samples(d.takeovers(), Results.Takeover::reprotectMs).histogram("re-protection, default")
                .forEach(this::line);
        line("```");
        line("");
    }

    private void sequences() {
        line("## Printed sequences");
        line("");
        line("| pair | lines | last number | duplicates | check |");
        line("|---|---:|---:|---:|---|");
        for (Results.Config c : r.configs.values()) {
            for (SequenceCheck q : c.sequences) {
                line("| " + q.pair() + " | " + q.lines() + " | " + q.max() + " | " + q.duplicates() + " | "
                        + (q.ok() ? "no gap" : "GAP: " + q.problem()) + " |");
            }
        }
        line("");
    }

    private void notes(Results.Config d, Results.Config p) {
        long unattributed = d.takeovers().stream().filter(t -> !t.attributed()).count()
                + p.takeovers().stream().filter(t -> !t.attributed()).count()
                + d.hangs.stream().filter(h -> !h.attributed()).count()
                + p.hangs.stream().filter(h -> !h.attributed()).count();
        line("- the takeover ends at the new primary's first number, found by the count it announces in its log "
                + "(\"continuing after step C\": it prints C + 1 first); numbers the old primary printed after the "
                + "signal are counted as late, not as the takeover"
                + (unattributed > 0 ? "; in " + unattributed + " takeover(s) that log line was missing and the first "
                + "line after the signal was taken" : ""));
        r.phaseNs.forEach((k, v) -> md.append(String.format(Locale.ROOT, "- phase %s: %.0f s%n", k, v / 1e9)));
        line("- raw samples: " + r.options.json + "; member logs: app/target/bench-logs/");
    }

    private static String ratioCell(double maxMs, Setup s) {
        return Double.isNaN(maxMs) ? "-" : String.format(Locale.ROOT, "%.2f", maxMs / s.timeoutMs);
    }

    private static String late(Results.Config c) {
        return c.kill.stream().filter(t -> t.late() > 0).count() + " / " + c.term.stream().filter(t -> t.late() > 0)
                .count() + " / " + c.hangs.stream().filter(h -> h.late() > 0).count();
    }

    private static String ended(Results.Config c) {
        return c.hangs.stream().filter(Results.Hang::endedWithin2s).count() + " of " + c.hangs.size();
    }

    private static String printed(Results.Config c) {
        return c.hangs.isEmpty() ? "-" : String.valueOf(c.hangs.stream().mapToInt(Results.Hang::printedAfterResume)
                .max().orElse(0));
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static long duplicates(Results.Config c) {
        return c.sequences.stream().mapToLong(SequenceCheck::duplicates).sum();
    }

    private static long gaps(Results.Config c) {
        return c.sequences.stream().filter(q -> !q.ok()).count();
    }

    private void row(String name, double dv, double pv, String goal, String goalName, List<Goal> goals) {
        cells(name, ms(dv), ms(pv), ratio(pv, dv), goal, goals, goalName);
    }

    private void cells(String name, String dv, String pv, String ratio, String goal, List<Goal> goals,
            String goalName) {
        String dVerdict = "";
        String pVerdict = "";
        if (goalName != null) {
            Goal dg = find(goals, goalName, Setup.DEFAULT);
            Goal pg = find(goals, goalName, Setup.PEER);
            dVerdict = verdict(!Double.isNaN(dg.value()), dg.pass());
            pVerdict = verdict(!Double.isNaN(pg.value()), pg.pass());
        }
        line("| " + name + " | " + dv + " | " + pv + " | " + ratio + " | " + goal + " | " + dVerdict + " | "
                + pVerdict + " |");
    }

    private void line(String s) {
        md.append(s).append('\n');
    }

    // ---- JSON ---------------------------------------------------------------------------------------------

    String json() {
        Map<String, Object> doc = new LinkedHashMap<>();
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("nproc", r.cores);
        machine.put("cpuModel", r.cpuModel);
        machine.put("os", r.os);
        machine.put("loadAverageStart", r.loadAtStart);
        machine.put("loadAverageEnd", r.loadAtEnd);
        doc.put("machine", machine);
        doc.put("jdk", Map.of("javaVersion", r.javaVersion, "vmName", r.javaVm));
        doc.put("code", r.code);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("mode", r.options.mode());
        run.put("startedEpochMs", r.startedMillis);
        run.put("elapsedSeconds", r.elapsedNs / 1e9);
        run.put("takeoversPerSignal", r.options.takeovers);
        run.put("peerTakeoversPerSignal", r.options.peerTakeovers);
        run.put("hangs", r.options.hangs);
        run.put("peerHangs", r.options.peerHangs);
        run.put("stressSeconds", r.options.stressSeconds);
        run.put("idleSeconds", r.options.idleSeconds);
        Map<String, Object> phases = new LinkedHashMap<>();
        r.phaseNs.forEach((k, v) -> phases.put(k, v / 1e9));
        run.put("phaseSeconds", phases);
        run.put("settleMs", settles());
        Map<String, Object> floors = new LinkedHashMap<>();
        floors.put("jvmFlags", r.floorFlags);
        floors.put("memberCommand", r.memberCommand);
        floors.put("deathFloorMs", stats(Samples.of(r.deathFloorMs)));
        floors.put("memberDeathMs", stats(Samples.of(r.memberDeathMs)));
        floors.put("startFloorMs", stats(Samples.of(r.startFloorMs)));
        floors.put("javaTakeoverMs", stats(Samples.of(r.javaTakeoverMs)));
        floors.put("javaTermTakeoverMs", stats(Samples.of(r.javaTermTakeoverMs)));
        floors.put("javaStartMs", stats(Samples.of(r.javaStartMs)));
        floors.put("javaStartArchivedMs", stats(Samples.of(r.javaStartArchivedMs)));
        floors.put("freshStartMs", stats(Samples.of(r.freshStartMs())));
        Map<String, Object> archive = new LinkedHashMap<>();
        for (boolean with : new boolean[] {true, false}) {
            List<Results.Start> starts = with ? r.freshStarts : r.freshStartsNoArchive;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("firstNumberMs", stats(samples(starts, Results.Start::firstNumberMs)));
            m.put("protectedMs", stats(samples(starts, Results.Start::protectedMs)));
            m.put("reprotectMs", stats(samples(starts, Results.Start::reprotectMs)));
            archive.put(with ? "withArchive" : "withoutArchive", m);
        }
        floors.put("freshStarts", archive);
        run.put("floors", floors);
        run.put("killCommandMs", r.killCommandMs);
        run.put("jvmStartReferenceMs", r.jvmStartMs);
        doc.put("run", run);
        if (r.options.kv) {
            run.keySet().retainAll(List.of("mode", "startedEpochMs", "elapsedSeconds", "phaseSeconds"));
            run.put("only", "key-value example");
            doc.put("kv", kvJson());
            return Json.write(doc);
        }
        Map<String, Object> configs = new LinkedHashMap<>();
        for (Results.Config c : r.configs.values()) {
            configs.put(c.setup.name().toLowerCase(Locale.ROOT), config(c));
        }
        Map<String, Object> spare = config(r.spare);
        spare.put("label", "default with a spare");
        spare.put("options", String.join(" ", Setup.DEFAULT.withInterval("10ms")) + " --spare on");
        spare.put("spareCpuPct", r.spareCpuPct);
        spare.put("spareRssMb", r.spareRssMb);
        configs.put("spare", spare);
        doc.put("configurations", configs);
        List<Object> goals = new ArrayList<>();
        for (Goal g : goals()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("goal", g.name());
            m.put("configuration", g.setup());
            m.put("value", g.value());
            m.put("limit", g.limit());
            m.put("result", Double.isNaN(g.value()) ? "not measured" : g.pass() ? "PASS" : "MISS");
            goals.add(m);
        }
        doc.put("goals", goals);
        doc.put("sequenceOk", r.sequencesOk());
        if (r.kvWrites != null) {
            doc.put("kv", kvJson());
        }
        return Json.write(doc);
    }

    private Map<String, Object> kvJson() {
        Results.KvWrites w = r.kvWrites;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pair", w == null ? null : w.pair());
        m.put("writers", KvBench.WRITERS);
        for (String sig : List.of("KILL", "TERM")) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("nextGetMs", stats(samples(kvOf(sig), Results.KvTakeover::getMs)));
            g.put("nextAcknowledgedPutMs", stats(samples(kvOf(sig), Results.KvTakeover::putMs)));
            m.put("sig" + sig.toLowerCase(Locale.ROOT), g);
        }
        m.put("nextGetP50GoalMs", KvBench.GET_P50_GOAL_MS);
        m.put("deathFloorMs", stats(Samples.of(r.kvDeathFloorMs)));
        m.put("protectedAgainMs", stats(samples(r.kvTakeovers, Results.KvTakeover::protectedMs)));
        m.put("takeoverMs", stats(samples(r.kvTakeovers, Results.KvTakeover::takeoverMs)));
        m.put("serviceStartMs", stats(samples(r.kvTakeovers, Results.KvTakeover::startMs)));
        m.put("standbyReadyMs", stats(samples(r.kvTakeovers, Results.KvTakeover::standbyReadyMs)));
        if (w != null) {
            m.put("acknowledgedPuts", w.acks());
            m.put("refusedPuts", w.refusals());
            m.put("readBacks", w.checks());
            m.put("noAcknowledgedWriteLost", w.lost().isEmpty());
            m.put("lost", w.lost());
        }
        m.put("samples", list(r.kvTakeovers, t -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("signal", t.signal());
            s.put("nextGetMs", t.getMs());
            s.put("nextAcknowledgedPutMs", t.putMs());
            s.put("protectedAgainMs", t.protectedMs());
            s.put("takeoverMs", t.takeoverMs());
            s.put("serviceStartMs", t.startMs());
            s.put("standbyReadyMs", t.standbyReadyMs());
            s.put("takeoverTook", t.takeoverTimes());
            return s;
        }));
        return m;
    }

    private Map<String, Object> config(Results.Config c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", c.setup.label);
        m.put("options", String.join(" ", c.setup.withInterval("10ms")));
        m.put("takeoverTimeoutMs", c.setup.timeoutMs);
        m.put("sigkill", takeovers(c.kill));
        m.put("sigterm", takeovers(c.term));
        Map<String, Object> hang = new LinkedHashMap<>();
        hang.put("latencyMs", stats(hangSamples(c.hangs, Results.Hang::latencyMs)));
        hang.put("maxOverTimeout", hangSamples(c.hangs, Results.Hang::latencyMs).max() / c.setup.timeoutMs);
        hang.put("samples", list(c.hangs, h -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("latencyMs", h.latencyMs());
            s.put("detectedMs", h.detectedMs());
            s.put("reprotectMs", h.reprotectMs());
            s.put("stopCommandMs", h.stopCommandMs());
            s.put("endedWithin2s", h.endedWithin2s());
            s.put("endedMs", h.endedMs());
            s.put("printedAfterResume", h.printedAfterResume());
            s.put("attributed", h.attributed());
            s.put("lateNumbersOfOldPrimary", h.late());
            return s;
        }));
        m.put("sigstop", hang);
        m.put("reprotectMs", stats(samples(c.takeovers(), Results.Takeover::reprotectMs)));
        if (c.stress != null) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("seconds", c.stress.seconds());
            s.put("busyLoops", c.stress.busyLoops());
            s.put("busyLoopCpuPct", c.stress.busyLoopCpuPct());
            s.put("falseTakeovers", c.stress.falseTakeovers());
            s.put("promotionsLogged", c.stress.promotionsLogged());
            s.put("standbysKilledForSilence", c.stress.standbysKilled());
            s.put("unprotectedPolls", c.stress.unprotectedPolls());
            s.put("polls", c.stress.polls());
            s.put("numbers", c.stress.numbers());
            s.put("longestPauseMs", c.stress.longestPauseMs());
            m.put("stress", s);
        }
        if (c.idle != null) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("seconds", c.idle.seconds());
            s.put("warmedSeconds", c.idle.warmedSeconds());
            s.put("cpuPctOfOneCore", c.idle.cpuPct());
            s.put("primaryCpuPct", c.idle.primaryCpuPct());
            s.put("standbyCpuPct", c.idle.standbyCpuPct());
            s.put("mainThreadsCpuPct", c.idle.mainThreadsCpuPct());
            s.put("jitCpuPct", c.idle.jitCpuPct());
            s.put("primaryRssMb", c.idle.primaryRssMb());
            s.put("standbyRssMb", c.idle.standbyRssMb());
            s.put("samePidsThroughout", c.idle.samePids());
            m.put("idle", s);
        }
        m.put("sequences", list(c.sequences, q -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("pair", q.pair());
            s.put("lines", q.lines());
            s.put("max", q.max());
            s.put("duplicates", q.duplicates());
            s.put("gap", q.ok() ? null : q.problem());
            return s;
        }));
        return m;
    }

    private static Map<String, Object> takeovers(List<Results.Takeover> ts) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("latencyMs", stats(samples(ts, Results.Takeover::latencyMs)));
        m.put("reprotectMs", stats(samples(ts, Results.Takeover::reprotectMs)));
        Map<String, Object> breakdown = new LinkedHashMap<>();
        breakdown.put("signalLoggedMs", samples(ts, Results.Takeover::signalLoggedMs).median());
        breakdown.put("detectedMs", samples(ts, Results.Takeover::detectedMs).median());
        breakdown.put("promotedMs", samples(ts, Results.Takeover::promotedMs).median());
        breakdown.put("spawnedAfterTakeoverMs", samples(ts, Results.Takeover::spawnedMs).median());
        breakdown.put("attachedAfterTakeoverMs", samples(ts, Results.Takeover::attachedMs).median());
        m.put("breakdownP50", breakdown);
        m.put("unattributed", ts.stream().filter(t -> !t.attributed()).count());
        m.put("samplesWithLateNumbers", ts.stream().filter(t -> t.late() > 0).count());
        m.put("samples", list(ts, t -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("settleMs", t.settleMs());
            s.put("latencyMs", t.latencyMs());
            s.put("reprotectMs", t.reprotectMs());
            s.put("signalLoggedMs", t.signalLoggedMs());
            s.put("detectedMs", t.detectedMs());
            s.put("promotedMs", t.promotedMs());
            s.put("spawnedMs", t.spawnedMs());
            s.put("attachedMs", t.attachedMs());
            s.put("attributed", t.attributed());
            s.put("lateNumbersOfOldPrimary", t.late());
            s.put("spareReady", t.spareReady());
            return s;
        }));
        return m;
    }

    private static Map<String, Object> stats(Samples s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", s.size());
        m.put("min", s.min());
        m.put("p50", s.median());
        m.put("p99", s.percentile(99));
        m.put("max", s.max());
        m.put("values", s.values());
        return m;
    }

    private static <T> List<Object> list(List<T> items, Function<T, Map<String, Object>> f) {
        List<Object> out = new ArrayList<>();
        items.forEach(i -> out.add(f.apply(i)));
        return out;
    }
}
