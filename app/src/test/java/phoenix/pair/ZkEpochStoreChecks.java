package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import phoenix.testing.Awaits;
import phoenix.testing.ProcessTracker;
import phoenix.testing.cluster.TcpProxy;
import phoenix.testing.cluster.ZkEnsemble;

/**
 * The ZooKeeper store against a real ensemble: the {@link EpochStore} contract, and what only ZooKeeper shows (a
 * fenced writer refused, a removed epoch never claimed again, the checkpoint across a killed leader, the lease
 * ending before the session can expire), and that a store without a coordinator loads no class of Curator or
 * ZooKeeper. The checks live here because the store is package-private; {@code phoenix.it.ZkEpochStoreIT} runs
 * them with its ensemble, in the integration pass.
 */
public abstract class ZkEpochStoreChecks extends EpochStoreContract {
    private static final Duration SESSION = Duration.ofSeconds(2);
    private static final Duration MARGIN = ZkEpochStore.defaultMargin(SESSION);
    private static final Duration WITHIN = Duration.ofSeconds(30);
    // How long servers may take to form a quorum again, after a kill or a restart: as long as the ensemble's start
    // is given. At load 20 on two cores a restarted server served 22 s after its start, an election took 1 to 5 s.
    private static final Duration QUORUM = Duration.ofSeconds(60);
    private static final AtomicLong ROOTS = new AtomicLong();

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final ProcessTracker tracker = new ProcessTracker("ZkEpochStoreChecks");
    private String root;

    @TempDir
    Path work;

    /** @return the running ensemble the checks use; they leave it whole, every server running */
    protected abstract ZkEnsemble ensemble();

    @BeforeEach
    void newRoot(TestInfo test) {
        root = "/phoenix-it/" + test.getTestMethod().orElseThrow().getName() + "-" + ROOTS.incrementAndGet()
                + "/pair";
    }

