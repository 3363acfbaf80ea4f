package phoenix.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import phoenix.testing.Kill;
import phoenix.testing.Ports;
import phoenix.testing.Sequence;
import phoenix.testing.cluster.Netns;
import phoenix.testing.cluster.PairHosts;
import phoenix.testing.cluster.PairHosts.Line;
import phoenix.testing.cluster.PairHosts.Primary;

/**
 * The rows across hosts ({@code run-phoenix.sh bench --hosts}), issue 10's figures: a pair with {@code
 * --coordinator} and {@code --bind} on three hosts beside a 3-server ZooKeeper ensemble ({@link PairHosts}: network
 * namespaces {@code pbh*} on 10.231.0.0/24, 2 s sessions, a number every 20 ms), and round after round, on
 * whichever host holds the primary then: every member of its host SIGKILLed at once, the host SIGSTOPped for 3
 * sessions, cut off from everything, cut off from ZooKeeper only; each timed from the fault to the first number
 * another host printed. Every round also kills the primary's process alone, in the pair across hosts and in a
 * plain pair (a state directory, no coordinator; {@link Measure#takeover}) on this machine's own network, side by
 * side. Checked on the merged output of every host: no gap, at most one duplicate per takeover, and no number from
 * the old primary's host once another host has printed (two members printing in overlapping epochs).
 */
final class HostsBench {
    static final String NET_PREFIX = "pbh";
    static final String SUBNET = "10.231.0.";
    static final Duration SESSION = Duration.ofSeconds(2);
    static final String INTERVAL = "20ms";
    /** Goal: every member of the primary's host killed -> next number on another host, p50. */
    static final double KILL_HOST_P50_MS = 100;
    /** Goal: paused or cut off -> next number elsewhere, every round: the session timeout + 1 s. */
    static final double CUT_MAX_MS = SESSION.toMillis() + 1000;
    /** Goal: the pair across hosts' own takeover on the host, p50, above the plain pair's in the same run. */
    static final double SAME_HOST_EXTRA_MS = 25;
    private static final int SERVERS = 3;
    private static final int PAIR_HOSTS = 3;
    private static final int SETTLE_MS = 300;
    private static final Duration LINE_WITHIN = Duration.ofSeconds(5);

    /** The faults of a host, applied in this order every round. */
    enum Fault {
        /** SIGKILL to every member on the primary's host at once; the host is started again. */
        KILL_HOST("every member of the primary's host SIGKILLed at once"),
        /** SIGSTOP to every member on the primary's host for 3x the session timeout, then SIGCONT. */
        PAUSE_HOST("the primary's host SIGSTOPped for " + 3 * SESSION.toSeconds() + " s"),
        /** The primary's host cut off from everything until another host has taken over. */
        ISOLATE_HOST("the primary's host cut off from everything"),
        /** The primary's host cut off from the ZooKeeper servers only until another host has taken over. */
        CUT_FROM_ZOOKEEPER("the primary's host cut off from ZooKeeper only");

        final String text;

        Fault(String text) {
            this.text = text;
        }
    }

    /**
     * One takeover of the pair across hosts.
     *
     * @param kind the fault's name, or SAME_HOST_KILL
     * @param round 1, 2, ...
     * @param fromHost the primary's host before
     * @param toHost the host of the first number after the fault
     * @param fromEpoch the primary's epoch before
     * @param toEpoch after the pair settled again
     * @param ms the fault to that first number
     * @param lastNumber the last number before the fault
     * @param firstNumber the first number after it
     * @param firstAtNs when that first number arrived
     */
    record Takeover(String kind, int round, int fromHost, int toHost, long fromEpoch, long toEpoch, double ms,
            String lastNumber, String firstNumber, long firstAtNs) {
    }

    /**
     * A row of the table.
     *
     * @param measure what it measures
     * @param samples the samples, in ms; empty for a count
     * @param value for a count, the count; for samples, the figure the goal is about
     * @param goal the goal in words
     * @param pass whether it was met
     */
    record Row(String measure, List<Double> samples, double value, String goal, boolean pass) {
    }

    private final Path root;
    private final Build build;
    private final Cleanup cleanup;
    private final Results results;
    private final BenchOptions options;
    private final PrintStream progress = System.err;
    private final Path logDir;
    private final List<Takeover> takeovers = new ArrayList<>();
    private final Map<Fault, List<Double>> faultMs = new EnumMap<>(Fault.class);
    private final List<Double> plainMs = new ArrayList<>();
    private final List<Double> zkSameHostMs = new ArrayList<>();
    /** The takeovers to another host in which the old host printed after the new one's first number. */
    private final List<String> overlaps = new ArrayList<>();
    private Takeover pendingOverlapCheck;
    private PairHosts hosts;
    private Sequence merged;
    private long epochs;
    private SequenceCheck plainSequence;
    private String network = "";

