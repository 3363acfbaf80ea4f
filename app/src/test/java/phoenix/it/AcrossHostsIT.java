package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import phoenix.testing.Awaits;
import phoenix.testing.Kill;
import phoenix.testing.ProcessTracker;
import phoenix.testing.Sequence;
import phoenix.testing.cluster.Netns;
import phoenix.testing.cluster.PairHosts;
import phoenix.testing.cluster.PairHosts.Line;
import phoenix.testing.cluster.PairHosts.Primary;

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

    @TempDir
    Path work;
    private PairHosts hosts;

    @AfterEach
    void removeEverything() {
        if (hosts != null) {
            hosts.close();
        }
    }

    @Test
    void everyFaultOfAHostIsTakenOverWithoutAGapAndNoOverlap() throws Exception {
        Netns.assumeAvailable("AcrossHostsIT");
        hosts = PairHosts.builder(work, PairHarness.ROOT).hosts(SERVERS, PAIR_HOSTS.length).logs(LOGS)
                .session(SESSION).settledWithin(SETTLED_WITHIN).build();
        hosts.startEnsemble();
        Primary primary = hosts.startPair();
        long takeovers = 0;
        List<String> figures = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            for (Fault fault : Fault.values()) {
                Primary before = primary;
                long faultNs = System.nanoTime();
                primary = apply(fault, before);
                long elsewhereNs = hosts.firstLineAfter(faultNs, primary.host());
                if (primary.host() != before.host()) {
                    // Nothing printed on the old primary's host once another host has printed.
                    Optional<Line> late = hosts.lineAfter(elsewhereNs, before.host());
                    assertTrue(late.isEmpty(), fault + ": host " + before.host() + " printed " + late.map(Line::text)
                            .orElse("") + " after host " + primary.host() + "'s first number\n" + hosts.logs());
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
        long stoppedAt = stopFromAStandbysHost(hosts.awaitSettled(0));
        List<Line> all = hosts.lines();
        List<String> merged = all.stream().map(Line::text).toList();
        Files.write(LOGS.resolve(hosts.name() + "-out.txt"), all.stream().map(l -> l.host() + " " + l.text())
                .toList(), StandardCharsets.UTF_8);
        Sequence seq = Sequence.of(merged);
        assertTrue(seq.ok(), seq.problem() + "\n" + String.join("\n", figures) + "\n" + hosts.logs());
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
                PairHarness.ROOT.resolve("run-phoenix.sh").toString(), "run", "--name", hosts.name(), "--port",
                String.valueOf(hosts.port()), "--state-dir", otherDir.toString(), "--terminal", "none",
                "--coordinator", hosts.coordinator(), "--session-timeout", SESSION.toMillis() + "ms", "--bind",
                hosts.net().address(1));
        ProcessTracker once = hosts.host(p.host()).tracker();
        Process intruder = once.start(hosts.net().inHost(1, cmd).redirectInput(new File("/dev/null")));
        String err = new String(intruder.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String out = new String(intruder.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(intruder.waitFor(60, TimeUnit.SECONDS), "the intruding start ended");
        assertEquals(2, intruder.exitValue(), "a start with another secret is refused: " + err);
        assertTrue(err.contains("is not the one the pair's members on other hosts hold") && !err.contains("\tat "),
                "one line that says why: " + err);
        assertEquals("", out, "the refused start printed no number");

        java.net.InetSocketAddress at = new java.net.InetSocketAddress(hosts.net().address(p.host()), hosts.port());
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
            Primary next = hosts.awaitSettled(p.epoch() + 1);
            System.out.println("AcrossHostsIT: takeover with 12 silent connections on the primary's port: next number "
                    + "after " + (hosts.firstLineAfter(before, next.host()) - before) / 1_000_000 + " ms");
            Path log = hosts.host(p.host()).log();
            Awaits.await("the refusals logged", SETTLED_WITHIN).until(() -> Files.readString(log)
                    .contains("connections from other hosts") || Files.readString(log)
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
        PairHosts.Host h = hosts.host(standbyHost);
        Process stop = h.tracker().start(h.command(List.of(PairHarness.ROOT.resolve("run-phoenix.sh").toString(),
                "stop", "--name", hosts.name(), "--port", String.valueOf(hosts.port()), "--state-dir",
                h.stateDir().toString(), "--coordinator", hosts.coordinator())));
        String err = new String(stop.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(stop.waitFor(60, TimeUnit.SECONDS), "stop ended");
        assertEquals(0, stop.exitValue(), "stop from host " + standbyHost + ": " + err + "\n" + hosts.logs());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("stopped at \\S+ (\\d+)").matcher(err);
        assertTrue(m.find(), "stop says where the pair stopped: " + err);
        for (int n : PAIR_HOSTS) {
            PairHosts.Host each = hosts.host(n);
            Awaits.await("every member on host " + n + " ended", SETTLED_WITHIN).until(() -> each.tracker()
                    .descendants().stream().noneMatch(d -> d.info().command().map(c -> c.endsWith("java"))
                    .orElse(false)));
        }
        return Long.parseLong(m.group(1));
    }

    /** Applies one fault to the primary's host, and waits until the pair is settled again. */
    private Primary apply(Fault fault, Primary p) throws Exception {
        PairHosts.Host host = hosts.host(p.host());
        switch (fault) {
            case KILL_PRIMARY:
                Kill.together("KILL", p.pid());
                return hosts.awaitSettled(p.epoch() + 1);
            case KILL_HOST:
                Kill.together("KILL", host.pids());
                Primary next = hosts.awaitPrimaryElsewhere(p);
                host.start();
                return hosts.awaitSettled(next.epoch());
            case PAUSE_HOST:
                Kill.pauseTogether(SESSION.multipliedBy(3), host.pids());
                return hosts.awaitSettled(p.epoch() + 1, p.host());
            case ISOLATE_HOST:
                hosts.net().isolate(p.host());
                try {
                    hosts.awaitPrimaryElsewhere(p);
                } finally {
                    hosts.net().heal();
                }
                return hosts.awaitSettled(p.epoch() + 1, p.host());
            case CUT_FROM_ZOOKEEPER:
                hosts.net().cut(p.host(), 1, 2, 3);
                try {
                    hosts.awaitPrimaryElsewhere(p);
                } finally {
                    hosts.net().heal();
                }
                return hosts.awaitSettled(p.epoch() + 1, p.host());
            case CUT_FROM_MEMBERS:
                int[] others = java.util.Arrays.stream(PAIR_HOSTS).filter(h -> h != p.host()).toArray();
                hosts.net().cut(p.host(), others);
                try {
                    // The fault's length, not a wait for an outcome: the primary keeps its lease all along.
                    Awaitility.await().during(SESSION.multipliedBy(3)).atMost(SESSION.multipliedBy(4))
                            .until(() -> hosts.primaryOn(p.host()).map(q -> q.pid() == p.pid()).orElse(false));
                } finally {
                    hosts.net().heal();
                }
                Primary same = hosts.awaitSettled(p.epoch());
                assertEquals(p, same, "cut off from the other members only, the primary goes on as it was");
                return same;
            case KILL_ZK_LEADER:
                int leader = hosts.zk().leader();
                hosts.zk().kill(leader);
                hosts.zk().awaitQuorum(SETTLED_WITHIN, java.util.stream.IntStream.rangeClosed(1, SERVERS)
                        .filter(i -> i != leader).toArray());
                hosts.zk().start(leader);
                hosts.zk().awaitQuorum(SETTLED_WITHIN);
                return hosts.awaitSettled(p.epoch());
            default:
                throw new IllegalStateException("unknown fault " + fault);
        }
    }
}
