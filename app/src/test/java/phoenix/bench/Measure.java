package phoenix.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import phoenix.pair.PairStatus;
import phoenix.testing.ProcStat;

/**
 * Runs the measurements, phase after phase, on pairs it starts and always ends: takeovers of a default and a
 * peer-like pair, one configuration after the other; then both configurations side by side under the same
 * busy machine; then two idle pairs side by side, started before the peer-like takeovers so that they have run
 * a while when they are measured. Progress goes to stderr.
 */
final class Measure {
    private static final Duration PROTECTED_WITHIN = Duration.ofSeconds(30);
    private static final Duration LINE_WITHIN = Duration.ofSeconds(5);
    /** How long a member's own death may take to reach a connection to its control socket before the run fails. */
    private static final Duration MEMBER_DEATH_WITHIN = Duration.ofSeconds(5);
    /** How long a pair rests after a member's own death and its takeover before the next floor is measured. */
    private static final long AFTER_MEMBER_DEATH_MS = 300;
    private static final long REPROTECT_POLL_NS = 5_000_000L;
    private static final long RESUME_END_NS = 2_000_000_000L;
    /** How long an idle pair runs before its CPU is measured: its heartbeat path is compiled by then. */
    private static final long IDLE_WARMUP_MS = 45_000;
    private static final long IDLE_SETTLE_MS = 3000;
    private static final int JVM_STARTS = 5;

    private final Path root;
    private final Build build;
    private final Path logDir;
    private final Cleanup cleanup;
    private final Results results;
    private final BenchOptions options;
    private final PrintStream progress = System.err;

    Measure(Path root, Build build, Cleanup cleanup, Results results) {
        this.root = root;
        this.build = build;
        this.logDir = root.resolve("app").resolve("target").resolve("bench-logs");
        this.cleanup = cleanup;
        this.results = results;
        this.options = results.options;
    }

    void run() throws IOException, InterruptedException {
        long start = System.nanoTime();
        if (options.kv) {
            kv();
            results.phaseNs.put("key-value example", System.nanoTime() - start);
            return;
        }
        firstStart();
        results.phaseNs.put("first start (class-data archive)", System.nanoTime() - start);
        start = System.nanoTime();
        takeovers(Setup.DEFAULT, options.takeovers, options.hangs);
        results.phaseNs.put("takeovers " + Setup.DEFAULT.label, System.nanoTime() - start);
        start = System.nanoTime();
        spareTakeovers();
        results.phaseNs.put("takeovers with a spare", System.nanoTime() - start);
        // The idle pairs start here and warm up while the peer-like takeovers (seconds each, where a percent of
        // background load does not show) and the stress phase run: an idle pair is one that has run a while, and
        // for its first half minute a member still compiles its heartbeat path.
        try (BenchPair d = pair(Setup.DEFAULT, "idle", Setup.DEFAULT.withInterval("1s"));
                BenchPair p = pair(Setup.PEER, "idle", Setup.PEER.withInterval("1s"))) {
            d.start();
            p.start();
            d.awaitProtected(PROTECTED_WITHIN);
            p.awaitProtected(PROTECTED_WITHIN);
            long idleSinceNs = System.nanoTime();
            progress.printf("idle: pairs %s (default) and %s (peer-like) started at a number a second; measured "
                    + "after the stress phase%n", d.name, p.name);
            start = System.nanoTime();
            takeovers(Setup.PEER, options.peerTakeovers, options.peerHangs);
            results.phaseNs.put("takeovers " + Setup.PEER.label, System.nanoTime() - start);
            start = System.nanoTime();
            stress();
            results.phaseNs.put("stress", System.nanoTime() - start);
            start = System.nanoTime();
            idle(d, p, idleSinceNs);
            results.phaseNs.put("idle", System.nanoTime() - start);
        }
        start = System.nanoTime();
        kv();
        results.phaseNs.put("key-value example", System.nanoTime() - start);
    }

    /** The key-value example's takeovers under writes ({@link KvBench}). */
    private void kv() throws IOException, InterruptedException {
        int httpPort = phoenix.testing.Ports.freeTcpPort();
        try (BenchPair pair = cleanup.register(new BenchPair(root, build.launcher(), logDir, "kv-takeovers",
                List.of("--http-port", String.valueOf(httpPort)), Map.of("PHOENIX_MAIN_CLASS", "phoenix.kv.KvMain")))) {
            new KvBench(pair, httpPort, results, cleanup, progress).run(options.kvKills, options.kvTerms);
        }
    }