    HostsBench(Path root, Build build, Cleanup cleanup, Results results) {
        this.root = root;
        this.build = build;
        this.cleanup = cleanup;
        this.results = results;
        this.options = results.options;
        this.logDir = root.resolve("app").resolve("target").resolve("bench-logs");
        for (Fault f : Fault.values()) {
            faultMs.put(f, new ArrayList<>());
        }
    }

    /**
     * What the rows need that this machine lacks, if anything: root, iproute2 and unshare for the hosts, and
     * ZooKeeper's server on the class path (bench.sh puts it there).
     *
     * @return the reason, in one line, or empty
     */
    static Optional<String> unavailableBecause() {
        Optional<String> why = Netns.unavailableBecause();
        if (why.isPresent()) {
            return why;
        }
        boolean unshare = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "unshare")));
        if (!unshare) {
            return Optional.of("the hosts need unshare (Debian package util-linux) on the PATH");
        }
        try {
            Class.forName("org.apache.zookeeper.server.quorum.QuorumPeerMain", false,
                    HostsBench.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return Optional.of("ZooKeeper's server is not on the class path; run it as ./run-phoenix.sh bench --hosts"
                    + " (test-scripts/bench.sh puts it there)");
        }
        return Optional.empty();
    }

    /** Runs the rows; every process, namespace and directory it made is ended by the cleanup. */
    void run() throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("phoenix-bench-hosts-");
        cleanup.register(new RemoveTree(work));
        Files.createDirectories(logDir);
        Path zkLogs = null;
        if (options.zkLogs != null) {
            zkLogs = Files.createTempDirectory(options.zkLogs, "phoenix-bench-zk-logs-");
            cleanup.register(new RemoveTree(zkLogs));
            progress.printf("hosts: ZooKeeper's transaction logs in %s%n", zkLogs);
        }
        progress.printf("hosts: making %d hosts (namespaces %s*, %s0/24) and a %d-server ZooKeeper ensemble%n",
                SERVERS + PAIR_HOSTS, NET_PREFIX, SUBNET, SERVERS);
        try {
            hosts = cleanup.register(PairHosts.builder(work, build.dir).hosts(SERVERS, PAIR_HOSTS)
                    .network(NET_PREFIX, SUBNET).logs(logDir).zkLogs(zkLogs)
                    .pair("bench-" + UUID.randomUUID().toString().substring(0, 8), Ports.freeUdpPort())
                    .session(SESSION)
                    .zkPath("/phoenix-bench").build());
            network = hosts.net().toString();
            hosts.startEnsemble();
            Primary p = hosts.startPair();
            long firstEpoch = p.epoch();
            progress.printf("hosts: pair %s protected on %s, a standby on every other host (epoch %d)%n",
                    hosts.name(), hosts.hostName(p.host()), p.epoch());
            try (BenchPair plain = cleanup.register(new BenchPair(root, build.launcher(), logDir, "hosts-plain",
                    Setup.DEFAULT.withInterval(INTERVAL)))) {
                plain.start();
                Measure measure = new Measure(root, build, cleanup, results);
                int rounds = Math.max(options.hostsRounds, options.sameHostKills);
                for (int i = 0; i < rounds; i++) {
                    if (i < options.sameHostKills) {
                        Results.Takeover t = measure.takeover(plain, Setup.DEFAULT, "KILL", SETTLE_MS);
                        plainMs.add(t.latencyMs());
                        progress.printf(Locale.ROOT, "plain pair: SIGKILL %d/%d: next number after %s ms%n", i + 1,
                                options.sameHostKills, Report.ms(t.latencyMs()));
                        p = sameHostKill(p, i + 1);
                    }
                    if (i < options.hostsRounds) {
                        for (Fault f : Fault.values()) {
                            p = fault(f, p, i + 1);
                        }
                    }
                }
                checkOverlap();
                plain.stop();
                plainSequence = plain.sequence("same-host kills");
            }
            List<Line> all = hosts.lines();
            merged = Sequence.of(all.stream().map(Line::text).toList());
            epochs = hosts.awaitSettled(p.epoch()).epoch() - firstEpoch;
            Files.write(logDir.resolve(hosts.name() + "-out.txt"), all.stream().map(l -> l.host() + " " + l.text())
                    .toList());
        } catch (RuntimeException e) {
            if (e instanceof BenchException) {
                throw e;
            }
            throw new BenchException("the pair across hosts: " + e.getMessage() + "; member logs in " + logDir);
        }
    }

    /** SIGKILL to the primary's process alone, right after a number; its own host's standby takes over. */
    private Primary sameHostKill(Primary p, int round) throws InterruptedException {
        Primary before = settled(p);
        ProcessHandle old = ProcessHandle.of(before.pid()).orElseThrow(() -> new BenchException("primary pid "
                + before.pid() + " of " + hosts + " is gone before the signal"));
        checkOverlap();
        long[] t0 = new long[1];
        Line last = hosts.onNextLine(LINE_WITHIN, () -> {
            t0[0] = System.nanoTime();
            old.destroyForcibly();
        });
        Line first = hosts.awaitLine(t0[0], h -> true, "a number after SIGKILL of primary pid " + before.pid());
        Primary after = hosts.awaitSettled(before.epoch() + 1);
        Takeover t = new Takeover("SAME_HOST_KILL", round, before.host(), first.host(), before.epoch(),
                after.epoch(), Measure.ms(first.atNs() - t0[0]), last.text(), first.text(), first.atNs());
        takeovers.add(t);
        zkSameHostMs.add(t.ms());
        progress.printf(Locale.ROOT, "across hosts: SIGKILL of the primary process %d/%d on %s: next number (%s) "
                + "after %s ms on %s%n", round, options.sameHostKills, hosts.hostName(before.host()), first.text(),
                Report.ms(t.ms()), hosts.hostName(first.host()));
        return after;
    }

    /** One fault of the primary's host; the time to the first number on another host. */
    private Primary fault(Fault f, Primary p, int round) throws IOException, InterruptedException {
        Primary before = settled(p);
        PairHosts.Host host = hosts.host(before.host());
        checkOverlap();
        long t0;
        Primary after;
        List<Line> sofar = hosts.lines();
        String lastNumber = sofar.isEmpty() ? "" : sofar.get(sofar.size() - 1).text();
        switch (f) {
            case KILL_HOST:
                List<ProcessHandle> members = new ArrayList<>();
                for (long pid : host.pids()) {
                    ProcessHandle.of(pid).ifPresent(members::add);
                }
                long[] at = new long[1];
                // kill(2) from this JVM to each, microseconds apart: no kill(1) start in the figure.
                lastNumber = hosts.onNextLine(LINE_WITHIN, () -> {
                    at[0] = System.nanoTime();
                    members.forEach(ProcessHandle::destroyForcibly);
                }).text();
                t0 = at[0];
                Primary next = hosts.awaitPrimaryElsewhere(before);
                host.start();
                after = hosts.awaitSettled(next.epoch());
                break;
            case PAUSE_HOST:
                t0 = System.nanoTime();
                Kill.pauseTogether(SESSION.multipliedBy(3), host.pids());
                after = hosts.awaitSettled(before.epoch() + 1, before.host());
                break;
            case ISOLATE_HOST:
            case CUT_FROM_ZOOKEEPER:
                t0 = System.nanoTime();
                if (f == Fault.ISOLATE_HOST) {
                    hosts.net().isolate(before.host());
                } else {
                    hosts.net().cut(before.host(), 1, 2, 3);
                }
                try {
                    hosts.awaitPrimaryElsewhere(before);
                } finally {
                    hosts.net().heal();
                }
                after = hosts.awaitSettled(before.epoch() + 1, before.host());
                break;
            default:
                throw new IllegalStateException("unknown fault " + f);
        }
        Line first = hosts.awaitLine(t0, h -> h != before.host(), "a number on another host than "
                + hosts.hostName(before.host()));
        Takeover t = new Takeover(f.name(), round, before.host(), first.host(), before.epoch(), after.epoch(),
                Measure.ms(first.atNs() - t0), lastNumber, first.text(), first.atNs());
        takeovers.add(t);
        faultMs.get(f).add(t.ms());
        pendingOverlapCheck = t;
        progress.printf(Locale.ROOT, "across hosts: %s, round %d/%d: %s -> %s, epoch %d -> %d, next number (%s) "
                + "after %s ms%n", f.text, round, options.hostsRounds, hosts.hostName(before.host()),
                hosts.hostName(first.host()), before.epoch(), after.epoch(), first.text(), Report.ms(t.ms()));
        return after;
    }

    /**
     * Whether the old primary's host printed anything after the new host's first number of the last takeover to
     * another host, up to now (the start of the next measurement, or the end): checked this late so that a number
     * printed after the pair settled counts too.
     */
    private void checkOverlap() {
        Takeover t = pendingOverlapCheck;
        pendingOverlapCheck = null;
        if (t == null) {
            return;
        }
        List<Line> late = hosts.lines().stream().filter(l -> l.host() == t.fromHost()
                && l.atNs() - t.firstAtNs() > 0).toList();
        if (!late.isEmpty()) {
            String what = t.kind() + " round " + t.round() + ": " + hosts.hostName(t.fromHost()) + " printed "
                    + late.stream().map(Line::text).toList() + " after " + hosts.hostName(t.toHost()) + "'s first "
                    + "number " + t.firstNumber();
            overlaps.add(what);
            progress.println("across hosts: OVERLAP: " + what);
        }
    }

    /** Waits for the pair to be settled, {@value #SETTLE_MS} ms more, and settled again. */
    private Primary settled(Primary p) throws InterruptedException {
        Primary s = hosts.awaitSettled(p.epoch());
        Thread.sleep(SETTLE_MS);
        return hosts.awaitSettled(s.epoch());
    }

    /** @return whether nothing went wrong that must never: no gap, no overlap, no duplicate beyond one a takeover */
    boolean ok() {
        return overlaps.isEmpty() && merged != null && merged.ok() && merged.duplicates() <= epochs
                && plainSequence != null && plainSequence.ok();
    }

    // ---- the report ---------------------------------------------------------------------------------------

    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (Fault f : Fault.values()) {
            Samples s = Samples.of(faultMs.get(f));
            if (f == Fault.KILL_HOST) {
                rows.add(new Row(f.text + " -> next number on another host (ms)", faultMs.get(f), s.median(),
                        "p50 <= " + (int) KILL_HOST_P50_MS, s.size() > 0 && s.median() <= KILL_HOST_P50_MS));
            } else {
                rows.add(new Row(f.text + " -> next number on another host (ms)", faultMs.get(f), s.max(),
                        "every one <= " + (int) CUT_MAX_MS + " (session + 1 s)", s.size() > 0
                        && s.max() <= CUT_MAX_MS));
            }
        }
        long elsewhere = takeovers.stream().filter(t -> !t.kind().equals("SAME_HOST_KILL")).count();
        rows.add(new Row("rounds in which two hosts printed in overlapping epochs (of " + elsewhere
                + " faults of a host)", List.of(), overlaps.size(), "0", overlaps.isEmpty()));
        long gaps = (merged != null && !merged.ok() ? 1 : 0) + (plainSequence != null && !plainSequence.ok() ? 1 : 0);
        rows.add(new Row("numbers skipped: the merged output of every host (" + (merged == null ? 0 : merged.lines())
                + " lines) and the plain pair's (" + (plainSequence == null ? 0 : plainSequence.lines()) + ")",
                List.of(), gaps, "0", gaps == 0 && merged != null && plainSequence != null));
        double dup = merged == null ? Double.NaN : merged.duplicates();
        rows.add(new Row("duplicates in the merged output (" + epochs + " takeovers)", List.of(), dup,
                "<= 1 per takeover", merged != null && dup <= epochs));
        Samples plain = Samples.of(plainMs);
        Samples zk = Samples.of(zkSameHostMs);
        rows.add(new Row("SIGKILL of the primary process -> next number, plain pair (state directory) (ms)", plainMs,
                plain.median(), "p50 <= " + (int) Report.TAKEOVER_P50_MS, plain.size() > 0
                && plain.median() <= Report.TAKEOVER_P50_MS));
        long moved = takeovers.stream().filter(t -> t.kind().equals("SAME_HOST_KILL")
                && t.fromHost() != t.toHost()).count();
        rows.add(new Row("SIGKILL of the primary process -> next number, pair across hosts (--coordinator, --bind)"
                + (moved > 0 ? "; " + moved + " of " + zkSameHostMs.size() + " taken over on another host" : "")
                + " (ms)", zkSameHostMs, zk.median(), "p50 <= plain p50 + " + (int) SAME_HOST_EXTRA_MS,
                zk.size() > 0 && zk.median() <= plain.median() + SAME_HOST_EXTRA_MS));
        return rows;
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# phoenix benchmark: across hosts\n\n");
        md.append("- machine: ").append(results.cores).append(" cores (nproc), ").append(results.cpuModel)
                .append(", ").append(results.os).append("; load average ").append(results.loadAtStart)
                .append(" at the start, ").append(results.loadAtEnd).append(" at the end (shared machine)\n");
        md.append("- JDK: ").append(results.javaVersion).append(", ").append(results.javaVm).append('\n');
        md.append(String.format(Locale.ROOT, "- code: %s; took %.0f s%n", results.code, results.elapsedNs / 1e9));
        md.append("- hosts: ").append(network).append("; ").append(SERVERS).append(" ZooKeeper servers on hosts 1-")
                .append(SERVERS).append(", the pair on hosts ").append(SERVERS + 1).append('-')
                .append(SERVERS + PAIR_HOSTS).append(" (--coordinator, --bind), session ").append(SESSION.toMillis())
                .append(" ms, a number every ").append(INTERVAL).append("; the plain pair on this machine's own ")
                .append("network, same interval; ").append(options.hostsRounds).append(" rounds of each fault, ")
                .append(options.sameHostKills).append(" same-host kills of each pair, interleaved")
                .append(options.zkLogs == null ? "; ZooKeeper's transaction logs beside its data (disk)"
                        : "; ZooKeeper's transaction logs under " + options.zkLogs).append("\n\n");
        md.append("| measure | n | min | p50 | p90 | max | goal | result |\n");
        md.append("|---|---:|---:|---:|---:|---:|---|:-:|\n");
        for (Row r : rows()) {
            if (r.samples().isEmpty()) {
                md.append(String.format(Locale.ROOT, "| %s | | | %s | | | %s | %s |%n", r.measure(),
                        Double.isNaN(r.value()) ? "-" : String.valueOf((long) r.value()), r.goal(),
                        r.pass() ? "PASS" : "MISS"));
            } else {
                Samples s = Samples.of(r.samples());
                md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s |%n", r.measure(),
                        s.size(), Report.ms(s.min()), Report.ms(s.median()), Report.ms(s.percentile(90)),
                        Report.ms(s.max()), r.goal(), r.pass() ? "PASS" : "MISS"));
            }
        }
        if (!overlaps.isEmpty()) {
            md.append('\n');
            overlaps.forEach(o -> md.append("- OVERLAP: ").append(o).append('\n'));
        }
        if (merged != null && !merged.ok()) {
            md.append("\n- GAP in the merged output: ").append(merged.problem()).append('\n');
        }
        if (plainSequence != null && !plainSequence.ok()) {
            md.append("\n- GAP in the plain pair's output: ").append(plainSequence.problem()).append('\n');
        }
        return md.toString();
    }

    String json() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("mode", "hosts-" + options.mode());
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", results.cores);
        machine.put("cpu", results.cpuModel);
        machine.put("os", results.os);
        machine.put("java", results.javaVersion + " " + results.javaVm);
        machine.put("load_at_start", results.loadAtStart);
        machine.put("load_at_end", results.loadAtEnd);
        doc.put("machine", machine);
        doc.put("code", results.code);
        doc.put("elapsed_s", results.elapsedNs / 1e9);
        doc.put("hosts", network);
        doc.put("session_ms", SESSION.toMillis());
        doc.put("interval", INTERVAL);
        List<Object> rows = new ArrayList<>();
        for (Row r : rows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("measure", r.measure());
            if (r.samples().isEmpty()) {
                m.put("value", r.value());
            } else {
                Samples s = Samples.of(r.samples());
                m.put("n", s.size());
                m.put("min_ms", s.min());
                m.put("p50_ms", s.median());
                m.put("p90_ms", s.percentile(90));
                m.put("max_ms", s.max());
                m.put("samples_ms", r.samples());
            }
            m.put("goal", r.goal());
            m.put("pass", r.pass());
            rows.add(m);
        }
        doc.put("rows", rows);
        List<Object> each = new ArrayList<>();
        for (Takeover t : takeovers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", t.kind());
            m.put("round", t.round());
            m.put("from_host", t.fromHost());
            m.put("to_host", t.toHost());
            m.put("from_epoch", t.fromEpoch());
            m.put("to_epoch", t.toEpoch());
            m.put("ms", t.ms());
            m.put("last_number", t.lastNumber());
            m.put("first_number", t.firstNumber());
            each.add(m);
        }
        doc.put("takeovers", each);
        doc.put("overlaps", overlaps);
        if (merged != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lines", merged.lines());
            m.put("max", merged.max());
            m.put("duplicates", merged.duplicates());
            m.put("takeovers", epochs);
            m.put("problem", merged.problem());
            doc.put("merged", m);
        }
        if (plainSequence != null) {
            doc.put("plain", Map.of("lines", plainSequence.lines(), "max", plainSequence.max(), "duplicates",
                    plainSequence.duplicates(), "problem", plainSequence.problem()));
        }
        return Json.write(doc);
    }

    /** Removes a directory tree at the end of the run. */
    private record RemoveTree(Path dir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
