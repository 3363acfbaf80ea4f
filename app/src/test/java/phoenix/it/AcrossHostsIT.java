package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import phoenix.pair.PairConfig;
import phoenix.pair.PairMember;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;
import phoenix.testing.Awaits;
import phoenix.testing.Kill;
import phoenix.testing.ProcessTracker;
import phoenix.testing.Sequence;
import phoenix.testing.cluster.Netns;
import phoenix.testing.cluster.ZkEnsemble;

/**
 * A pair across hosts ({@code --coordinator} and {@code --bind}), with real processes and real faults: a
 * 3-server ZooKeeper ensemble on hosts 1-3 and the pair's members on hosts 4-6, each host a network namespace
 * ({@link Netns}) with a host name of its own. Each fault is applied {@code phoenix.acrossHosts.rounds} times
 * (default 10), round after round on whichever host holds the primary then: the primary's process killed; every
 * process of its host killed at once (the host is started again); its host paused for 3x the session timeout;
 * its host cut off from everything, and from ZooKeeper only, until another host has taken over; its host cut off
 * from the other members only, for 3x the session timeout (no takeover: ZooKeeper still confirms its lease); the
 * ZooKeeper leader killed. Checked on the merged output of all hosts: no gap, at most one duplicate per takeover,
 * nothing printed on the old primary's host after another host's first number, the pair protected again with a
 * standby on every host afterwards. Needs root and iproute2: skipped without them, except under CI, where it fails.
 */