    /**
     * The build copy's first pair: run-phoenix.sh makes its class-data archive as it starts it (once per jar, some
     * seconds), so that every pair measured after starts with it, as a user's pairs do after their first start.
     */
    private void firstStart() throws IOException, InterruptedException {
        try (BenchPair first = pair(Setup.DEFAULT, "first", Setup.DEFAULT.withInterval("1s"))) {
            first.start();
            first.awaitProtected(Duration.ofSeconds(180));
            // run-phoenix.sh trains in the background, holding a lock directory next to the jar until it is done.
            Path run = build.dir.resolve("app").resolve("target").resolve("run");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (System.nanoTime() - end < 0 && lockHeld(run)) {
                Thread.sleep(200);
            }
            first.stop();
        }
        progress.println("first start: done (run-phoenix.sh made the class-data archive, if the JDK has one)");
    }

    private static boolean lockHeld(Path run) throws IOException {
        try (var files = Files.list(run)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".making"));
        }
    }

    private BenchPair pair(Setup s, String phase, List<String> opts) throws IOException {
        return cleanup.register(new BenchPair(root, build.launcher(), logDir,
                s.name().toLowerCase(Locale.ROOT) + "-" + phase, opts));
    }

    // ---- takeovers ----------------------------------------------------------------------------------------

    private void takeovers(Setup s, int perSignal, int hangs) throws IOException, InterruptedException {
        takeovers(s, results.of(s), "takeovers", s.withInterval("10ms"), perSignal, hangs);
    }

    /**
     * The default configuration's SIGKILL and SIGTERM takeovers again, with a spare ({@code --spare on}): the same
     * rows against the same run's floors, and the spare's own CPU and memory while it waits.
     */
    private void spareTakeovers() throws IOException, InterruptedException {
        List<String> opts = new ArrayList<>(Setup.DEFAULT.withInterval("10ms"));
        opts.addAll(List.of("--spare", "on"));
        takeovers(Setup.DEFAULT, results.spare, "spare", opts, options.takeovers, 0);
    }

    private void takeovers(Setup s, Results.Config out, String phase, List<String> opts, int perSignal, int hangs)
            throws IOException, InterruptedException {
        boolean spare = out == results.spare;
        String label = spare ? "with a spare" : s.label;
        try (BenchPair pair = pair(s, phase, opts)) {
            pair.start();
            progress.printf("%s: pair %s started (%s), %d SIGKILL and %d SIGTERM takeovers, %d SIGSTOP%n",
                    label, pair.name, String.join(" ", opts), perSignal, perSignal, hangs);
            int memberDeaths = 0;
            if (s == Setup.DEFAULT && !spare) {
                floors(pair);
                memberDeaths = results.memberDeathMs.size();
            }
            if (spare) {
                spareAlone(pair);
            }
            // Alternate the signals and the settle times, so that a machine that gets busier halfway skews all
            // alike.
            for (int i = 0; i < 2 * perSignal; i++) {
                String signal = i % 2 == 0 ? "KILL" : "TERM";
                int settleMs = options.settleMs[(i / 2) % options.settleMs.length];
                Results.Takeover t = takeover(pair, s, signal, settleMs);
                ("KILL".equals(signal) ? out.kill : out.term).add(t);
                progress.printf(Locale.ROOT, "%s: SIG%s %d/%d (%d ms after protected): next number after %s ms, "
                        + "protected again after %s ms%s%s%n", label, signal, i / 2 + 1, perSignal, settleMs,
                        Report.ms(t.latencyMs()),
                        Report.ms(t.reprotectMs()), t.late() > 0 ? " (the old primary printed " + t.late()
                        + " number(s) after the signal)" : "", t.attributed() ? ""
                        : " (no announced count in the log: first line after the signal taken)");
            }
            for (int i = 0; i < hangs; i++) {
                Results.Hang h = hang(pair, s);
                out.hangs.add(h);
                progress.printf(Locale.ROOT, "%s: SIGSTOP %d/%d: next number after %s ms (timeout %d ms); after "
                        + "SIGCONT the old primary %s and printed %d number(s)%n", s.label, i + 1, hangs,
                        Report.ms(h.latencyMs()), s.timeoutMs, h.endedWithin2s() ? "ended in "
                        + Report.ms(h.endedMs()) + " ms" : "did NOT end within 2 s", h.printedAfterResume());
            }
            pair.stop();
            out.sequences.add(pair.sequence(phase));
            // Without the takeovers of the members' own deaths among the floors (the first ones): not signalled right
            // after a number, they are not the takeovers the rows measure.
            List<String> times = pair.takeoverTimes();
            out.takeoverTimes.addAll(times.subList(Math.min(memberDeaths, times.size()), times.size()));
        }
    }

    /**
     * The spare while it waits: its CPU over 10 s (every thread's, from the kernel's schedstat, in ns) and its RSS,
     * once the pair has had a spare for 3 s.
     */
    private void spareAlone(BenchPair pair) throws InterruptedException {
        PairStatus st = pair.awaitStatus(x -> x.isProtected() && x.sparePid() > 0, "protected with a spare",
                PROTECTED_WITHIN, 20_000_000L).status();
        Thread.sleep(3000);
        long pid = st.sparePid();
        Map<String, Long> cpu0 = Procs.threadCpuNs(pid);
        long t0 = System.nanoTime();
        Thread.sleep(10_000);
        Map<String, Long> cpu1 = Procs.threadCpuNs(pid);
        long t1 = System.nanoTime();
        if (!cpu0.isEmpty() && !cpu1.isEmpty() && ProcStat.running(pid)) {
            results.spareCpuPct = 100.0 * Procs.cpuNsBetween(cpu0, cpu1) / (t1 - t0);
            results.spareRssMb = Procs.rssKb(pid) / 1024.0;
        }
        progress.printf(Locale.ROOT, "with a spare: spare pid %d waited with %.3f %% of a core, RSS %.1f MB%n", pid,
                results.spareCpuPct, results.spareRssMb);
    }

    /**
     * A member's own death, measured as the death floor is but for a selector with a deadline where the floor's reader
     * blocks (a few microseconds): the pair's primary SIGKILLed 300 ms after the pair said it was protected, timed
     * until a connection to its control socket, made just before and never written to, reads its end (or is reset: the
     * same moment, for a connection the primary had not accepted yet). The kernel closes a killed process's sockets
     * once it has unmapped its memory, and a member has more of it than the floor's idle JVM; the SIGKILL rows include
     * this. The status is asked again once connected: a takeover between the first status and the connect (none is
     * expected) would have the connection reach another member than the one killed, and is waited out. The pair takes
     * over, is protected again and rests before this returns, so that the floors measured next do not run beside a
     * new standby's start.
     */
    private double memberDeath(BenchPair pair) throws IOException, InterruptedException {
        while (true) {
            PairStatus before = protectedAndSettled(pair, 300);
            ProcessHandle old = primaryOf(pair, before);
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                    Selector selector = Selector.open()) {
                // The primary's control socket, where status and stop find it (PairConfig#controlSocket).
                c.connect(UnixDomainSocketAddress.of(pair.config().stateDir().resolve("primary.sock")));
                PairStatus now = pair.awaitProtected(PROTECTED_WITHIN);
                if (now.primaryPid() != old.pid() || now.takeovers() != before.takeovers()) {
                    continue;
                }
                c.configureBlocking(false);
                c.register(selector, SelectionKey.OP_READ);
                ByteBuffer in = ByteBuffer.allocate(256);
                long startNs = System.nanoTime();
                if (!old.destroyForcibly()) {
                    throw new BenchException("primary pid " + old.pid() + " of " + pair + " could not be SIGKILLed");
                }
                long endNs = 0;
                while (endNs == 0) {
                    long leftMs = MEMBER_DEATH_WITHIN.toMillis() - (System.nanoTime() - startNs) / 1_000_000;
                    if (leftMs <= 0) {
                        throw new BenchException("the control socket of primary pid " + old.pid() + " of " + pair
                                + " did not end within " + MEMBER_DEATH_WITHIN.toMillis() + " ms of its SIGKILL (the "
                                + "process is " + (old.isAlive() ? "still alive" : "gone") + ")");
                    }
                    selector.select(leftMs);
                    selector.selectedKeys().clear();
                    try {
                        // Nothing is asked, so nothing should come; whatever does is read past.
                        if (c.read(in.clear()) < 0) {
                            endNs = System.nanoTime();
                        }
                    } catch (IOException reset) {
                        // Reset rather than ended: the primary's end all the same.
                        endNs = System.nanoTime();
                    }
                }
                awaitReprotected(pair, before, old.pid());
                Thread.sleep(AFTER_MEMBER_DEATH_MS);
                return ms(endNs - startNs);
            } catch (IOException e) {
                throw new BenchException("cannot watch the control socket of primary pid " + old.pid() + " of " + pair
                        + ": " + e.getMessage());
            }
        }
    }

    /**
     * The floors, with the flags of the pair's own primary, and fresh starts with its command line: measured
     * once the pair runs, in the same run as the takeovers they are compared with.
     */
    private void floors(BenchPair pair) throws IOException, InterruptedException {
        PairStatus st = pair.awaitProtected(PROTECTED_WITHIN);
        List<String> jvm = Floors.memberJvm(st.primaryPid());
        List<String> member = Floors.memberCommand(st.primaryPid());
        Floors floors = new Floors(jvm, root.resolve("app").resolve("target").resolve("test-classes"), cleanup);
        results.floorFlags = floors.describe();
        results.memberCommand = String.join(" ", member.subList(1, member.size()));
        // The same start without the class-data archive run-phoenix.sh made, if it made one: what the archive buys.
        List<String> withoutArchive = member.stream().filter(a -> !a.startsWith("-XX:SharedArchiveFile=")
                && !a.startsWith("-XX:AOTCache=")).toList();
        Path tmp = Files.createTempDirectory("phoenix-bench-floor-");
        try {
            // Interleaved, so that a machine that gets busier skews every figure alike.
            int rounds = Math.max(options.deathFloors, Math.max(options.startFloors, options.freshStarts));
            int memberDeaths = Math.max(3, options.deathFloors / 3);
            for (int i = 0; i < rounds; i++) {
                if (i < options.deathFloors) {
                    results.deathFloorMs.addAll(floors.death(1, tmp));
                }
                if (i < memberDeaths) {
                    results.memberDeathMs.add(memberDeath(pair));
                }
                if (i < options.startFloors) {
                    results.startFloorMs.addAll(floors.start(1));
                    results.javaStartMs.addAll(floors.javaStart(1, tmp));
                    results.javaStartArchivedMs.addAll(floors.javaStartArchived(1, tmp, member));
                    results.javaTakeoverMs.addAll(floors.javaTakeover(1, tmp, false));
                    results.javaTermTakeoverMs.addAll(floors.javaTakeover(1, tmp, true));
                }
                if (i < options.freshStarts) {
                    // With and without the archive in turn, so that a machine that gets busier skews both alike.
                    results.freshStarts.add(freshStart(member, "fresh-" + i));
                    if (!withoutArchive.equals(member)) {
                        results.freshStartsNoArchive.add(freshStart(withoutArchive, "fresh-plain-" + i));
                    }
                }
            }
        } finally {
            floors.removeArchive();
            Files.deleteIfExists(tmp);
        }
        progress.printf(Locale.ROOT, "floors: death p50 %s ms (n=%d; a member's own: %s ms, n=%d), start p50 %s ms "
                + "(n=%d); Java's least takeover p50 %s ms (SIGTERM %s), least start p50 %s ms (n=%d each); fresh "
                + "start -> first number p50 %s ms (n=%d)%n",
                Report.ms(Samples.of(results.deathFloorMs).median()), results.deathFloorMs.size(),
                Report.ms(Samples.of(results.memberDeathMs).median()), results.memberDeathMs.size(),
                Report.ms(Samples.of(results.startFloorMs).median()), results.startFloorMs.size(),
                Report.ms(Samples.of(results.javaTakeoverMs).median()),
                Report.ms(Samples.of(results.javaTermTakeoverMs).median()),
                Report.ms(Samples.of(results.javaStartMs).median()), results.javaStartMs.size(),
                Report.ms(Samples.of(results.freshStartMs()).median()), results.freshStarts.size());
    }

    /**
     * A person's start with no pair running, straight with the member's java command line (no launcher script in
     * the figure): spawn -> first number, spawn -> protected (its first standby READY and attached), then one
     * SIGKILL of that primary: the next number -> protected again (the new standby's start -> READY). Every member
     * runs the command given, so a command without the class-data archive has none in any member. The pair is
     * stopped with the stop command, and every member it had is killed by pid if it is still there.
     */
    private Results.Start freshStart(List<String> member, String label) throws IOException, InterruptedException {
        Path base = Files.createTempDirectory("phoenix-bench-fresh-");
        String name = "bench-" + label;
        Path stateDir = base.resolve("state");
        int port = phoenix.testing.Ports.freeUdpPort();
        phoenix.pair.PairConfig config = phoenix.pair.PairConfig.builder(name).port(port).stateDir(stateDir).build();
        List<String> which = List.of("--name", name, "--state-dir", stateDir.toString());
        List<String> cmd = new ArrayList<>(member);
        cmd.add("run");
        cmd.addAll(which);
        cmd.addAll(List.of("--port", String.valueOf(port), "--terminal", "none", "--interval", "100ms"));
        Files.createDirectories(logDir);
        List<Long> pids = new ArrayList<>();
        // stdout to a file, not a pipe: Java closes a child's pipe when the child ends, and the members after the
        // SIGKILL print to the same stdout. Its length, polled every millisecond, says when a number arrived.
        Path out = base.resolve("out");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                .redirectError(logDir.resolve(label + ".log").toFile()).start();
        cleanup.register(new Floors.Killer(p));
        Results.Start took;
        try {
            awaitLonger(out, 0, label);
            double first = ms(System.nanoTime() - t0);
            PairStatus st = awaitProtected(config, label, s -> true);
            double ready = ms(System.nanoTime() - t0);
            pids.add(st.standbyPid());
            long old = p.pid();
            long printed = Files.size(out);
            p.toHandle().destroyForcibly();
            p.waitFor();
            awaitLonger(out, Math.max(printed, Files.size(out)), label);
            long next = System.nanoTime();
            st = awaitProtected(config, label, s -> s.primaryPid() != old);
            pids.add(st.standbyPid());
            took = new Results.Start(first, ready, ms(System.nanoTime() - next));
        } finally {
            List<String> stop = new ArrayList<>(member);
            stop.add("stop");
            stop.addAll(which);
            Process s = new ProcessBuilder(stop).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            cleanup.register(new Floors.Killer(s));
            if (!s.waitFor(30, TimeUnit.SECONDS)) {
                s.destroyForcibly();
            }
            List<ProcessHandle> left;
            try (var d = p.descendants()) {
                left = new ArrayList<>(d.toList());
            }
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(left::add));
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            left.forEach(ProcessHandle::destroyForcibly);
        }
        try (var walk = Files.walk(base)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        return took;
    }

    /** Polls the file every millisecond until it is longer than {@code than} bytes: a number was printed. */
    private void awaitLonger(Path file, long than, String label) throws IOException, InterruptedException {
        long end = System.nanoTime() + LINE_WITHIN.toNanos() * 6;
        while (Files.size(file) <= than) {
            if (System.nanoTime() - end >= 0) {
                throw new BenchException("pair " + label + " printed no number within 30 s; log: "
                        + logDir.resolve(label + ".log"));
            }
            Thread.sleep(1);
        }
    }

    /** Polls the pair's status every 5 ms until it says protected, with both members known and {@code also}. */
    private static PairStatus awaitProtected(phoenix.pair.PairConfig config, String label,
            java.util.function.Predicate<PairStatus> also) throws InterruptedException {
        long end = System.nanoTime() + PROTECTED_WITHIN.toNanos();
        while (System.nanoTime() - end < 0) {
            Optional<PairStatus> st = phoenix.pair.ProcessPair.status(config);
            if (st.isPresent() && st.get().isProtected() && st.get().primaryPid() > 0 && st.get().standbyPid() > 0
                    && also.test(st.get())) {
                return st.get();
            }
            Thread.sleep(5);
        }
        throw new BenchException("pair " + label + " was not protected within " + PROTECTED_WITHIN);
    }

    private static ProcessHandle primaryOf(BenchPair pair, PairStatus st) {
        return ProcessHandle.of(st.primaryPid()).orElseThrow(() -> new BenchException("primary pid "
                + st.primaryPid() + " of " + pair + " is gone before the signal; member log: " + pair.logFile));
    }

    /**
     * Waits until the pair is protected, and then for the settle time if one was asked for. With none, the status
     * poll every 2 ms: the signal follows within a few ms of the moment the pair says it is protected.
     */
    private PairStatus protectedAndSettled(BenchPair pair, int settleMs) throws InterruptedException {
        if (settleMs == 0) {
            return pair.awaitStatus(st -> st.isProtected() && st.primaryPid() > 0 && st.standbyPid() > 0,
                    "protected", PROTECTED_WITHIN, 2_000_000L).status();
        }
        PairStatus st = pair.awaitProtected(PROTECTED_WITHIN);
        Thread.sleep(settleMs);
        return pair.awaitProtected(PROTECTED_WITHIN);
    }

    /**
     * One takeover of a running pair: once it is protected and {@code settleMs} later, right after a number, the
     * signal to its primary; the next number (the new primary's, by the count it announced) and protected again.
     */
    Results.Takeover takeover(BenchPair pair, Setup s, String signal, int settleMs) throws InterruptedException {
        PairStatus before = protectedAndSettled(pair, settleMs);
        ProcessHandle old = primaryOf(pair, before);
        // kill(2) from this JVM, the call kill(1) makes, without the fork and exec of kill(1) in the figure.
        BenchPair.Mark m = pair.onNextLine(LINE_WITHIN, "KILL".equals(signal) ? old::destroyForcibly : old::destroy);
        long t0 = m.atNs();
        if (pair.awaitLine(m.index(), t0, t0 + limitNs(s)) < 0) {
            throw new BenchException("no number within " + limitNs(s) / 1_000_000 + " ms after SIG" + signal
                    + " of primary pid " + old.pid() + " of " + pair + "; member log: " + pair.logFile);
        }
        BenchPair.Seen again = awaitReprotected(pair, before, old.pid());
        Located first = locate(pair, m, again.status().primaryPid());
        long takeoverNs = pair.arrival(first.index());
        pair.awaitEvent(BenchPair.EventKind.ATTACHED, t0, Duration.ofMillis(500));
        // The state changed between the previous poll and this one, whose primary answered right after it was sent.
        return new Results.Takeover(signal, settleMs, ms(takeoverNs - t0), ms(again.sentNs() - takeoverNs),
                since(pair, BenchPair.EventKind.PRIMARY_SIGNALLED, t0, t0),
                since(pair, BenchPair.EventKind.PROMOTED, t0, t0), since(pair, BenchPair.EventKind.PRIMARY, t0, t0),
                since(pair, BenchPair.EventKind.SPAWNED, t0, takeoverNs),
                since(pair, BenchPair.EventKind.ATTACHED, t0, takeoverNs), first.attributed(), first.late(),
                before.sparePid() > 0);
    }

    /**
     * Where the new primary's first number is.
     *
     * @param index its line
     * @param attributed whether it was found by the count the new primary announced in its log
     * @param late how many numbers arrived after the signal before it: the old primary's
     */
    private record Located(int index, boolean attributed, int late) {
    }

    /**
     * Finds the new primary's first number by the count it announced ("continuing after step C": it prints
     * C + 1 first). The first line after the signal is not always it: a primary that handles SIGTERM late, or
     * that kill(1) stops late, prints one more number of its own first.
     */
    private static Located locate(BenchPair pair, BenchPair.Mark m, long newPrimaryPid) throws InterruptedException {
        Optional<BenchPair.Event> announced = pair.awaitEvent(BenchPair.EventKind.PRIMARY, newPrimaryPid, m.atNs(),
                Duration.ofSeconds(1));
        int index = announced.map(e -> pair.takeoverLine(m.index(), m.atNs(), e.value())).orElse(-1);
        if (index >= 0) {
            return new Located(index, true, index - m.index());
        }
        // No announcement in the log (or its number missing): fall back to the first line after the signal.
        return new Located(pair.awaitLine(m.index(), m.atNs(), System.nanoTime()), false, 0);
    }

    private BenchPair.Seen awaitReprotected(BenchPair pair, PairStatus before, long oldPid)
            throws InterruptedException {
        return pair.awaitStatusEveryPoll(st -> st.isProtected() && st.primaryPid() > 0 && st.primaryPid() != oldPid
                && st.standbyPid() > 0 && st.takeovers() > before.takeovers(), "protected again", PROTECTED_WITHIN,
                REPROTECT_POLL_NS);
    }

    private Results.Hang hang(BenchPair pair, Setup s) throws InterruptedException {
        PairStatus before = protectedAndSettled(pair, options.settleMs[options.settleMs.length - 1]);
        ProcessHandle old = primaryOf(pair, before);
        BenchPair.Mark m = pair.onNextLine(LINE_WITHIN, () -> true);
        long t0 = m.atNs();
        Procs.signal(old.pid(), "STOP");
        long sentNs = System.nanoTime();
        results.killCommandMs.add(ms(sentNs - t0));
        // A number that arrives while kill(1) runs is the old primary's last one: the takeover comes later.
        if (pair.awaitLine(m.index(), sentNs, t0 + limitNs(s)) < 0) {
            Procs.signal(old.pid(), "CONT");
            throw new BenchException("no number within " + limitNs(s) / 1_000_000 + " ms after SIGSTOP of primary"
                    + " pid " + old.pid() + " of " + pair + "; member log: " + pair.logFile);
        }
        long contNs = System.nanoTime();
        Procs.signal(old.pid(), "CONT");
        long endNs = 0;
        boolean ended = false;
        while (System.nanoTime() - contNs < RESUME_END_NS) {
            if (!ProcStat.running(old.pid())) {
                endNs = System.nanoTime();
                ended = true;
                break;
            }
            Thread.sleep(5);
        }
        if (!ended) {
            progress.printf("%s: the resumed primary pid %d did not end within 2 s; killing it%n", s.label,
                    old.pid());
            old.destroyForcibly();
        }
        BenchPair.Seen again = awaitReprotected(pair, before, old.pid());
        Located first = locate(pair, m, again.status().primaryPid());
        long takeoverNs = pair.arrival(first.index());
        // Its last numbers, if any, were written before it ended; give the pipe a moment to deliver them.
        Thread.sleep(100);
        int printed = pair.repeatsBetween(contNs, System.nanoTime());
        return new Results.Hang(ms(takeoverNs - t0), since(pair, BenchPair.EventKind.PROMOTED, t0, t0),
                ms(again.sentNs() - takeoverNs), ms(sentNs - t0), ended, ended ? ms(endNs - contNs) : Double.NaN,
                printed, first.attributed(), first.late());
    }

    private static long limitNs(Setup s) {
        return TimeUnit.MILLISECONDS.toNanos(3 * s.timeoutMs + 10_000);
    }

    private static double since(BenchPair pair, BenchPair.EventKind kind, long afterNs, long fromNs) {
        return pair.firstEvent(kind, afterNs).map(e -> ms(e.arrivalNs() - fromNs)).orElse(Double.NaN);
    }

    static double ms(long ns) {
        return ns / 1_000_000.0;
    }

    // ---- stress -------------------------------------------------------------------------------------------

    private void stress() throws IOException, InterruptedException {
        int seconds = options.stressSeconds;
        try (BenchPair d = pair(Setup.DEFAULT, "stress", Setup.DEFAULT.withInterval("10ms"));
                BenchPair p = pair(Setup.PEER, "stress", Setup.PEER.withInterval("10ms"))) {
            d.start();
            p.start();
            d.awaitProtected(PROTECTED_WITHIN);
            p.awaitProtected(PROTECTED_WITHIN);
            Thread.sleep(1000);
            PairStatus d0 = d.awaitProtected(PROTECTED_WITHIN);
            PairStatus p0 = p.awaitProtected(PROTECTED_WITHIN);
            int cores = Runtime.getRuntime().availableProcessors();
            progress.printf("stress: %d busy loops (sha256sum /dev/zero) for %d s, pairs %s (default) and %s "
                    + "(peer-like) side by side%n", cores, seconds, d.name, p.name);
            int[] unprotected = new int[2];
            int polls = 0;
            long t0;
            long t1;
            double busyPct;
            try (BusyLoops loops = cleanup.register(new BusyLoops())) {
                loops.start(cores);
                t0 = System.nanoTime();
                long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
                while (System.nanoTime() - end < 0) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(1_000_000_000L, end - System.nanoTime()));
                    if (System.nanoTime() - end >= 0) {
                        break;
                    }
                    polls++;
                    unprotected[0] += isProtected(d) ? 0 : 1;
                    unprotected[1] += isProtected(p) ? 0 : 1;
                }
                t1 = System.nanoTime();
                busyPct = 100.0 * loops.cpuTicks() / Procs.clockTicksPerSecond() / ((t1 - t0) / 1e9);
            }
            results.of(Setup.DEFAULT).stress = stressResult(d, d0, t0, t1, cores, busyPct, unprotected[0], polls);
            results.of(Setup.PEER).stress = stressResult(p, p0, t0, t1, cores, busyPct, unprotected[1], polls);
            for (Setup s : Setup.values()) {
                Results.Stress r = results.of(s).stress;
                progress.printf(Locale.ROOT, "stress: %s: %d false takeovers, longest pause %s ms, %d numbers%n",
                        s.label, r.falseTakeovers(), Report.ms(r.longestPauseMs()), r.numbers());
            }
            d.stop();
            p.stop();
            results.of(Setup.DEFAULT).sequences.add(d.sequence("stress"));
            results.of(Setup.PEER).sequences.add(p.sequence("stress"));
        }
    }

    private static boolean isProtected(BenchPair pair) {
        try {
            return pair.status().map(PairStatus::isProtected).orElse(false);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Results.Stress stressResult(BenchPair pair, PairStatus before, long t0, long t1, int cores,
            double busyPct, int unprotected, int polls) throws InterruptedException {
        PairStatus after = pair.awaitStatus(st -> true, "reachable", PROTECTED_WITHIN, 20_000_000L).status();
        return new Results.Stress((t1 - t0) / 1e9, cores, busyPct, after.takeovers() - before.takeovers(),
                pair.eventsBetween(BenchPair.EventKind.PROMOTED, t0, t1),
                pair.eventsBetween(BenchPair.EventKind.STANDBY_HUNG, t0, t1), unprotected, polls,
                pair.linesBetween(t0, t1), ms(pair.longestPauseNs(t0, t1)));
    }

    // ---- idle ---------------------------------------------------------------------------------------------

    private void idle(BenchPair d, BenchPair p, long sinceNs) throws IOException, InterruptedException {
        // The machine calms down after the stress phase; then the pairs must have run long enough.
        Thread.sleep(IDLE_SETTLE_MS);
        long waitMs = IDLE_WARMUP_MS - (System.nanoTime() - sinceNs) / 1_000_000;
        if (waitMs > 0) {
            progress.printf("idle: waiting %d ms more for the idle pairs to warm up%n", waitMs);
            Thread.sleep(waitMs);
        }
        double warmedSeconds = (System.nanoTime() - sinceNs) / 1e9;
        progress.printf(Locale.ROOT, "idle: pairs ran %.0f s; measuring %d s%n", warmedSeconds,
                options.idleSeconds);
        PairStatus ds = d.awaitProtected(PROTECTED_WITHIN);
        PairStatus ps = p.awaitProtected(PROTECTED_WITHIN);
        long[] pids = {ds.primaryPid(), ds.standbyPid(), ps.primaryPid(), ps.standbyPid()};
        List<Map<String, Long>> ticks0 = new ArrayList<>();
        for (long pid : pids) {
            ticks0.add(Procs.threadTicks(pid));
        }
        long t0 = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(options.idleSeconds));
        List<Map<String, Long>> ticks1 = new ArrayList<>();
        for (long pid : pids) {
            ticks1.add(Procs.threadTicks(pid));
        }
        long t1 = System.nanoTime();
        results.of(Setup.DEFAULT).idle = idleResult(d, ds, ticks0.subList(0, 2), ticks1.subList(0, 2), t1 - t0,
                warmedSeconds);
        results.of(Setup.PEER).idle = idleResult(p, ps, ticks0.subList(2, 4), ticks1.subList(2, 4), t1 - t0,
                warmedSeconds);
        jvmStart(ds.standbyPid());
        for (Setup s : Setup.values()) {
            Results.Idle r = results.of(s).idle;
            progress.printf(Locale.ROOT, "idle: %s: %.2f %% of a core, RSS %.1f MB + %.1f MB%n", s.label,
                    r.cpuPct(), r.primaryRssMb(), r.standbyRssMb());
        }
        d.stop();
        p.stop();
        results.of(Setup.DEFAULT).sequences.add(d.sequence("idle"));
        results.of(Setup.PEER).sequences.add(p.sequence("idle"));
    }

    /**
     * For reference: how long a bare JVM takes here to start, load phoenix's command line and end, with the very
     * command line a primary uses to start its standby (read from the standby's /proc/PID/cmdline) and
     * {@code --help} in place of the member's arguments.
     */
    private void jvmStart(long standbyPid) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        for (String arg : Files.readString(Path.of("/proc", String.valueOf(standbyPid), "cmdline")).split("\0")) {
            cmd.add(arg);
            if ("phoenix.cli.Main".equals(arg)) {
                break;
            }
        }
        if (!cmd.get(cmd.size() - 1).equals("phoenix.cli.Main")) {
            progress.println("bench: cannot tell the standby's command line; no JVM start reference");
            return;
        }
        cmd.add("--help");
        for (int i = 0; i < JVM_STARTS; i++) {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new BenchException("a bare JVM (" + String.join(" ", cmd) + ") did not end within 30 s");
            }
            results.jvmStartMs.add(ms(System.nanoTime() - start));
        }
        progress.printf(Locale.ROOT, "reference: the standby's java command with --help runs in %s ms (p50 of %d)%n",
                Report.ms(Samples.of(results.jvmStartMs).median()), JVM_STARTS);
    }

    private static Results.Idle idleResult(BenchPair pair, PairStatus st, List<Map<String, Long>> before,
            List<Map<String, Long>> after, long windowNs, double warmedSeconds) throws InterruptedException {
        double hz = Procs.clockTicksPerSecond();
        double seconds = windowNs / 1e9;
        double[] pct = new double[4];
        boolean complete = true;
        String[] kinds = {"all", "main", "jit"};
        for (int member = 0; member < 2; member++) {
            Map<String, Long> b = before.get(member);
            Map<String, Long> a = after.get(member);
            if (b.isEmpty() || a.isEmpty()) {
                complete = false;
                continue;
            }
            for (int k = 0; k < kinds.length; k++) {
                double p = 100.0 * (a.get(kinds[k]) - b.get(kinds[k])) / hz / seconds;
                if (k == 0) {
                    pct[member] = p;
                } else {
                    pct[1 + k] += p;
                }
            }
        }
        double primaryRss = Procs.rssKb(st.primaryPid()) / 1024.0;
        double standbyRss = Procs.rssKb(st.standbyPid()) / 1024.0;
        PairStatus later = pair.awaitProtected(PROTECTED_WITHIN);
        boolean same = complete && later.primaryPid() == st.primaryPid() && later.standbyPid() == st.standbyPid();
        return new Results.Idle(seconds, warmedSeconds, pct[0] + pct[1], pct[0], pct[1], pct[2], pct[3], primaryRss,
                standbyRss, same);
    }
}
