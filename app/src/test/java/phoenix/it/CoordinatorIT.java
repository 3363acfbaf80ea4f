package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import phoenix.testing.Sequence;
import phoenix.testing.cluster.ZkEnsemble;

/**
 * A pair that keeps its epochs and checkpoint in ZooKeeper ({@code --coordinator}), against a 3-server ensemble
 * of real JVMs on 127.0.0.1: takeovers claim their epochs there, a start with another state directory (as on
 * another host) goes on from the count kept there, and a primary whose ZooKeeper falls silent stops printing
 * within its session timeout and the pair goes on without a gap once ZooKeeper is back.
 */
@Tag("integration")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CoordinatorIT extends WithPair {
    private static final Duration SESSION = Duration.ofSeconds(2);
    private static final String HOST = host();

    @TempDir
    static Path servers;
    private static ZkEnsemble zk;

    @BeforeAll
    static void startEnsemble() throws Exception {
        zk = ZkEnsemble.onLoopback(3, servers);
        zk.start();
        zk.awaitQuorum(Duration.ofSeconds(60));
    }

    @AfterAll
    static void killEnsemble() {
        if (zk != null) {
            zk.close();
        }
    }

    /** The host's name as the members announce it: the kernel's. */
    private static String host() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    private static String coordinator(String test) {
        return "zk://" + zk.connectString() + "/phoenix-it/" + test;
    }

    @Test
    void takeoversClaimInZooKeeperAndAnotherStateDirectoryGoesOnFromItsCount() throws Exception {
        String coordinator = coordinator("kills");
        pair = new PairHarness().start("--interval", "20ms", "--coordinator", coordinator);
        PairStatus first = pair.awaitProtected();
        // A start of the same name with another state directory (another host, say) while the pair runs would be
        // a second pair under that name, each fencing the other's epochs: refused, and the pair is left alone.
        try (PairHarness elsewhere = new PairHarness(null, pair.name)) {
            PairHarness.Result r = elsewhere.runOnce("run", "--interval", "20ms", "--coordinator", coordinator);
            PairHarness.assertOneLineError(r, "runs already under ZooKeeper", "pid " + first.primaryPid(),
                    "with another state directory");
            assertEquals("", r.out(), "nothing counted by the refused start");
        }
        assertEquals(first.primaryPid(), pair.awaitProtected().primaryPid(), "the pair goes on as it was");
        PairConfig withCoordinator = PairConfig.builder(pair.name).port(pair.port).stateDir(pair.stateDir)
                .coordinator(coordinator).build();
        int kills = 6;
        for (int i = 0; i < kills; i++) {
            PairStatus before = pair.awaitProtected();
            // The coordinator lists both members, in their roles, once they have announced themselves.
            List<PairMember> expected = List.of(new PairMember(before.primaryPid(), HOST,
                    "", "primary"), new PairMember(before.standbyPid(), HOST, "", "standby"));
            Awaits.await("the members listed by the coordinator", Duration.ofSeconds(30)).until(() ->
                    new java.util.HashSet<>(ProcessPair.members(withCoordinator)).equals(
                            new java.util.HashSet<>(expected)));
            pair.awaitLines(pair.lines().size() + 2);
            Kill.signal(before.primaryPid(), i % 2 == 0 ? "KILL" : "TERM");
            long takeovers = before.takeovers();
            pair.awaitStatus(s -> s.takeovers() > takeovers && s.primaryPid() != before.primaryPid(), "taken over");
            PairHarness.awaitGone(before.primaryPid());
        }
        PairStatus last = pair.awaitProtected();
        assertEquals(kills + 1, last.epoch(), "one epoch per start and takeover, claimed in ZooKeeper");
        Optional<PairStatus> stopped = ProcessPair.stop(pair.config(), Duration.ofSeconds(15));
        assertTrue(stopped.isPresent(), "stop found the pair");
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended after stop");
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem() + "\n" + pair.memberLog());
        assertTrue(seq.duplicates() <= kills, "at most one duplicate per takeover, found " + seq.duplicates());
        assertEquals(stopped.get().step(), seq.max(), "stop reports the last number printed");

        // The same pair started with another state directory, as on another host: the count is ZooKeeper's.
        String name = pair.name;
        pair.close();
        pair = new PairHarness(null, name).start("--interval", "20ms", "--coordinator", coordinator);
        pair.awaitLines(3);
        assertEquals(String.valueOf(seq.max() + 1), pair.lines().get(0),
                "the next start goes on from the count in ZooKeeper\n" + pair.memberLog());
        assertEquals(kills + 2, pair.awaitProtected().epoch(), "its epoch is above every epoch claimed before");
    }

    @Test
    void aPrimaryWhoseZooKeeperFallsSilentPrintsNothingUntilItIsBackAndNoNumberIsLost() throws Exception {
        pair = new PairHarness().start("--interval", "20ms", "--coordinator", coordinator("silent"),
                "--session-timeout", SESSION.toMillis() + "ms");
        pair.awaitProtected();
        pair.awaitLines(10);
        List<Integer> ids = List.of(1, 2, 3);
        long pausedNs = System.nanoTime();
        try {
            for (int id : ids) {
                Kill.signal(zk.pid(id), "STOP");
            }
            // The loop's check before a step says so, or the step thread's own check when the lease lapsed between
            // the two (then the loop's line never comes: a CI run waited 30 s for it).
            pair.awaitLogAny("no step until it does", "none is until the lease is confirmed again");
            int printed = pair.lines().size();
            // Silent for as long as ZooKeeper is: 3 session timeouts in all, and nothing printed meanwhile.
            Awaits.await("nothing printed while ZooKeeper is paused", SESSION.multipliedBy(4))
                    .during(SESSION.multipliedBy(2)).until(() -> pair.lines().size() == printed);
            List<Long> arrivals = pair.arrivals();
            long lastNs = arrivals.get(arrivals.size() - 1);
            assertTrue(lastNs - pausedNs < SESSION.toNanos(), "the last number came "
                    + (lastNs - pausedNs) / 1_000_000 + " ms after ZooKeeper was paused, not within the session "
                    + "timeout (" + SESSION.toMillis() + " ms)");
        } finally {
            for (int id : ids) {
                Kill.signal(zk.pid(id), "CONT");
            }
        }
        zk.awaitQuorum(Duration.ofSeconds(60));
        int before = pair.lines().size();
        pair.awaitLines(before + 20);
        pair.awaitProtected();
        Optional<PairStatus> stopped = ProcessPair.stop(pair.config(), Duration.ofSeconds(15));
        assertTrue(stopped.isPresent(), "stop found the pair");
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended after stop");
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem() + "\n" + pair.memberLog());
        assertTrue(seq.duplicates() <= 2, "at most one duplicate per takeover, found " + seq.duplicates());
    }

    /** Every server of the ensemble paused, for as long as the body runs; resumed whatever happens. */
    private static void whileZooKeeperIsPaused(ThrowingRunnable body) throws Exception {
        try {
            for (int id = 1; id <= zk.size(); id++) {
                Kill.signal(zk.pid(id), "STOP");
            }
            body.run();
        } finally {
            for (int id = 1; id <= zk.size(); id++) {
                Kill.signal(zk.pid(id), "CONT");
            }
        }
        zk.awaitQuorum(Duration.ofSeconds(60));
    }

    /** A step of a test that may throw. */
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aZooKeeperOutageLongerThanTheSessionWithThePrimaryKilledInItEndsNeitherThePairNorItsCount()
            throws Exception {
        pair = new PairHarness().start("--interval", "20ms", "--coordinator", coordinator("outage"),
                "--session-timeout", SESSION.toMillis() + "ms");
        PairStatus before = pair.awaitProtected();
        pair.awaitLines(10);
        whileZooKeeperIsPaused(() -> {
            Kill.signal(before.primaryPid(), "KILL");
            int printed = pair.lines().size();
            // The standby cannot claim an epoch while ZooKeeper is silent: it waits, printing nothing, for 3
            // session timeouts (found by an attack: it ended, and the pair with it).
            Awaits.await("nothing printed while ZooKeeper is paused", SESSION.multipliedBy(6))
                    .during(SESSION.multipliedBy(3)).until(() -> pair.lines().size() == printed);
            assertEquals(List.of(before.standbyPid()), pair.liveMemberPids(), "the standby waits, alive");
        });
        pair.awaitStatus(s -> s.takeovers() >= 1 && s.isProtected(), "taken over once ZooKeeper is back");
        pair.awaitLines(pair.lines().size() + 20);
        assertTrue(ProcessPair.stop(pair.config(), Duration.ofSeconds(15)).isPresent(), "stop found the pair");
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended after stop");
        Sequence seq = Sequence.of(pair.lines());
        assertTrue(seq.ok(), seq.problem() + "\n" + pair.memberLog());
        assertTrue(seq.duplicates() <= 1, "at most one duplicate for the takeover, found " + seq.duplicates());
    }

    @Test
    void theCountOutlivesThePairsZnodesRemovedAndAStopWhileZooKeeperIsPaused() throws Exception {
        String coordinator = coordinator("removed");
        pair = new PairHarness().start("--interval", "20ms", "--coordinator", coordinator);
        pair.awaitProtected();
        pair.awaitLines(10);
        // The pair's znodes removed under it (ZooKeeper's data lost, or an operator's deleteall).
        try (org.apache.curator.framework.CuratorFramework client = org.apache.curator.framework
                .CuratorFrameworkFactory.newClient(zk.connectString(), new org.apache.curator.retry.RetryNTimes(
                        10, 200))) {
            client.start();
            client.delete().deletingChildrenIfNeeded().forPath("/phoenix-it/removed/" + pair.name);
        }
        PairStatus before = pair.awaitProtected();
        Kill.signal(before.primaryPid(), "KILL");
        pair.awaitStatus(s -> s.primaryPid() != before.primaryPid() && s.isProtected(), "taken over");
        pair.awaitLines(pair.lines().size() + 20);

        // A stop while ZooKeeper is paused: the standby is told first, the stop waits on ZooKeeper for seconds at
        // most, and the state directory's copy keeps the last number (found by an attack: the standby took over
        // the pair being stopped, and a restart repeated the steps ZooKeeper had missed).
        whileZooKeeperIsPaused(() -> {
            assertTrue(ProcessPair.stop(pair.config(), Duration.ofSeconds(15)).isPresent(), "stop found the pair");
            assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended after stop");
        });
        Sequence first = Sequence.of(pair.lines());
        assertTrue(first.ok(), first.problem() + "\n" + pair.memberLog());
        pair.start("--interval", "20ms", "--coordinator", coordinator);
        Awaits.await("the restart's first number", PairHarness.PROTECTED_WITHIN)
                .until(() -> !pair.linesOfStart(1).isEmpty());
        assertEquals(String.valueOf(first.max() + 1), pair.linesOfStart(1).get(0),
                "the restart goes on from the last number\n" + pair.memberLog());
        assertTrue(ProcessPair.stop(pair.config(), Duration.ofSeconds(15)).isPresent());
    }
}
