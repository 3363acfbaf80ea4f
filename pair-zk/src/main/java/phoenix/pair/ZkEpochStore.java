package phoenix.pair;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.curator.RetryLoop;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.utils.PathUtils;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * The epochs and checkpoint of a pair kept in ZooKeeper, through Apache Curator: the store of a pair started with
 * {@code --coordinator zk://HOST:PORT[,...]/PATH} ({@link Coordinators} loads it by name, so that a pair without
 * one loads no class of Curator or ZooKeeper). Under a root path {@code /PATH/NAME}:
 * <ul>
 *   <li>{@code epochs/E}: one persistent znode per claimed epoch, holding the claimer's record (the state it
 *       claimed with, base included). A claim is a create, which fails when the znode exists: the create that
 *       succeeds owns the epoch, the fencing token. The data of {@code epochs} itself is the <i>floor</i>:
 *       epochs below it were removed, and a claim checks the floor's version in the same transaction as its
 *       create, so a removed epoch can never be claimed again.</li>
 *   <li>{@code checkpoint}: the newest state, one znode for all epochs, replaced by a compare-and-set on its
 *       version that refuses a write from an epoch below the stored one: a fenced primary's late write fails
 *       ({@link StaleEpochException}) and the checkpoint never goes back.</li>
 *   <li>{@code owners/E}: an ephemeral znode made in the same transaction as the claim of {@code epochs/E},
 *       holding the claimer's entry ({@code pid host bind}): there while the claimer's session lives, so that a
 *       member on another host knows whether the owner of the newest epoch may still be acting ({@link
 *       #ownerOf}).</li>
 *   <li>{@code fence}: set by every claim in its transaction; every checkpoint write checks, in a transaction,
 *       that its version has not moved since its writer's claim, so that a member fenced by a newer claim can
 *       write nothing more (its primary ends as fenced at its next write).</li>
 *   <li>{@code stopped}: the stop mark; {@code name}: the pair's name; {@code members/ID}: ephemeral znodes, one
 *       per member that {@link #join joined}, gone when its session expires.</li>
 * </ul>
 * Records are the state directory's checkpoint text ({@link StateDir#formatCheckpoint}), checksum included.
 * A reader takes the newest count among the checkpoint and the records of the base's epoch and later, as
 * {@link StateDir} does among its files.
 *
 * <p><b>Reads see the latest.</b> ZooKeeper serves a read from the server the member's session is connected to,
 * which may not have applied yet a write that another member's server has acknowledged: a member would read a
 * stop mark that was cleared, or take over without the old primary's last checkpoint. Every read that decides
 * something ({@link #readCheckpoint}, {@link #maxCheckpointEpoch}, {@link #baseAt}, {@link #isStopped}, {@link
 * #pairName}, {@link #members}) first has its server {@code sync} with the leader, as ZooKeeper's guide
 * prescribes for views shared across clients ("Consistency Guarantees"); a takeover's read then sees every write
 * acknowledged before it began (short of ZooKeeper's own corner: a leader cut off from its followers answers a
 * sync until it notices and steps down). The reads inside a write ({@link #claimEpoch}, {@link #writeCheckpoint})
 * need none: the write checks the version it read, on the leader, and reads again when that moved; nor does a
 * takeover's read right after its own claim on the same session (the claim's answer orders it after every write
 * committed before the claim).
 *
 * <p><b>A takeover in two round trips, or one.</b> Between a primary's death and its successor's first number
 * the store sends no request that waits for the answer of another: what the claim needs is read ahead
 * ({@link #prepareClaim}, in the standby's warm-up: the epochs, the floor's and the fence's versions, the records),
 * and the claim's transaction checks that nothing of it moved since (the floor's version, and the fence's, which
 * every claim moves): a claim that came meanwhile makes it fail, and it reads again and decides anew, never
 * claiming below an epoch it did not see. The same transaction checks the stop mark (a create and a delete of
 * {@code stopped}, which fails when it exists). The takeover's read goes out right behind the claim, on the same
 * session (ZooKeeper serves a session's requests in the order sent, a read after the session's pending write only
 * once that write is applied): its listing and the checkpoint in that round trip, the records from what was read
 * ahead (a record never changes once made). Without a read ahead, one round trip more (a sync and the reads,
 * sent together). Anything unexpected (a lost connection, no answer in time) goes the old way, one request after
 * the other under Curator's retries.
 *
 * <p>Every operation goes through Curator's retry policy, bounded: {@value #RETRIES} retries, 50 ms doubling to
 * 400 ms apart, each waiting at most the session timeout for a connection. The store also holds the member's
 * {@link SessionLease}: a thread renews it with a round trip every quarter of the lease, and Curator's
 * connection states (SUSPENDED, LOST) stop it.
 */
final class ZkEpochStore implements EpochStore, AutoCloseable {
    private static final int RETRIES = 3;
    private static final Duration STOP_MARK_WAIT = Duration.ofSeconds(1);
    private static final org.slf4j.Logger LOG = Logs.of(ZkEpochStore.class);
    private static final String EPOCHS = "/epochs";
    private static final String OWNERS = "/owners";
    private static final String FENCE = "/fence";

    private final CuratorFramework client;
    private final String root;
    private final String where;
    private final NanoClock clock;
    private volatile SessionLease lease;
    private final long renewEveryNs;
    private final long timeoutNs;
    private final long marginNs;
    private final Thread renewer;
    private volatile long sessionId;
    private volatile boolean closed;
    // The session on which this store's last claim succeeded: a takeover's read after it needs no sync.
    private volatile long claimedOnSession;
    // What this member last read of the epochs (see View): a claim goes out on it without a read of its own.
    private volatile View view;
    // What a claim read in its own round trip, for the takeover's read that follows on the same thread.
    private volatile ClaimRead claimRead;
    // The fence's version right after this member's last claim; -1 before it claimed (see writeCheckpoint).
    private volatile int fenceVersion = -1;
    // The epoch this member claimed (0: none): its lease is renewed only while the fence still holds it.
    private volatile long claimedEpoch;
    private volatile int grantedLogged;
    // This member's entry in members/, kept by the renewal thread: made again in every new session, rewritten
    // when it changes (a standby that became the primary).
    private volatile String memberId;
    private volatile String memberData;
    private long memberSession;
    private String memberWritten;

    private ZkEpochStore(String connect, String root, Duration sessionTimeout, Duration margin, NanoClock clock) {
        this.root = root;
        this.where = "ZooKeeper " + connect + root;
        this.clock = clock;
        long timeoutNs = sessionTimeout.toNanos();
        this.timeoutNs = timeoutNs;
        this.marginNs = margin.toNanos();
        this.lease = new SessionLease(timeoutNs, margin.toNanos(), clock.nanoTime());
        this.renewEveryNs = (timeoutNs - margin.toNanos()) / 4;
        int timeoutMs = (int) sessionTimeout.toMillis();
        this.client = CuratorFrameworkFactory.builder().connectString(connect).sessionTimeoutMs(timeoutMs)
                .connectionTimeoutMs(timeoutMs).retryPolicy(new ExponentialBackoffRetry(50, RETRIES, 400)).build();
        client.getConnectionStateListenable().addListener((c, state) -> onState(state));
        this.renewer = new Thread(this::renewLoop, "phoenix-zk-lease");
        renewer.setDaemon(true);
    }

    /**
     * Opens the store of a pair that names a coordinator: its servers, its path and the pair's name, the session
     * timeout asked for, and a quarter of it as the lease's margin. Called by {@link Coordinators}.
     *
     * @return the store, connected; close it
     * @throws PairException when the path is not valid or no server answers within the session timeout
     */
    static ZkEpochStore open(PairConfig config) {
        Duration session = config.sessionTimeout();
        // A start waits for ZooKeeper at most 10 s, even with a longer session: out of reach is said soon.
        Duration within = session.compareTo(Duration.ofSeconds(10)) < 0 ? session : Duration.ofSeconds(10);
        return open(config.coordinatorServers(), config.coordinatorRoot(), session, defaultMargin(session),
                within);
    }

    /**
     * Connects to ZooKeeper and makes the root's znodes when missing.
     *
     * @param connect the servers, {@code host:port,host:port,...}
     * @param root the pair's path, {@code /PATH/NAME}
     * @param sessionTimeout the session timeout asked for (the server may grant less: the lease uses that)
     * @param margin taken off the end of every lease ({@link SessionLease}): at least 0, below the timeout
     * @param connectWithin how long connecting may take
     * @return the store, connected; close it
     * @throws PairException when the path is not valid or no server answers within the time
     */
    static ZkEpochStore open(String connect, String root, Duration sessionTimeout, Duration margin,
            Duration connectWithin) {
        try {
            PathUtils.validatePath(root);
        } catch (IllegalArgumentException e) {
            throw new PairException("ZooKeeper path '" + root + "' cannot be used: " + e.getMessage());
        }
        if (root.equals("/")) {
            throw new PairException("ZooKeeper path '/' cannot hold a pair: name a path below it, /phoenix/NAME");
        }
        ZkEpochStore store = new ZkEpochStore(connect, root, sessionTimeout, margin, NanoClock.SYSTEM);
        try {
            store.start(connectWithin);
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** The default margin of a lease: a quarter of the session timeout (see {@link SessionLease}). */
    static Duration defaultMargin(Duration sessionTimeout) {
        return sessionTimeout.dividedBy(4);
    }

    private void start(Duration connectWithin) {
        client.start();
        try {
            if (!client.blockUntilConnected((int) connectWithin.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new PairException("no ZooKeeper server of " + where + " answered within "
                        + connectWithin.toMillis() + " ms; check --coordinator and that the servers run");
            }
            onConnected();
            makeRoot();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PairException("interrupted while connecting to " + where);
        } catch (PairException e) {
            throw e;
        } catch (Exception e) {
            throw failed("prepare the pair's znodes", e);
        }
        renewer.start();
    }

    /** Makes the pair's znodes that are missing: the root, {@code epochs} and {@code members}. */
    private void makeRoot() throws Exception {
        for (String node : List.of(root, root + EPOCHS, root + "/members", root + OWNERS, root + FENCE)) {
            try {
                client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(node);
            } catch (KeeperException.NodeExistsException made) {
                // Another member made it first.
            }
        }
    }

    /**
     * An operation found the pair's znodes gone (ZooKeeper lost its data, or someone removed them): they are
     * made again, so that the operation's retry succeeds, and the count goes on from what the members hold
     * (the standby's last heartbeat, the state directory's copy), with epochs above theirs.
     */
    private void remakeRootIfGone(Exception e) {
        if (!(e instanceof KeeperException.NoNodeException)) {
            return;
        }
        String path = ((KeeperException.NoNodeException) e).getPath();
        if (path == null || !(path + "/").startsWith(root + "/")) {
            return;
        }
        try {
            if (client.checkExists().forPath(root + EPOCHS) == null
                    || client.checkExists().forPath(root + "/members") == null
                    || client.checkExists().forPath(root + OWNERS) == null
                    || client.checkExists().forPath(root + FENCE) == null) {
                makeRoot();
                LOG.warn("the pair's znodes in {} were gone (ZooKeeper lost its data, or they were removed): made "
                        + "again; the count goes on from what the members hold", where);
            }
        } catch (Exception again) {
            // Out of reach again: the next retry tries again.
        }
    }

    // ---- the lease ----------------------------------------------------------------------------------------

    /** @return the member's lease on its session: until when it may act as the primary */
    SessionLease lease() {
        return lease;
    }

    /** @return the lease's end, {@link SessionLease#confirmedUntilNs()} */
    long confirmedUntilNs() {
        return lease.confirmedUntilNs();
    }

    /**
     * A new lease, on the session as it is now: a member that takes over is judged by what its session does from
     * here on, not by a session its client lost while it was a standby (Curator made it a new one since).
     */
    @Override
    public void beginLease(long nowNs) {
        SessionLease fresh = new SessionLease(timeoutNs, marginNs, nowNs);
        try {
            ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
            if (client.getZookeeperClient().isConnected()) {
                sessionId = zk.getSessionId();
                fresh.negotiated(TimeUnit.MILLISECONDS.toNanos(zk.getSessionTimeout()));
            } else {
                fresh.suspended(nowNs);
            }
        } catch (Exception e) {
            fresh.suspended(nowNs);
        }
        lease = fresh;
    }

    @Override
    public boolean mayAct(long nowNs) {
        return lease.confirmed(nowNs);
    }

    @Override
    public boolean leaseLost() {
        return lease.lost();
    }

    private void onState(ConnectionState state) {
        long now = clock.nanoTime();
        switch (state) {
            case SUSPENDED:
                lease.suspended(now);
                break;
            case LOST:
                lease.lost(now);
                break;
            case CONNECTED:
            case RECONNECTED:
                onConnected();
                break;
            default:
                // READ_ONLY is not asked for: this client never connects to a server outside a quorum.
                lease.suspended(now);
                break;
        }
    }

    private void onConnected() {
        try {
            ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
            long id = zk.getSessionId();
            if (sessionId == 0) {
                sessionId = id;
            } else if (id != sessionId) {
                // A new session: the old one expired, and with it this member's lease, for good.
                lease.lost(clock.nanoTime());
                return;
            }
            int granted = zk.getSessionTimeout();
            if (granted != grantedLogged && granted != (int) (timeoutNs / 1_000_000)) {
                grantedLogged = granted;
                LOG.info("ZooKeeper granted a session of {} ms for the {} ms asked: {}", granted,
                        timeoutNs / 1_000_000, granted > timeoutNs / 1_000_000
                        ? "the lease stays on the shorter one; another host's member waits for the longer one"
                        : "the lease follows the shorter one");
            }
            lease.negotiated(TimeUnit.MILLISECONDS.toNanos(granted));
            lease.reconnected(clock.nanoTime());
        } catch (Exception e) {
            lease.suspended(clock.nanoTime());
        }
    }

    private void renewLoop() {
        while (!closed) {
            long sent = clock.nanoTime();
            try {
                // The raw client, not Curator's retries: a renewal is one round trip, or none.
                ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
                long mine = claimedEpoch;
                if (mine == 0) {
                    zk.exists(root, false);
                    answered(sent);
                } else if (fenceStands(zk, mine)) {
                    answered(sent);
                }
                keepMember();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // Not connected: the lease runs out unless a later round trip renews it.
                remakeRootIfGone(e);
            }
            LockSupport.parkNanos(renewEveryNs);
        }
    }

    /**
     * Whether the fence still holds this primary's epoch, as the leader has it; when another member has claimed a
     * newer epoch, the lease ends for good. Without this, a primary that never learned of a newer claim (its
     * successor on its own host died between its claim and its FENCE) kept its lease while its session lived, and
     * a member on another host that took over once the successor's session expired could print beside it. With
     * it, a lease is confirmed only by a round trip that found the fence unmoved, so it ends at most a lease after
     * the newer claim: before the claimer's session can expire (the model's {@code HBUG_RENEW_IGNORES_FENCE}).
     */
    private boolean fenceStands(ZooKeeper zk, long mine) throws KeeperException, InterruptedException {
        // A follower may not have applied a newer claim yet: sync first. A session's requests are answered in
        // order, so the read below sees every write the leader had committed when it handled the sync.
        zk.sync(root + FENCE, (rc, path, ctx) -> { }, null);
        long newest = floor(zk.getData(root + FENCE, false, null));
        if (newest <= mine) {
            return true;
        }
        if (!lease.lost()) {
            LOG.warn("epoch {} was claimed in {} after this member's {}: its lease ends (it was fenced)", newest,
                    where, mine);
        }
        lease.lost(clock.nanoTime());
        return false;
    }

    /** A request sent at {@code sent} was answered: on this member's session, that confirms its lease. */
    private void answered(long sent) {
        try {
            if (client.getZookeeperClient().getZooKeeper().getSessionId() == sessionId) {
                lease.answered(sent);
            }
        } catch (Exception e) {
            // No session at hand: nothing is confirmed.
        }
    }

    // ---- membership ---------------------------------------------------------------------------------------

    /**
     * Puts this member in the pair's list: an ephemeral znode {@code members/ID} holding {@code data}, removed by
     * ZooKeeper when the member's session expires.
     *
     * @throws PairException when it cannot be made (one of that id is there already, or ZooKeeper is out of
     *     reach)
     */
    void join(String id, String data) {
        try {
            client.create().withMode(CreateMode.EPHEMERAL).forPath(root + "/members/" + id,
                    data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw failed("add member " + id, e);
        }
    }

    @Override
    public void announce(String id, String data) {
        memberData = data;
        memberId = id;
        // Written by the renewal thread now rather than at its next round (unpark: an interrupt would end it).
        LockSupport.unpark(renewer);
    }

    /** Puts this member's entry in members/ as last announced, on the session as it is now (renewal thread). */
    private void keepMember() throws Exception {
        String id = memberId;
        String data = memberData;
        if (id == null) {
            return;
        }
        ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
        long session = zk.getSessionId();
        String path = root + "/members/" + id;
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        if (session != memberSession) {
            try {
                zk.create(path, bytes, org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            } catch (KeeperException.NodeExistsException left) {
                // Left by this member's expired session, not yet removed: replaced once ZooKeeper removes it.
                return;
            }
            memberSession = session;
            memberWritten = data;
        } else if (!data.equals(memberWritten)) {
            try {
                zk.setData(path, bytes, -1);
            } catch (KeeperException.NoNodeException removed) {
                // Removed with the pair's znodes (see remakeRootIfGone): made again at the next round.
                memberSession = 0;
                throw removed;
            }
            memberWritten = data;
        }
    }

    @Override
    public java.util.Map<String, String> memberRecords() {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        try {
            syncWithLeader();
            for (String id : client.getChildren().forPath(root + "/members")) {
                try {
                    out.put(id, new String(client.getData().forPath(root + "/members/" + id),
                            StandardCharsets.UTF_8));
                } catch (KeeperException.NoNodeException gone) {
                    // Its session ended between the listing and now.
                }
            }
            return out;
        } catch (Exception e) {
            throw failed("list the members", e);
        }
    }

    /** @return the ids of the members whose sessions live, in no order */
    List<String> members() {
        try {
            syncWithLeader();
            return client.getChildren().forPath(root + "/members");
        } catch (Exception e) {
            throw failed("list the members", e);
        }
    }

    // ---- epochs and the checkpoint ------------------------------------------------------------------------

    @Override
    public boolean claimEpoch(PairState state) throws IOException {
        return claimEpoch(state, false) == Claim.CLAIMED;
    }

    /**
     * The claim's transaction: create {@code epochs/E} and the ephemeral {@code owners/E}, move the fence, check
     * the floor, and, when {@code unlessStopped}, the stop mark; on what this member read of the epochs ahead
     * ({@link View}), checked in the same transaction, with the takeover's read sent right behind it (see the
     * class's javadoc). An epoch at or below one the view holds is not tried: it is taken.
     */
    @Override
    public Claim claimEpoch(PairState state, boolean unlessStopped) throws IOException {
        try {
            View basis = view;
            if (basis == null) {
                basis = readView(false);
            }
            // A few times at most: each time the transaction found the view outdated, it was read again.
            for (int attempt = 0; basis != null && attempt < 4; attempt++) {
                if (state.epoch() <= basis.highest()) {
                    // Claimed already, by another member or an earlier claim of this one; or below the floor.
                    return Claim.TAKEN;
                }
                Claim c = claimOn(basis, state, unlessStopped);
                if (c != null) {
                    return c;
                }
                basis = view;
            }
        } catch (KeeperException.NoNodeException e) {
            throw ioFailed("claim epoch " + state.epoch(), e);
        } catch (InterruptedException e) {
            throw ioFailed("claim epoch " + state.epoch(), e);
        } catch (Exception e) {
            // The old way below, under Curator's retries.
            LOG.debug("claim of epoch {} in one round trip did not answer ({}); one request after the other",
                    state.epoch(), e.toString());
        }
        return claimSlowly(state, unlessStopped);
    }

    /**
     * Sends the claim's transaction checked against {@code basis}, the takeover's reads behind it, and waits for
     * them (one round trip).
     *
     * @return what it found, or null when the view was outdated (read again meanwhile: {@link #view})
     * @throws Exception when the answers did not come (the caller claims the old way), or a znode of the pair is
     *     gone (NoNodeException)
     */
    private Claim claimOn(View basis, PairState state, boolean unlessStopped) throws Exception {
        long epoch = state.epoch();
        byte[] record = StateDir.formatCheckpoint(state).getBytes(StandardCharsets.US_ASCII);
        String owner = memberData != null ? memberData : "pid=" + ProcessHandle.current().pid();
        List<Op> ops = new ArrayList<>();
        // Nothing claimed or removed since the view: the fence moves with every claim, the floor before a removal.
        ops.add(Op.check(root + EPOCHS, basis.floorVersion()));
        ops.add(Op.check(root + FENCE, basis.fenceVersion()));
        int stopAt = -1;
        if (unlessStopped) {
            // Not stopped: a create fails when the mark exists, and the delete right after leaves nothing behind.
            // It runs on the leader in the order of every write: a stop marked before it is seen.
            stopAt = ops.size();
            ops.add(Op.create(root + "/stopped", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
            ops.add(Op.delete(root + "/stopped", -1));
        }
        ops.add(Op.create(epochPath(epoch), record, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
        // Who owns the epoch, while its session lives: gone when it expires (see ownerOf).
        ops.add(Op.create(root + OWNERS + "/" + epoch, owner.getBytes(StandardCharsets.UTF_8),
                ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL));
        // Every claim moves the fence: a checkpoint write checks that it has not moved since its writer's own
        // claim (see writeCheckpoint), and the next claim's view by it.
        int fenceAt = ops.size();
        ops.add(Op.setData(root + FENCE, Long.toString(epoch).getBytes(StandardCharsets.US_ASCII), -1));

        ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
        long session = zk.getSessionId();
        long sent = clock.nanoTime();
        Batch batch = new Batch(zk);
        Answer claim = batch.multi(ops);
        // The takeover's read, behind the claim on this session: served once the claim is applied, so it sees
        // every write committed before it (the old primary's last checkpoint above all) without a sync.
        Answer listing = batch.children(root + EPOCHS);
        Answer checkpoint = batch.data(root + "/checkpoint");
        Map<Long, Answer> records = new HashMap<>();
        for (long e : basis.epochs()) {
            if (e >= state.base() && !basis.records().containsKey(e)) {
                records.put(e, batch.data(epochPath(e)));
            }
        }
        batch.await(timeoutNs);
        if (claim.rc == KeeperException.Code.OK.intValue()) {
            OpResult fence = claim.results.get(fenceAt);
            if (fence instanceof OpResult.SetDataResult) {
                fenceVersion = ((OpResult.SetDataResult) fence).getStat().getVersion();
            }
            confirmClaimLease(sent, epoch);
            claimedOnSession = session;
            // Outdated by this very claim: the next one reads again.
            view = null;
            claimRead = ClaimRead.of(Thread.currentThread(), session, epoch, record, basis, listing, checkpoint,
                    records);
            return Claim.CLAIMED;
        }
        int failedAt = failedOp(claim.results);
        KeeperException.Code code = KeeperException.Code.get(claim.rc);
        if (code == KeeperException.Code.BADVERSION && failedAt >= 0 && failedAt <= 1) {
            // A claim or a removal came after the view: read it again, and decide anew.
            readView(false);
            return null;
        }
        if (code == KeeperException.Code.NODEEXISTS && failedAt == stopAt) {
            return Claim.STOPPED;
        }
        if (code == KeeperException.Code.NODEEXISTS) {
            view = null;
            return Claim.TAKEN;
        }
        throw KeeperException.create(code, failedAt >= 0 ? ops.get(failedAt).getPath() : root);
    }

    /**
     * The claim's answer confirms the lease of the member that made it, from when it was sent. When it does not (the
     * claim waited out an outage longer than the session: Curator made a new session, and the lease begun before the
     * claim ended with the old one), the lease begins again on the session as it is now, if that is the one that
     * holds the claim's {@code owners/E} and the fence still holds the claimed epoch, and one round trip on it
     * confirms it. Before, the stop mark's read ahead of the takeover waited out such an outage before the lease
     * began (found by CoordinatorIT once it was folded into the claim). When the claim's own session has ended since
     * (the member was paused after the answer came: its {@code owners/E} went with the session, and another host
     * may have taken over), the lease is lost for good (found by a review).
     */
    private void confirmClaimLease(long sent, long epoch) {
        claimedEpoch = epoch;
        answered(sent);
        long now = clock.nanoTime();
        if (lease.confirmed(now)) {
            return;
        }
        beginLease(now);
        try {
            ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
            Stat owner = zk.exists(root + OWNERS + "/" + epoch, false);
            if (owner == null || owner.getEphemeralOwner() != zk.getSessionId()) {
                LOG.warn("the session that claimed epoch {} in {} has ended since: this member must not act on it",
                        epoch, where);
                lease.lost(clock.nanoTime());
                return;
            }
            if (fenceStands(zk, epoch)) {
                answered(now);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Out of reach again: the renewal thread confirms it when it can; until then no step begins.
        }
    }

    /** @return the index of the operation that failed a transaction, -1 when the answer does not say */
    private static int failedOp(List<OpResult> results) {
        if (results == null) {
            return -1;
        }
        for (int i = 0; i < results.size(); i++) {
            OpResult r = results.get(i);
            if (r instanceof OpResult.ErrorResult && ((OpResult.ErrorResult) r).getErr() != 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The claim one request after the other, under Curator's retries (the way before the one round trip, kept for
     * when that one gets no answer): the stop mark read with a sync, the floor read, then the transaction.
     */
    private Claim claimSlowly(PairState state, boolean unlessStopped) throws IOException {
        view = null;
        if (unlessStopped) {
            try {
                if (isStopped()) {
                    return Claim.STOPPED;
                }
            } catch (PairException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        byte[] record = StateDir.formatCheckpoint(state).getBytes(StandardCharsets.US_ASCII);
        try {
            while (true) {
                long sent = clock.nanoTime();
                Stat floorStat = new Stat();
                long floor = floor(client.getData().storingStatIn(floorStat).forPath(root + EPOCHS));
                if (state.epoch() < floor) {
                    return Claim.TAKEN;
                }
                try {
                    String owner = memberData != null ? memberData : "pid=" + ProcessHandle.current().pid();
                    List<org.apache.curator.framework.api.transaction.CuratorTransactionResult> results =
                            client.transaction().forOperations(
                            client.transactionOp().check().withVersion(floorStat.getVersion()).forPath(root + EPOCHS),
                            client.transactionOp().create().withMode(CreateMode.PERSISTENT)
                                    .forPath(epochPath(state.epoch()), record),
                            // Who owns the epoch, while its session lives: gone when it expires (see ownerOf).
                            client.transactionOp().create().withMode(CreateMode.EPHEMERAL)
                                    .forPath(root + OWNERS + "/" + state.epoch(),
                                            owner.getBytes(StandardCharsets.UTF_8)),
                            // Every claim moves the fence: a checkpoint write checks that it has not moved since
                            // its writer's own claim (see writeCheckpoint).
                            client.transactionOp().setData().forPath(root + FENCE,
                                    Long.toString(state.epoch()).getBytes(StandardCharsets.US_ASCII)));
                    for (org.apache.curator.framework.api.transaction.CuratorTransactionResult r : results) {
                        if (r.getForPath().equals(root + FENCE) && r.getResultStat() != null) {
                            fenceVersion = r.getResultStat().getVersion();
                        }
                    }
                    confirmClaimLease(sent, state.epoch());
                    claimedOnSession = client.getZookeeperClient().getZooKeeper().getSessionId();
                    return Claim.CLAIMED;
                } catch (KeeperException.NodeExistsException taken) {
                    return Claim.TAKEN;
                } catch (KeeperException.BadVersionException floorMoved) {
                    // Older epochs were removed meanwhile: read the floor again.
                }
            }
        } catch (Exception e) {
            throw ioFailed("claim epoch " + state.epoch(), e);
        }
    }


    @Override
    public Optional<String> ownerOf(long epoch) {
        try {
            syncWithLeader();
            return Optional.of(new String(client.getData().forPath(root + OWNERS + "/" + epoch),
                    StandardCharsets.UTF_8));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw failed("read the owner of epoch " + epoch, e);
        }
    }

    @Override
    public long maxCheckpointEpoch() {
        try {
            return readView(false).highest();
        } catch (Exception e) {
            LOG.debug("the epochs in one round trip did not answer ({}); one request after the other", e.toString());
        }
        try {
            syncWithLeader();
            long max = floor(client.getData().forPath(root + EPOCHS));
            for (long e : epochs()) {
                max = Math.max(max, e);
            }
            return max;
        } catch (Exception e) {
            throw failed("list the epochs", e);
        }
    }

    /**
     * The view read ahead when there is one: it can be outdated only by a claim, which moves the fence, and then
     * this member's claim fails and reads again (see the class's javadoc).
     */
    @Override
    public long highestForClaim() {
        View v = view;
        return v != null ? v.highest() : maxCheckpointEpoch();
    }

    @Override
    public void prepareClaim() {
        try {
            readView(true);
        } catch (Exception e) {
            // Only ahead: the takeover reads what it needs, one round trip more.
            LOG.debug("the epochs were not read ahead: {}", e.toString());
        }
    }

    @Override
    public long baseAt(long epoch) {
        // A record never changes once made (a removed epoch is never claimed again: the floor), so the one read
        // ahead is the one there now, and needs no sync.
        View v = view;
        byte[] known = v == null ? null : v.records().get(epoch);
        if (known != null) {
            try {
                return parse(epochPath(epoch), known).base();
            } catch (PairException e) {
                return 0;
            }
        }
        try {
            syncWithLeader();
            return parse(epochPath(epoch), client.getData().forPath(epochPath(epoch))).base();
        } catch (Exception e) {
            // A PairException too (a record that cannot be read): a takeover goes on with the base it holds.
            return 0;
        }
    }

    @Override
    public Optional<PairState> readCheckpoint(boolean takeover) {
        ClaimRead read = claimRead;
        if (takeover && read != null && read.thread() == Thread.currentThread()) {
            claimRead = null;
            if (read.session() == sessionNow()) {
                // Read with the claim, in its round trip (see claimOn); what the view did not hold is read now.
                return newest(read.epochs(), true, e -> read.records().containsKey(e) ? read.records().get(e)
                        : recordNow(e), () -> read.checkpoint() == null ? Optional.empty()
                        : Optional.of(parse(root + "/checkpoint", read.checkpoint())));
            }
        }
        List<Long> epochs;
        try {
            // A takeover reads after its claim, a write on this session: its server had applied every write
            // committed before the claim when it answered, and serves this session's reads in order after it, so
            // the read sees them without a sync (one round trip less between a death and the next number).
            if (!takeover || claimedOnSession != sessionNow()) {
                syncWithLeader();
            }
            epochs = epochs();
        } catch (Exception e) {
            throw failed("list the epochs", e);
        }
        return newest(epochs, takeover, this::recordNow, this::storedCheckpoint);
    }

    /** A record read now; null when it is gone (removed by the newer primary that superseded it). */
    private byte[] recordNow(long epoch) {
        try {
            return client.getData().forPath(epochPath(epoch));
        } catch (KeeperException.NoNodeException e) {
            return null;
        } catch (Exception e) {
            throw failed("read epoch " + epoch, e);
        }
    }

    /** Where {@link #newest} finds a record's bytes: null when it is gone. */
    private interface Records {
        byte[] of(long epoch);
    }

    /**
     * The newest state among the records that count and the checkpoint: every record of the base's epoch or later
     * (the base the highest one names), and the checkpoint when it is of that epoch or later.
     *
     * @param epochs the claimed epochs, ascending
     */
    private Optional<PairState> newest(List<Long> epochs, boolean takeover, Records records,
            java.util.function.Supplier<Optional<PairState>> stored) {
        PairState newest = null;
        long base = 0;
        for (int i = epochs.size() - 1; i >= 0; i--) {
            long epoch = epochs.get(i);
            if (epoch < base) {
                break;
            }
            byte[] data = records.of(epoch);
            if (data == null || takeover && data.length == 0) {
                continue;
            }
            PairState state = parse(epochPath(epoch), data);
            if (state.epoch() != epoch) {
                throw new PairException("in " + where + ", the record of epoch " + epoch + " holds epoch "
                        + state.epoch() + "; it was not read as 0. Remove it, or start with --fresh to count from 1");
            }
            if (newest == null) {
                base = state.base();
            }
            newest = newest == null ? state : PairState.newest(newest, state);
        }
        Optional<PairState> checkpoint = stored.get();
        if (checkpoint.isPresent() && checkpoint.get().epoch() >= base) {
            newest = newest == null ? checkpoint.get() : PairState.newest(newest, checkpoint.get());
        }
        long highestBase = base;
        return Optional.ofNullable(newest).map(n -> n.base() == highestBase ? n : n.withBase(highestBase));
    }

    private long sessionNow() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * Reads the epochs in one round trip: a sync and the reads behind it on the session, sent together (a
     * session's requests are served in order, the reads after the sync only once the member's server has caught
     * up with the leader); with {@code withRecords}, a second one for the records. Kept as {@link #view}.
     *
     * @throws Exception when an answer did not come or says an error
     */
    private View readView(boolean withRecords) throws Exception {
        ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
        Batch batch = new Batch(zk);
        Answer synced = batch.sync(root);
        Answer floorData = batch.data(root + EPOCHS);
        Answer listing = batch.children(root + EPOCHS);
        Answer fence = batch.exists(root + FENCE);
        batch.await(timeoutNs);
        synced.require(root);
        floorData.require(root + EPOCHS);
        listing.require(root + EPOCHS);
        fence.require(root + FENCE);
        List<Long> epochs = epochsOf(listing.children);
        Map<Long, byte[]> records = new HashMap<>();
        if (withRecords && !epochs.isEmpty()) {
            Batch more = new Batch(zk);
            Map<Long, Answer> answers = new HashMap<>();
            for (long e : epochs) {
                answers.put(e, more.data(epochPath(e)));
            }
            more.await(timeoutNs);
            answers.forEach((e, a) -> {
                if (a.rc == KeeperException.Code.OK.intValue()) {
                    records.put(e, a.data);
                }
            });
        }
        View v = new View(floor(floorData.data), floorData.stat.getVersion(), fence.stat.getVersion(),
                List.copyOf(epochs), Map.copyOf(records));
        view = v;
        return v;
    }

    /**
     * What a member read of the epochs, all in one round trip, for its next claim: the floor and its version, the
     * fence's version, the claimed epochs and (read ahead) their records. The claim's transaction checks both
     * versions, so that a claim made on an outdated view fails (see {@link #claimOn}).
     */
    private record View(long floor, int floorVersion, int fenceVersion, List<Long> epochs, Map<Long, byte[]> records) {
        long highest() {
            return epochs.isEmpty() ? floor : Math.max(floor, epochs.get(epochs.size() - 1));
        }
    }

    /**
     * What a claim read in its own round trip, for the read that follows on the same thread and session: the
     * epochs listed after it, the records (its own, those read ahead and those read with it) and the checkpoint's
     * bytes (null when there is none).
     */
    private record ClaimRead(Thread thread, long session, List<Long> epochs, Map<Long, byte[]> records,
            byte[] checkpoint) {
        /** @return the read, or null when one of its answers is missing, so that the takeover reads the old way */
        static ClaimRead of(Thread thread, long session, long epoch, byte[] record, View basis, Answer listing,
                Answer checkpoint, Map<Long, Answer> fetched) {
            int ok = KeeperException.Code.OK.intValue();
            if (listing.rc != ok || checkpoint.rc != ok && checkpoint.rc != KeeperException.Code.NONODE.intValue()) {
                return null;
            }
            Map<Long, byte[]> records = new HashMap<>(basis.records());
            for (Map.Entry<Long, Answer> e : fetched.entrySet()) {
                if (e.getValue().rc == ok) {
                    records.put(e.getKey(), e.getValue().data);
                } else if (e.getValue().rc != KeeperException.Code.NONODE.intValue()) {
                    return null;
                }
            }
            records.put(epoch, record);
            List<Long> epochs = epochsOf(listing.children);
            // Those the view held that are gone now: the listing says which count, and a gone one is skipped.
            records.keySet().retainAll(epochs);
            return new ClaimRead(thread, session, epochs, records, checkpoint.rc == ok ? checkpoint.data : null);
        }
    }

    /** One answer of a {@link Batch}: its result code and what it carries. Read after {@link Batch#await}. */
    private static final class Answer {
        // Set by the callback before the batch's permit is released: the waiter sees them after await.
        int rc = KeeperException.Code.OPERATIONTIMEOUT.intValue();
        byte[] data;
        Stat stat;
        List<String> children;
        List<OpResult> results;

        void require(String path) throws KeeperException {
            if (rc != KeeperException.Code.OK.intValue()) {
                throw KeeperException.create(KeeperException.Code.get(rc), path);
            }
        }
    }

    /**
     * Requests sent one after the other on the session without waiting, and then waited for together: ZooKeeper
     * answers a session's requests in the order they were sent, so the batch costs one round trip. The raw
     * client, not Curator's retries: a request retried on its own could overtake one sent before it.
     */
    private static final class Batch {
        private final ZooKeeper zk;
        private final Semaphore answered = new Semaphore(0);
        private int sent;

        Batch(ZooKeeper zk) {
            this.zk = zk;
        }

        Answer sync(String path) {
            Answer a = new Answer();
            sent++;
            zk.sync(path, (int rc, String p, Object ctx) -> {
                a.rc = rc;
                answered.release();
            }, null);
            return a;
        }

        Answer data(String path) {
            Answer a = new Answer();
            sent++;
            zk.getData(path, false, (int rc, String p, Object ctx, byte[] data, Stat stat) -> {
                a.data = data;
                a.stat = stat;
                a.rc = rc;
                answered.release();
            }, null);
            return a;
        }

        Answer children(String path) {
            Answer a = new Answer();
            sent++;
            zk.getChildren(path, false, (int rc, String p, Object ctx, List<String> children) -> {
                a.children = children;
                a.rc = rc;
                answered.release();
            }, null);
            return a;
        }

        Answer exists(String path) {
            Answer a = new Answer();
            sent++;
            zk.exists(path, false, (int rc, String p, Object ctx, Stat stat) -> {
                a.stat = stat;
                a.rc = stat == null && rc == KeeperException.Code.OK.intValue() ? KeeperException.Code.NONODE.intValue()
                        : rc;
                answered.release();
            }, null);
            return a;
        }

        Answer multi(List<Op> ops) {
            Answer a = new Answer();
            sent++;
            zk.multi(ops, (int rc, String p, Object ctx, List<OpResult> results) -> {
                a.results = results;
                a.rc = rc;
                answered.release();
            }, null);
            return a;
        }

        /**
         * Waits for every answer, at most {@code timeoutNs}.
         *
         * @throws KeeperException.OperationTimeoutException when one did not come
         */
        void await(long timeoutNs) throws InterruptedException, KeeperException {
            if (!answered.tryAcquire(sent, timeoutNs, TimeUnit.NANOSECONDS)) {
                throw new KeeperException.OperationTimeoutException();
            }
        }
    }


    private Optional<PairState> storedCheckpoint() {
        try {
            return Optional.of(parse(root + "/checkpoint", client.getData().forPath(root + "/checkpoint")));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (PairException e) {
            throw e;
        } catch (Exception e) {
            throw failed("read the checkpoint", e);
        }
    }

    @Override
    public void writeCheckpoint(PairState state) throws IOException {
        String path = root + "/checkpoint";
        byte[] data = StateDir.formatCheckpoint(state).getBytes(StandardCharsets.US_ASCII);
        try {
            while (true) {
                Stat stat = new Stat();
                byte[] stored;
                try {
                    stored = client.getData().storingStatIn(stat).forPath(path);
                } catch (KeeperException.NoNodeException none) {
                    try {
                        fenced(client.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(path, data),
                                state);
                        return;
                    } catch (KeeperException.NodeExistsException raced) {
                        continue;
                    }
                }
                long storedEpoch = storedEpoch(path, stored);
                if (storedEpoch > state.epoch()) {
                    throw new StaleEpochException("the checkpoint in " + where + " holds epoch " + storedEpoch
                            + ", newer than this primary's " + state.epoch() + ": it was fenced", storedEpoch);
                }
                try {
                    fenced(client.transactionOp().setData().withVersion(stat.getVersion()).forPath(path, data), state);
                    return;
                } catch (KeeperException.BadVersionException raced) {
                    // Another write came between the read and this one: compare again.
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw ioFailed("write the checkpoint of epoch " + state.epoch(), e);
        }
    }

    /**
     * Runs one write of the checkpoint in a transaction with a check that the fence has not moved since this
     * member's claim: once another member has claimed a newer epoch, this one's writes fail at once, not only
     * once the newer one has written a checkpoint of its own. A member that has not claimed writes unchecked.
     *
     * @throws StaleEpochException when the fence moved: another member claimed a newer epoch
     */
    private void fenced(org.apache.curator.framework.api.transaction.CuratorOp write, PairState state)
            throws Exception {
        int version = fenceVersion;
        if (version < 0) {
            client.transaction().forOperations(write);
            return;
        }
        try {
            client.transaction().forOperations(
                    client.transactionOp().check().withVersion(version).forPath(root + FENCE), write);
        } catch (KeeperException.BadVersionException e) {
            Stat now = client.checkExists().forPath(root + FENCE);
            if (now == null || now.getVersion() == version) {
                throw e;
            }
            long newer = floor(client.getData().forPath(root + FENCE));
            throw new StaleEpochException("epoch " + newer + " was claimed in " + where + " after this primary's "
                    + state.epoch() + ": it was fenced", Math.max(newer, state.epoch() + 1));
        }
    }

    /** The epoch of the stored checkpoint; a record that cannot be read fences nobody and is overwritten. */
    private static long storedEpoch(String path, byte[] stored) {
        try {
            return parse(path, stored).epoch();
        } catch (PairException e) {
            return 0;
        }
    }

    @Override
    public void deleteCheckpointsBefore(long epoch) {
        try {
            // The floor first: a claim of an epoch below it fails from now on, so none removed comes back.
            while (true) {
                Stat stat = new Stat();
                long floor = floor(client.getData().storingStatIn(stat).forPath(root + EPOCHS));
                if (floor >= epoch) {
                    break;
                }
                try {
                    client.setData().withVersion(stat.getVersion()).forPath(root + EPOCHS,
                            Long.toString(epoch).getBytes(StandardCharsets.US_ASCII));
                    break;
                } catch (KeeperException.BadVersionException raced) {
                    // Another member raised it meanwhile: read it again.
                }
            }
            for (long e : epochs()) {
                if (e < epoch) {
                    try {
                        client.delete().forPath(epochPath(e));
                    } catch (KeeperException.NoNodeException gone) {
                        // Removed by another member.
                    }
                }
            }
        } catch (Exception e) {
            // An old record left behind costs a read at the next takeover, nothing else.
        }
    }

    // ---- the stop mark and the name -----------------------------------------------------------------------

    @Override
    public void markStopped() {
        if (!client.getZookeeperClient().isConnected()) {
            // A stop must not wait out the retries of a ZooKeeper out of reach.
            throw new PairException("cannot mark the pair stopped in " + where + ": not connected");
        }
        byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        // One request, waited for at most STOP_MARK_WAIT: a server that stopped answering a moment ago holds a
        // request until the client gives up on the connection (2/3 of the session), and a stop waits for this.
        java.util.concurrent.CompletableFuture<Integer> done = new java.util.concurrent.CompletableFuture<>();
        try {
            client.create().orSetData().withMode(CreateMode.PERSISTENT)
                    .inBackground((c, event) -> done.complete(event.getResultCode())).forPath(root + "/stopped", pid);
            int rc = done.get(STOP_MARK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (rc != KeeperException.Code.OK.intValue()) {
                throw KeeperException.create(KeeperException.Code.get(rc), root + "/stopped");
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new PairException("cannot mark the pair stopped in " + where + ": no answer within "
                    + STOP_MARK_WAIT.toMillis() + " ms");
        } catch (Exception e) {
            throw failed("mark the pair stopped", e);
        }
    }

    @Override
    public boolean isStopped() {
        try {
            syncWithLeader();
            return client.checkExists().forPath(root + "/stopped") != null;
        } catch (Exception e) {
            throw failed("read the stop mark", e);
        }
    }

    @Override
    public void clearStopped() {
        try {
            client.delete().forPath(root + "/stopped");
        } catch (KeeperException.NoNodeException none) {
            // Not stopped.
        } catch (Exception e) {
            throw failed("remove the stop mark", e);
        }
    }

    @Override
    public void claimName(String name) {
        try {
            client.create().withMode(CreateMode.PERSISTENT).forPath(root + "/name",
                    name.getBytes(StandardCharsets.UTF_8));
            return;
        } catch (KeeperException.NodeExistsException named) {
            // Compared below.
        } catch (Exception e) {
            throw failed("write the pair's name", e);
        }
        Optional<String> held = pairName();
        if (held.isPresent() && !held.get().equals(name)) {
            throw new PairException(where + " holds pair '" + held.get() + "', not '" + name + "'; use --name "
                    + held.get() + ", or choose another path");
        }
    }

    @Override
    public void claimSecretId(String fingerprint, Path file) {
        String path = root + "/secret-id";
        try {
            client.create().withMode(CreateMode.PERSISTENT).forPath(path,
                    fingerprint.getBytes(StandardCharsets.US_ASCII));
            return;
        } catch (KeeperException.NodeExistsException held) {
            // Compared below.
        } catch (Exception e) {
            throw failed("write the fingerprint of the pair's secret", e);
        }
        String held;
        try {
            syncWithLeader();
            held = new String(client.getData().forPath(path), StandardCharsets.US_ASCII).strip();
        } catch (Exception e) {
            throw failed("read the fingerprint of the pair's secret", e);
        }
        if (!held.equals(fingerprint)) {
            throw new PairException("the secret in " + file + " is not the one the pair's members on other hosts "
                    + "hold (" + where + "/secret-id); copy the secret file from a host where the pair runs "
                    + "(owner-only), or, to give the pair a new secret, stop it on every host and delete that znode");
        }
    }

    @Override
    public Optional<String> pairName() {
        try {
            syncWithLeader();
            String text = new String(client.getData().forPath(root + "/name"), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(text);
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw failed("read the pair's name", e);
        }
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public String recordOf(long epoch) {
        return where + EPOCHS + "/" + epoch;
    }

    /** Ends the session: its ephemeral znodes go at once, and the lease with them. */
    @Override
    public void close() {
        closed = true;
        lease.lost(clock.nanoTime());
        renewer.interrupt();
        client.close();
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private String epochPath(long epoch) {
        return root + EPOCHS + "/" + epoch;
    }

    /**
     * Makes the session's server apply every write the leader had committed when it received this request, so
     * that the reads after it on this session see every write acknowledged to any member before now. Curator's
     * own {@code sync()} is only ever in the background; this one waits, under the same retry policy as a read.
     */
    private void syncWithLeader() throws Exception {
        RetryLoop.callWithRetry(client.getZookeeperClient(), () -> {
            client.getZookeeperClient().getZooKeeper().sync(root);
            return null;
        });
    }

    /** @return the claimed epochs, ascending; names phoenix does not write are left out */
    private List<Long> epochs() throws Exception {
        return epochsOf(client.getChildren().forPath(root + EPOCHS));
    }

    /** @return the epochs among the children of {@code epochs}, ascending */
    private static List<Long> epochsOf(List<String> children) {
        List<Long> out = new ArrayList<>();
        for (String child : children) {
            long e = StateDir.epochOfName("checkpoint-" + child);
            if (e > 0) {
                out.add(e);
            }
        }
        Collections.sort(out);
        return out;
    }

    private static long floor(byte[] data) {
        try {
            return data == null || data.length == 0 ? 0
                    : Long.parseLong(new String(data, StandardCharsets.US_ASCII).strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Reads a record as the state directory reads a checkpoint file; the message names the znode's path. */
    private static PairState parse(String path, byte[] data) {
        return StateDir.parseCheckpoint(Path.of(path), new String(data, StandardCharsets.US_ASCII));
    }

    private PairException failed(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        remakeRootIfGone(e);
        return new PairException("cannot " + what + " in " + where + ": " + e, e);
    }

    private IOException ioFailed(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        remakeRootIfGone(e);
        return new IOException("cannot " + what + " in " + where + ": " + e, e);
    }
}