@Tag("integration")
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class AcrossHostsIT {
    private static final Duration SESSION = Duration.ofSeconds(2);
    private static final Duration SETTLED_WITHIN = Duration.ofSeconds(60);
    private static final int SERVERS = 3;
    private static final int[] PAIR_HOSTS = {4, 5, 6};
    private static final int ROUNDS = Integer.getInteger("phoenix.acrossHosts.rounds", 10);
    private static final Path LOGS = Path.of("target", "it-logs");

    /** The faults, applied in this order, round after round. */
    enum Fault {
        /** SIGKILL to the primary's process. */
        KILL_PRIMARY,
        /** SIGKILL to every member on the primary's host at once; the host is started again. */
        KILL_HOST,
        /** SIGSTOP to every member on the primary's host for 3x the session timeout, then SIGCONT. */
        PAUSE_HOST,
        /** The primary's host cut off from everything until another host has taken over. */
        ISOLATE_HOST,
        /** The primary's host cut off from the ZooKeeper servers only until another host has taken over. */
        CUT_FROM_ZOOKEEPER,
        /** The primary's host cut off from the other members only, for 3x the session timeout. */
        CUT_FROM_MEMBERS,
        /** The ZooKeeper leader killed, then started again. */
        KILL_ZK_LEADER
    }

    /** One line of output: which host printed it, and when it arrived here. */
    record Line(int host, long atNs, String text) {
    }

    /** Who is the primary: its host, pid and epoch. */
    record Primary(int host, long pid, long epoch) {
    }

    @TempDir
    Path work;
    private Netns net;
    private ZkEnsemble zk;
    private final String name = "x-" + UUID.randomUUID().toString().substring(0, 8);
    private final int port = 47_000 + (int) (ProcessHandle.current().pid() % 1000);
    private final Map<Integer, Host> hosts = new TreeMap<>();
    private final List<Line> lines = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void removeEverything() {
        // Processes first: a namespace with a process still in it outlives its name.
        for (Host h : hosts.values()) {
            h.tracker.close();
        }
        if (zk != null) {
            zk.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void everyFaultOfAHostIsTakenOverWithoutAGapAndNoOverlap() throws Exception {
        requireNamespaces();
        Files.createDirectories(LOGS);
        net = Netns.create(SERVERS + PAIR_HOSTS.length);
        zk = ZkEnsemble.inNamespaces(net, work.resolve("zk"), SERVERS);
        zk.start();
        zk.awaitQuorum(SETTLED_WITHIN);
        for (int n : PAIR_HOSTS) {
            hosts.put(n, new Host(n));
        }
        Host first = hosts.get(PAIR_HOSTS[0]);
        first.start();
        Awaits.await("the first host's pair protected", SETTLED_WITHIN).ignoreExceptions()
                .until(() -> first.status().map(PairStatus::isProtected).orElse(false));
        for (int i = 1; i < PAIR_HOSTS.length; i++) {
            // The pair's secret, copied as an operator would (owner-only): every member proves it to the others.
            Host h = hosts.get(PAIR_HOSTS[i]);
            Files.createDirectory(h.stateDir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Files.copy(first.stateDir.resolve("secret"), h.stateDir.resolve("secret"),
                    StandardCopyOption.COPY_ATTRIBUTES);
            h.start();
        }
        Primary primary = awaitSettled(0);
        long takeovers = 0;
        List<String> figures = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            for (Fault fault : Fault.values()) {
                Primary before = primary;
                long faultNs = System.nanoTime();
                primary = apply(fault, before);
                long elsewhereNs = firstLineAfter(faultNs, primary.host());
                if (primary.host() != before.host()) {
                    // Nothing printed on the old primary's host once another host has printed.
                    Optional<Line> late = after(elsewhereNs, before.host());
                    assertTrue(late.isEmpty(), fault + ": host " + before.host() + " printed " + late.map(Line::text)
                            .orElse("") + " after host " + primary.host() + "'s first number\n" + logs());
                }
                takeovers += primary.epoch() - before.epoch();
                String figure = fault + " round " + (round + 1) + ": primary host " + before.host() + " -> "
                        + primary.host() + ", epoch " + before.epoch() + " -> " + primary.epoch()
                        + (primary.epoch() > before.epoch() ? ", next number after " + (elsewhereNs - faultNs)
                        / 1_000_000 + " ms" : "");
                figures.add(figure);
                System.out.println("AcrossHostsIT: " + figure);
            }
        }
        takeovers += nobodyWithoutTheSecretGetsIn(primary);
        long stoppedAt = stopFromAStandbysHost(awaitSettled(0));
        List<String> merged;
        synchronized (lines) {
            merged = lines.stream().sorted(java.util.Comparator.comparingLong(Line::atNs)).map(Line::text).toList();
        }
        synchronized (lines) {
            Files.write(LOGS.resolve(name + "-out.txt"), lines.stream().sorted(java.util.Comparator.comparingLong(
                    Line::atNs)).map(l -> l.host() + " " + l.text()).toList(), StandardCharsets.UTF_8);
        }
        Sequence seq = Sequence.of(merged);
        assertTrue(seq.ok(), seq.problem() + "\n" + String.join("\n", figures) + "\n" + logs());
        assertTrue(seq.duplicates() <= takeovers, seq.duplicates() + " duplicates for " + takeovers + " takeovers");
        assertEquals(seq.max(), stoppedAt, "stop reports the last number printed on any host");
        System.out.println("AcrossHostsIT: " + seq.lines() + " lines, up to " + seq.max() + ", " + seq.duplicates()
                + " duplicates, " + takeovers + " takeovers, no gap");
    }

    /**
     * A start whose secret is not the pair's is refused with one line; connections that do not prove the secret
     * (a wrong proof, none at all, more than may wait at once) are closed, counted and logged, and a takeover
     * while they hang on the primary's port happens all the same.
     *
     * @return the takeovers it caused (one)
     */
    private long nobodyWithoutTheSecretGetsIn(Primary p) throws Exception {
        Path otherDir = work.resolve("intruder");
        List<String> cmd = List.of("unshare", "--uts", "sh", "-c", "hostname \"$0\" && exec \"$@\"", "intruder",
                PairHarness.ROOT.resolve("run-phoenix.sh").toString(), "run", "--name", name, "--port",
                String.valueOf(port), "--state-dir", otherDir.toString(), "--terminal", "none", "--coordinator",
                coordinator(), "--session-timeout", SESSION.toMillis() + "ms", "--bind", net.address(1));
        ProcessTracker once = hosts.get(p.host()).tracker;
        Process intruder = once.start(net.inHost(1, cmd).redirectInput(new File("/dev/null")));
        String err = new String(intruder.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String out = new String(intruder.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(intruder.waitFor(60, TimeUnit.SECONDS), "the intruding start ended");
        assertEquals(2, intruder.exitValue(), "a start with another secret is refused: " + err);
        assertTrue(err.contains("is not the one the pair's members on other hosts hold") && !err.contains("\tat "),
                "one line that says why: " + err);
        assertEquals("", out, "the refused start printed no number");

        java.net.InetSocketAddress at = new java.net.InetSocketAddress(net.address(p.host()), port);
        List<java.nio.channels.SocketChannel> idle = new ArrayList<>();
        try (java.nio.channels.SocketChannel wrong = java.nio.channels.SocketChannel.open(at)) {
            wrong.socket().setSoTimeout(10_000);
            java.io.InputStream in = wrong.socket().getInputStream();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String hello = reader.readLine();
            assertTrue(hello != null && hello.startsWith("HELLO "), "the primary says hello: " + hello);
            wrong.socket().getOutputStream().write(("AUTH 1 intruder " + "0".repeat(32) + " " + "0".repeat(64) + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals("DENIED", reader.readLine(), "a wrong proof is denied");
            assertEquals(null, reader.readLine(), "and the primary closes the connection");
            for (int i = 0; i < 12; i++) {
                idle.add(java.nio.channels.SocketChannel.open(at));
            }
            long before = System.nanoTime();
            Kill.together("KILL", p.pid());
            Primary next = awaitSettled(p.epoch() + 1);
            System.out.println("AcrossHostsIT: takeover with 12 silent connections on the primary's port: next number "
                    + "after " + (firstLineAfter(before, next.host()) - before) / 1_000_000 + " ms");
            Awaits.await("the refusals logged", SETTLED_WITHIN).until(() -> Files.readString(hosts.get(p.host()).log)
                    .contains("connections from other hosts") || Files.readString(hosts.get(p.host()).log)
                    .contains("connection from other hosts"));
            return next.epoch() - p.epoch();
        } finally {
            for (java.nio.channels.SocketChannel c : idle) {
                c.close();
            }
        }
    }

    /**
     * {@code stop} on a host where only a standby runs: the primary, on another host, is asked there, and every
     * member on every host ends.
     *
     * @return the step the stop reported
     */
    private long stopFromAStandbysHost(Primary p) throws Exception {
        int standbyHost = java.util.Arrays.stream(PAIR_HOSTS).filter(h -> h != p.host()).findFirst().orElseThrow();
        Host h = hosts.get(standbyHost);
        List<String> cmd = List.of("unshare", "--uts", "sh", "-c", "hostname \"$0\" && exec \"$@\"",
                hostName(standbyHost), PairHarness.ROOT.resolve("run-phoenix.sh").toString(), "stop", "--name", name,
                "--port", String.valueOf(port), "--state-dir", h.stateDir.toString(), "--coordinator", coordinator());
        Process stop = h.tracker.start(net.inHost(standbyHost, cmd).redirectInput(new File("/dev/null")));
        String err = new String(stop.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(stop.waitFor(60, TimeUnit.SECONDS), "stop ended");
        assertEquals(0, stop.exitValue(), "stop from host " + standbyHost + ": " + err + "\n" + logs());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("stopped at \\S+ (\\d+)").matcher(err);
        assertTrue(m.find(), "stop says where the pair stopped: " + err);
        for (Host each : hosts.values()) {
            Awaits.await("every member on host " + each.n + " ended", SETTLED_WITHIN).until(() -> each.tracker
                    .descendants().stream().noneMatch(d -> d.info().command().map(c -> c.endsWith("java"))
                    .orElse(false)));
        }
        return Long.parseLong(m.group(1));
    }

    /** Applies one fault to the primary's host, and waits until the pair is settled again. */
    private Primary apply(Fault fault, Primary p) throws Exception {
        Host host = hosts.get(p.host());
        switch (fault) {
            case KILL_PRIMARY:
                Kill.together("KILL", p.pid());
                return awaitSettled(p.epoch() + 1);
            case KILL_HOST:
                Kill.together("KILL", host.pids());
                Primary next = awaitPrimaryElsewhere(p);
                host.start();
                return awaitSettled(next.epoch());
            case PAUSE_HOST:
                Kill.pauseTogether(SESSION.multipliedBy(3), host.pids());
                return awaitSettled(p.epoch() + 1, p.host());
            case ISOLATE_HOST:
                net.isolate(p.host());
                try {
                    awaitPrimaryElsewhere(p);
                } finally {
                    net.heal();
                }
                return awaitSettled(p.epoch() + 1, p.host());
            case CUT_FROM_ZOOKEEPER:
                net.cut(p.host(), 1, 2, 3);
                try {
                    awaitPrimaryElsewhere(p);
                } finally {
                    net.heal();
                }
                return awaitSettled(p.epoch() + 1, p.host());
            case CUT_FROM_MEMBERS:
                int[] others = java.util.Arrays.stream(PAIR_HOSTS).filter(h -> h != p.host()).toArray();
                net.cut(p.host(), others);
                try {
                    // The fault's length, not a wait for an outcome: the primary keeps its lease all along.
                    Awaitility.await().during(SESSION.multipliedBy(3)).atMost(SESSION.multipliedBy(4))
                            .until(() -> primaryOn(p.host()).map(q -> q.pid() == p.pid()).orElse(false));
                } finally {
                    net.heal();
                }
                Primary same = awaitSettled(p.epoch());
                assertEquals(p, same, "cut off from the other members only, the primary goes on as it was");
                return same;
            case KILL_ZK_LEADER:
                int leader = zk.leader();
                zk.kill(leader);
                zk.awaitQuorum(SETTLED_WITHIN, java.util.stream.IntStream.rangeClosed(1, SERVERS)
                        .filter(i -> i != leader).toArray());
                zk.start(leader);
                zk.awaitQuorum(SETTLED_WITHIN);
                return awaitSettled(p.epoch());
            default:
                throw new IllegalStateException("unknown fault " + fault);
        }
    }

    /** Waits for a primary on another host than {@code p}'s, of a newer epoch, printing. */
    private Primary awaitPrimaryElsewhere(Primary p) {
        AtomicReference<Primary> found = new AtomicReference<>();
        Awaits.await("a primary on another host than " + p.host(), SETTLED_WITHIN).ignoreExceptions().until(() -> {
            for (int h : PAIR_HOSTS) {
                Optional<Primary> q = h == p.host() ? Optional.empty() : primaryOn(h);
                if (q.isPresent() && q.get().epoch() > p.epoch()) {
                    found.set(q.get());
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    /**
     * Waits until the pair is settled: a primary of at least {@code minEpoch}, not on a host in {@code notOn},
     * protected by a standby on its own host, and on every other pair host a standby that watches it over TCP.
     */
    private Primary awaitSettled(long minEpoch, int... notOn) {
        AtomicReference<Primary> found = new AtomicReference<>();
        Awaits.await("the pair settled, epoch " + minEpoch + " or later, a standby on every host",
                SETTLED_WITHIN).ignoreExceptions().until(() -> {
                    for (int h : PAIR_HOSTS) {
                        if (java.util.Arrays.stream(notOn).anyMatch(n -> n == h)) {
                            continue;
                        }
                        Optional<PairStatus> s = hosts.get(h).status();
                        if (s.isEmpty() || s.get().primaryPid() == 0 || !s.get().isProtected()
                                || s.get().epoch() < minEpoch) {
                            continue;
                        }
                        long pid = s.get().primaryPid();
                        List<PairMember> members = ProcessPair.members(hosts.get(h).config());
                        for (int other : PAIR_HOSTS) {
                            String otherName = hostName(other);
                            if (other != h && members.stream().noneMatch(m -> m.host().equals(otherName)
                                    && m.role().equals("standby") && m.watching() == pid)) {
                                return false;
                            }
                        }
                        found.set(new Primary(h, pid, s.get().epoch()));
                        return true;
                    }
                    return false;
                });
        return found.get();
    }

    /** The primary running on host {@code h}, if one does. */
    private Optional<Primary> primaryOn(int h) {
        return hosts.get(h).status().filter(s -> s.primaryPid() != 0)
                .map(s -> new Primary(h, s.primaryPid(), s.epoch()));
    }

    /** When host {@code h} printed its first line after {@code sinceNs}; waits for it. */
    private long firstLineAfter(long sinceNs, int h) {
        AtomicReference<Long> at = new AtomicReference<>();
        Awaits.await("a number from host " + h, SETTLED_WITHIN).until(() -> {
            synchronized (lines) {
                lines.stream().filter(l -> l.host() == h && l.atNs() - sinceNs > 0).findFirst()
                        .ifPresent(l -> at.set(l.atNs()));
            }
            return at.get() != null;
        });
        return at.get();
    }

    private Optional<Line> after(long sinceNs, int h) {
        synchronized (lines) {
            return lines.stream().filter(l -> l.host() == h && l.atNs() - sinceNs > 0).findFirst();
        }
    }

    private String hostName(int n) {
        return "h" + n + "-" + net.prefix();
    }

    private String coordinator() {
        return "zk://" + zk.connectString() + "/phoenix-it";
    }

    private String logs() throws IOException {
        StringBuilder out = new StringBuilder();
        for (Host h : hosts.values()) {
            if (Files.exists(h.log)) {
                List<String> all = Files.readAllLines(h.log, StandardCharsets.UTF_8);
                out.append("--- host ").append(h.n).append(" (last 40 lines)\n")
                        .append(String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size())))
                        .append('\n');
            }
        }
        return out.toString();
    }

    /** One host of the pair: its state directory, its members (under a subreaper of its own), its log. */
    private final class Host {
        final int n;
        final Path stateDir;
        final Path log;
        final ProcessTracker tracker;

        Host(int n) {
            this.n = n;
            this.stateDir = work.resolve("h" + n);
            // Kept after the test (the temporary directory is not): what each host's members said, for a failure.
            this.log = LOGS.resolve(name + "-h" + n + ".log");
            this.tracker = new ProcessTracker("AcrossHostsIT host " + n);
        }

        /** Starts a member in the host: {@code run-phoenix.sh run} with the coordinator and the host's address. */
        void start() throws IOException {
            List<String> cmd = new ArrayList<>(List.of("unshare", "--uts", "sh", "-c",
                    "hostname \"$0\" && exec \"$@\"", hostName(n), "python3",
                    PairHarness.ROOT.resolve("test-scripts/subreaper.py").toString(),
                    PairHarness.ROOT.resolve("run-phoenix.sh").toString(), "run", "--name", name, "--port",
                    String.valueOf(port), "--state-dir", stateDir.toString(), "--terminal", "none", "--interval",
                    "20ms", "--coordinator", coordinator(), "--session-timeout", SESSION.toMillis() + "ms", "--bind",
                    net.address(n)));
            Process p = tracker.startSubreaper(net.inHost(n, cmd).redirectInput(new File("/dev/null"))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())));
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(new Line(n, System.nanoTime(), line));
                    }
                } catch (IOException e) {
                    // The host's members ended.
                }
            }, "stdout of host " + n);
            reader.setDaemon(true);
            reader.start();
        }

        /** @return the pids of the host's members: every Java process under its subreapers */
        long[] pids() {
            long[] pids = tracker.descendants().stream()
                    .filter(h -> h.info().command().map(c -> c.endsWith("java")).orElse(false))
                    .mapToLong(ProcessHandle::pid).toArray();
            assertNotEquals(0, pids.length, "host " + n + " runs members");
            return pids;
        }

        PairConfig config() {
            return PairConfig.builder(name).port(port).stateDir(stateDir).coordinator(coordinator())
                    .sessionTimeout(SESSION).build();
        }

        Optional<PairStatus> status() {
            return ProcessPair.status(config());
        }
    }

    /** Skips without namespaces, and says why; under CI they must be there. */
    private static void requireNamespaces() {
        Optional<String> why = Netns.unavailableBecause();
        if (why.isPresent()) {
            String message = "AcrossHostsIT's hosts: " + why.get();
            if (Boolean.getBoolean("phoenix.requireTools") || "true".equals(System.getenv("CI"))) {
                fail(message + " (under CI, missing tools fail the build)");
            }
            Assumptions.assumeTrue(false, message);
        }
    }
}