    @AfterEach
    void closeAndHeal() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        tracker.close();
        boolean restarted = false;
        for (int id = 1; id <= ensemble().size(); id++) {
            if (!ensemble().running(id)) {
                ensemble().start(id);
                restarted = true;
            }
        }
        if (restarted) {
            ensemble().awaitQuorum(QUORUM);
        }
    }

    @Override
    EpochStore open() {
        return open(ensemble().connectString());
    }

    private ZkEpochStore open(String connect) {
        ZkEpochStore s = ZkEpochStore.open(connect, root, SESSION, MARGIN, WITHIN);
        opened.add(s);
        return s;
    }

    @Test
    protected void aFencedWritersLateWriteIsRefused() throws Exception {
        EpochStore old = open();
        old.claimEpoch(at(1, 1, 0));
        old.writeCheckpoint(at(1, 5, 0));
        EpochStore taker = open();
        taker.claimEpoch(at(2, 5, 0));
        // From the taker's claim on, the old primary's writes are refused (the claim moved the fence), before the
        // taker has written anything: a primary fenced on another host stops at its next step.
        StaleEpochException e = assertThrows(StaleEpochException.class, () -> old.writeCheckpoint(at(1, 6, 0)));
        assertEquals(2, e.storedEpoch());
        assertTrue(e.getMessage().contains("epoch 2") && e.getMessage().contains(root), e.getMessage());
        assertEquals(5, taker.readCheckpoint(true).orElseThrow().snapshot().step(), "the last write before the claim");
        taker.writeCheckpoint(at(2, 7, 0));

        assertThrows(StaleEpochException.class, () -> old.writeCheckpoint(at(1, 8, 0)));
        assertEquals(at(2, 7, 0), open().readCheckpoint(false).orElseThrow(), "the late writes changed nothing");
    }

    @Test
    protected void aPrimarysLeaseEndsOnceANewerEpochIsClaimedThoughItNeverWrites() throws Exception {
        ZkEpochStore old = open(ensemble().connectString());
        old.beginLease(System.nanoTime());
        assertTrue(old.claimEpoch(at(1, 1, 0)));
        Awaits.await("the primary's lease to be confirmed", WITHIN)
                .until(() -> old.lease().confirmed(System.nanoTime()));
        // A newer claim the old primary is never told of (its successor died before its FENCE): its renewals, not
        // a write, end its lease, a lease after the claim at most, and for good.
        long claimNs = System.nanoTime();
        assertTrue(open().claimEpoch(at(2, 1, 0)));
        Awaits.await("the old primary's lease to end", WITHIN).until(old::leaseLost);
        assertFalse(old.lease().confirmed(System.nanoTime()));
        assertTrue(old.confirmedUntilNs() - claimNs <= SESSION.toNanos() - MARGIN.toNanos(), "the lease ended "
                + ms(old.confirmedUntilNs() - claimNs) + " after the newer claim");
    }

    @Test
    protected void aClaimThatMustHonourTheStopMarkChecksItInItsTransactionAndLeavesNoMark() throws Exception {
        EpochStore old = open();
        assertTrue(old.claimEpoch(at(1, 1, 0)));
        old.markStopped();
        EpochStore spawned = open();
        spawned.prepareClaim();

        assertEquals(EpochStore.Claim.STOPPED, spawned.claimEpoch(at(2, 1, 0), true));
        assertEquals(1, open().maxCheckpointEpoch(), "nothing claimed");
        assertTrue(open().isStopped(), "the mark stays");
        assertEquals(EpochStore.Claim.CLAIMED, open().claimEpoch(at(2, 1, 0), false), "a claim that need not check");

        old.clearStopped();
        assertEquals(EpochStore.Claim.CLAIMED, spawned.claimEpoch(at(3, 1, 0), true));
        assertFalse(open().isStopped(), "the check's create and delete left no mark behind");
    }

    @Test
    protected void aClaimOnEpochsReadAheadFailsWhenAnotherClaimCameSinceAndNeverGoesBelowIt() throws Exception {
        EpochStore taker = open();
        assertTrue(taker.claimEpoch(at(1, 1, 0)));
        EpochStore standby = open();
        standby.prepareClaim();
        assertEquals(1, standby.highestForClaim(), "read ahead");
        // Another member claims epoch 2, then 3, after the standby read ahead; the standby's view is outdated.
        assertTrue(open().claimEpoch(at(2, 2, 0)));
        assertTrue(open().claimEpoch(at(3, 3, 0)));
        assertEquals(1, standby.highestForClaim(), "nothing read since: no round trip");

        // Epoch 2 is free in the view but claimed since: the transaction's check of the fence sees it.
        assertEquals(EpochStore.Claim.TAKEN, standby.claimEpoch(at(2, 9, 0), false));
        assertEquals(3, standby.highestForClaim(), "read again after the failed claim");
        assertEquals(EpochStore.Claim.TAKEN, standby.claimEpoch(at(3, 9, 0), false));
        assertEquals(EpochStore.Claim.CLAIMED, standby.claimEpoch(at(4, 9, 0), false));
        assertEquals(4, open().maxCheckpointEpoch());
    }

    @Test
    protected void aClaimOnEpochsReadAheadFailsOnceOlderEpochsWereRemovedAndClaimsOnTheFloorRead() throws Exception {
        EpochStore s = open();
        for (long e = 1; e <= 3; e++) {
            assertTrue(s.claimEpoch(at(e, e, 0)));
        }
        EpochStore standby = open();
        standby.prepareClaim();
        s.deleteCheckpointsBefore(3);

        assertEquals(EpochStore.Claim.CLAIMED, standby.claimEpoch(at(4, 4, 0), false), "the floor moved: read again");
        assertEquals(at(4, 4, 0), standby.readCheckpoint(true).orElseThrow());
    }

    @Test
    protected void aTakeoversReadWithItsClaimSeesTheOldPrimarysWritesAfterTheReadAhead() throws Exception {
        EpochStore old = open();
        assertTrue(old.claimEpoch(at(1, 1, 0)));
        old.writeCheckpoint(at(1, 5, 0));
        EpochStore standby = open();
        standby.prepareClaim();
        old.writeCheckpoint(at(1, 6, 0));
        old.writeCheckpoint(at(1, 7, 0));

        assertEquals(1, standby.highestForClaim());
        assertEquals(0, standby.baseAt(1), "the base from the record read ahead");
        assertTrue(standby.claimEpoch(at(2, 5, 0)));
        assertEquals(at(1, 7, 0), standby.readCheckpoint(true).orElseThrow(), "the old primary's last write");
        assertThrows(StaleEpochException.class, () -> old.writeCheckpoint(at(1, 8, 0)), "fenced by the claim");
        // After a fresh start (base 3) the records and checkpoint below it do not count.
        EpochStore fresh = open();
        fresh.prepareClaim();
        assertTrue(fresh.claimEpoch(at(3, 0, 3)));
        assertEquals(at(3, 0, 3), fresh.readCheckpoint(true).orElseThrow());
    }

    @Test
    protected void aRemovedEpochIsNeverClaimedAgain() throws Exception {
        EpochStore s = open();
        for (long e = 1; e <= 3; e++) {
            assertTrue(s.claimEpoch(at(e, e, 0)));
        }
        s.deleteCheckpointsBefore(3);

        // A member that chose epoch 2 before the removal and claims it only now.
        assertFalse(open().claimEpoch(at(2, 9, 0)), "epoch 2 was claimed once: never again");
        assertFalse(open().claimEpoch(at(1, 9, 0)));
        assertEquals(3, s.maxCheckpointEpoch());
        assertEquals(at(3, 3, 0), s.readCheckpoint(false).orElseThrow());
    }

    @Test
    protected void theNewestCheckpointOutlivesTheEnsemblesLeader() throws Exception {
        EpochStore s = open();
        s.claimEpoch(at(1, 1, 0));
        s.writeCheckpoint(at(1, 41, 0));
        EpochStore taker = open();
        taker.claimEpoch(at(2, 41, 0));
        taker.writeCheckpoint(at(2, 42, 0));

        int leader = ensemble().leader();
        assertTrue(leader > 0, "one leader: " + ensemble().modes());
        ensemble().kill(leader);
        // Nothing can be read before the two others form a quorum, and that is the ensemble's doing, not the
        // store's: await it on its own, so that servers that cannot form one (a leader that cannot bind its quorum
        // port, see ZkEnsemble) fail here with their logs, not as a read that timed out. The stores' 2 s sessions
        // may expire meanwhile; Curator then opens new ones, and the reads need nothing more.
        ensemble().awaitQuorum(QUORUM, others(leader));

        AtomicReference<PairState> read = new AtomicReference<>();
        Awaits.await("a read through the store's own client once another server leads", WITHIN)
                .ignoreExceptions().until(() -> {
                    read.set(s.readCheckpoint(false).orElseThrow());
                    return true;
                });
        assertEquals(at(2, 42, 0), read.get());
        Awaits.await("a write by the newest epoch after the leader's death", WITHIN).ignoreExceptions()
                .until(() -> {
                    taker.writeCheckpoint(at(2, 43, 0));
                    return true;
                });
        assertThrows(StaleEpochException.class, () -> s.writeCheckpoint(at(1, 44, 0)));
        assertEquals(at(2, 43, 0), open().readCheckpoint(false).orElseThrow());
        assertEquals(2, open().maxCheckpointEpoch());
    }

    @Test
    protected void theLeaseEndsBeforeAnotherMemberCanSeeTheSessionExpire() throws Exception {
        TcpProxy proxy = TcpProxy.to(ensemble().connectString(1));
        opened.add(proxy);
        ZkEpochStore primary = open(proxy.address());
        ZkEpochStore standby = open(ensemble().connectString());
        primary.join("primary", "pid 1");
        Awaits.await("the primary's lease to be confirmed", WITHIN)
                .until(() -> primary.lease().confirmed(System.nanoTime()));
        assertTrue(standby.members().contains("primary"));

        long cutNs = System.nanoTime();
        proxy.cut();
        // The standby's view: the last time it still saw the member (a request it sent then was answered with it
        // present, so the session had not expired when the server read it), and when it saw it gone.
        AtomicLong lastSeenSentNs = new AtomicLong(cutNs);
        Awaits.await("the primary's session, cut off from ZooKeeper, to expire", WITHIN).ignoreExceptions()
                .until(() -> {
                    long sent = System.nanoTime();
                    if (standby.members().contains("primary")) {
                        lastSeenSentNs.set(sent);
                        return false;
                    }
                    return true;
                });

        long leaseEndNs = primary.confirmedUntilNs();
        assertTrue(leaseEndNs - cutNs > 0, "the lease was live when the primary was cut off (it ended "
                + ms(leaseEndNs - cutNs) + " after the cut)");
        assertTrue(lastSeenSentNs.get() - leaseEndNs >= 0, "the lease ended " + ms(leaseEndNs - cutNs)
                + " after the cut, before the session expired (still there " + ms(lastSeenSentNs.get() - cutNs)
                + " after the cut)");
        assertFalse(primary.lease().confirmed(lastSeenSentNs.get()));
    }

    @Test
    protected void aStoreWithoutZooKeeperLoadsNoClassOfCuratorOrZooKeeper() throws Exception {
        List<String> without = loadedClasses("local");
        List<String> with = loadedClasses("zk");

        assertTrue(without.stream().anyMatch(c -> c.startsWith("phoenix.pair.StateDir")), "the check sees classes");
        assertEquals(List.of(), zooKeeperClasses(without), "classes of Curator or ZooKeeper loaded without it");
        assertFalse(zooKeeperClasses(with).isEmpty(), "the control: a ZooKeeper store loads Curator");
    }

    private List<String> loadedClasses(String mode) throws Exception {
        Path log = work.resolve("classes-" + mode + ".log");
        String cp = System.getProperty("surefire.test.class.path", "");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xlog:class+load=info:file=" + log, "-cp",
                cp.isBlank() ? System.getProperty("java.class.path") : cp, LocalStoreMain.class.getName(),
                work.resolve("state-" + mode).toString()));
        if ("zk".equals(mode)) {
            command.add("zk");
        }
        Process p = tracker.start(new ProcessBuilder(command).redirectErrorStream(true));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "LocalStoreMain ended");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.strip().endsWith("ok"), out);
        // Lines like "[0.050s][info][class,load] java.lang.Object source: shared objects file".
        return Files.readAllLines(log).stream().filter(l -> l.contains("[class,load]"))
                .map(l -> l.substring(l.indexOf("[class,load]") + 13).split(" ")[0]).collect(Collectors.toList());
    }

    private static List<String> zooKeeperClasses(List<String> classes) {
        return classes.stream().filter(c -> c.startsWith("org.apache.curator.") || c.startsWith("org.apache.zookeeper.")
                || c.startsWith("io.netty.") || c.startsWith("com.google.common.")).collect(Collectors.toList());
    }

    /** @return the ids of the ensemble's servers but {@code id} */
    private int[] others(int id) {
        return IntStream.rangeClosed(1, ensemble().size()).filter(i -> i != id).toArray();
    }

    private static String ms(long ns) {
        return TimeUnit.NANOSECONDS.toMillis(ns) + " ms";
    }
}
