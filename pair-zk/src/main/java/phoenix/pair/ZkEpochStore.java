package phoenix.pair;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
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
        byte[] record = StateDir.formatCheckpoint(state).getBytes(StandardCharsets.US_ASCII);
        try {
            while (true) {
                long sent = clock.nanoTime();
                Stat floorStat = new Stat();
                long floor = floor(client.getData().storingStatIn(floorStat).forPath(root + EPOCHS));
                if (state.epoch() < floor) {
                    return false;
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
                    claimedEpoch = state.epoch();
                    // The claim's answer confirms the lease of the member that made it, from when it was sent.
                    answered(sent);
                    claimedOnSession = client.getZookeeperClient().getZooKeeper().getSessionId();
                    return true;
                } catch (KeeperException.NodeExistsException taken) {
                    return false;
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

    @Override
    public long baseAt(long epoch) {
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
        List<Long> epochs;
        try {
            // A takeover reads after its claim, a write on this session: its server had applied every write
            // committed before the claim when it answered, and serves this session's reads in order after it, so
            // the read sees them without a sync (one round trip less between a death and the next number).
            if (!takeover || claimedOnSession != client.getZookeeperClient().getZooKeeper().getSessionId()) {
                syncWithLeader();
            }
            epochs = epochs();
        } catch (Exception e) {
            throw failed("list the epochs", e);
        }
        PairState newest = null;
        long base = 0;
        for (int i = epochs.size() - 1; i >= 0; i--) {
            long epoch = epochs.get(i);
            if (epoch < base) {
                break;
            }
            byte[] data;
            try {
                data = client.getData().forPath(epochPath(epoch));
            } catch (KeeperException.NoNodeException e) {
                // Removed by the newer primary that superseded it, between the listing and now.
                continue;
            } catch (Exception e) {
                throw failed("read epoch " + epoch, e);
            }
            if (takeover && data.length == 0) {
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
        Optional<PairState> checkpoint = storedCheckpoint();
        if (checkpoint.isPresent() && checkpoint.get().epoch() >= base) {
            newest = newest == null ? checkpoint.get() : PairState.newest(newest, checkpoint.get());
        }
        long highestBase = base;
        return Optional.ofNullable(newest).map(n -> n.base() == highestBase ? n : n.withBase(highestBase));
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
        List<Long> out = new ArrayList<>();
        for (String child : client.getChildren().forPath(root + EPOCHS)) {
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
