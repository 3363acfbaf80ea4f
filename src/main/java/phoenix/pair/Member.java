package phoenix.pair;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;

/**
 * One process of a pair, from start to end: it starts as the standby, and if it takes over it runs as the
 * primary until it is stopped, fenced or fails its acceptance test. Everything happens on one thread, in one
 * selector loop per role: the heartbeat port, the control socket and the watch connection are all channels
 * of the same selector, and the roles are stepped with the clock read once per pass.
 */
final class Member {
    private static final long SLOT_WAIT_NS = 5_000_000_000L;
    private static final long STOP_WAIT_NS = 10_000_000_000L;
    private static final long PREFLIGHT_TIMEOUT_MS = 3000;
    private static final int MAX_DATAGRAMS_PER_PASS = 4096;
    private static final long CHECKPOINT_ERROR_LOG_NS = 10_000_000_000L;
    private static final long HOLDING_SHOWN_NS = 5_000_000_000L;
    private static final long HAND_OVER_WAIT_MS = 200;
    private static final HexFormat HEX = HexFormat.of();

    private final PairConfig config;
    private final PairTask task;
    private final NanoClock clock;
    private final long pid = ProcessHandle.current().pid();
    private final long timeoutNs;
    private final ByteBuffer datagram = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES + 1);
    private final ByteBuffer outgoing = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES);
    private final List<Connection> clients = new ArrayList<>();
    private final UserPrincipal owner;
    // Held by the loop for each pass, and taken for good by a signal handler before it halts: once a signal
    // has ended this member, not one more step or message gets out.
    private final ReentrantLock passLock = new ReentrantLock();

    private Selector selector;
    private StateDir dir;
    private HeartbeatCodec codec;
    private FileLock standbySlot;
    private DatagramChannel udp;
    private ServerSocketChannel server;
    private Path serverPath;
    private Connection watch;
    private Standby standby;
    private boolean everWatched;
    private volatile boolean warmedUp;
    private boolean promoted;
    private boolean announced;
    private boolean notNeeded;
    private final boolean ownWindow = System.getenv(Spawners.OWN_WINDOW_ENV) != null;
    private long lastHoldingShownNs;
    private long lastAckSentNs;
    private long ackedAccepted;
    private Primary primary;
    private StandbyKeeper keeper;
    private DatagramChannel sender;
    private InetSocketAddress heartbeatTarget;
    private Spawners spawners;
    private Ending stopping;
    private String promotion;
    private Connection stopRequester;
    private long stopDeadlineNs;
    private String checkpointError = "";
    private long checkpointErrorLoggedNs;

    Member(PairConfig config, PairTask task, NanoClock clock) {
        this.config = config;
        this.task = task;
        this.clock = clock;
        this.timeoutNs = config.takeoverTimeout().toNanos();
        try {
            this.owner = config.stateDir().getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
        } catch (IOException e) {
            throw new PairException("cannot look up this process's user '" + System.getProperty("user.name")
                    + "': " + e.getMessage(), e);
        }
    }

    Ending run() {
        try {
            selector = Selector.open();
            if (!startStandby()) {
                return Ending.NOT_NEEDED;
            }
            Standby.State end = runStandby();
            if (end == Standby.State.STOPPED || notNeeded) {
                return notNeeded ? Ending.NOT_NEEDED : Ending.STOPPED;
            }
            if (dir.isStopped() && config.spawnedBy() != 0) {
                Log.LOG.info("the pair was stopped while this standby started; not taking over");
                return Ending.STOPPED;
            }
            return promote() ? runPrimary() : Ending.GAVE_UP;
        } catch (IOException e) {
            throw new PairException("pair '" + config.name() + "' failed: " + e, e);
        } finally {
            closeAll();
        }
    }

    // ---- standby -------------------------------------------------------------------------------------------

    private boolean startStandby() throws IOException {
        dir = StateDir.prepare(config.stateDir());
        boolean spawned = config.spawnedBy() != 0;
        if (!spawned) {
            refuseIfRunning();
            dir.clearStopped();
            if (config.fresh()) {
                dir.deleteCheckpoint();
                Log.LOG.info("--fresh: the checkpoint was removed; counting starts at 1");
            } else {
                dir.readCheckpoint().ifPresent(c -> Log.LOG.info("the checkpoint in {} holds count {} (epoch {})",
                        dir.path(), c.snapshot().step(), c.epoch()));
            }
        }
        standbySlot = takeStandbySlot(spawned);
        if (standbySlot == null) {
            return false;
        }
        // Attach first: from then on the primary counts as protected, and the rest of the start-up (the HMAC,
        // the sockets, the warm-up) runs while it already is. A primary that dies meanwhile is taken over as
        // soon as this loop runs, from the state it hands over on attach or the checkpoint.
        connectToPrimary();
        bindHeartbeatPort();
        serverPath = config.standbySocket();
        listen(serverPath);
        codec = dir.codec();
        standby = new Standby(codec, timeoutNs, PairState.NONE, clock.nanoTime());
        lastHoldingShownNs = clock.nanoTime();
        if (watch != null) {
            watch.send("READY");
        }
        // Ready: what is left of the start-up runs beside the loop, so that the loop reacts from now on.
        // Same name as this thread's: the log tags every line with it, and it stands for the pid.
        Thread warmUp = new Thread(this::warmUp, Thread.currentThread().getName());
        warmUp.setDaemon(true);
        warmUp.start();
        return true;
    }

    /**
     * Runs once beside a new standby's loop: the signal handling of a standby, then, while nothing is at stake,
     * the code a takeover needs, loaded and run once (class loading and first calls cost a new JVM tens of
     * milliseconds, which a takeover should not pay), and the logger. Touches no state of the loop's.
     */
    private void warmUp() {
        signals(false);
        Signals.prepare(this::handOver);
        for (Class<?> c : new Class<?>[] {Primary.class, Primary.State.class, StandbyKeeper.class,
            StandbyKeeper.State.class, Spawners.class, ProcessBuilder.class, Io.class}) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        StateDir.parseCheckpoint(dir.checkpointFile(1), StateDir.formatCheckpoint(PairState.NONE.promoted(1)));
        dir.maxCheckpointEpoch();
        try {
            dir.readCheckpoint();
        } catch (PairException e) {
            // Read only to load the code; a takeover reads it again and decides then.
        }
        Spawners.commandFor("none", "", config.standbyCommand());
        if (isPromoted()) {
            Log.LOG.debug("warm-up done after the takeover");
        } else if (everWatched) {
            Log.LOG.info("standby pid {} of pair '{}' on 127.0.0.1:{}: attached to the primary", pid, config.name(),
                    config.port());
        } else {
            Log.LOG.info("standby pid {} of pair '{}' on 127.0.0.1:{}: no primary yet; taking over in {} ms unless "
                    + "one appears", pid, config.name(), config.port(), timeoutNs / 1_000_000);
        }
        warmedUp = true;
    }

    private void refuseIfRunning() {
        Optional<List<String>> answer = ControlClient.request(config.controlSocket(), "STATUS", PREFLIGHT_TIMEOUT_MS);
        if (answer.isPresent()) {
            Status s = Status.parse(answer.get());
            throw new PairException("pair '" + config.name() + "' is already running (primary pid "
                    + s.get("pid") + ", standby pid " + s.get("standbyPid") + ", state dir " + config.stateDir()
                    + "); see 'status --name " + config.name() + "' or end it with 'stop --name " + config.name()
                    + "'");
        }
    }

    private FileLock takeStandbySlot(boolean spawned) {
        long start = System.nanoTime();
        while (true) {
            Optional<FileLock> lock = dir.tryLockStandbySlot();
            if (lock.isPresent()) {
                return lock.get();
            }
            if (!spawned) {
                throw new PairException("pair '" + config.name() + "' is already starting: another member holds "
                        + "the standby slot in " + config.stateDir() + "; see 'status --name " + config.name() + "'");
            }
            if (System.nanoTime() - start >= SLOT_WAIT_NS) {
                Log.LOG.warn("another standby holds the slot of pair '{}'; this one is not needed", config.name());
                return null;
            }
            // The member that spawned us releases the slot as it takes over; give it a moment.
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private void bindHeartbeatPort() throws IOException {
        udp = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            udp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()));
        } catch (BindException e) {
            throw new PairException("port " + config.port() + " on 127.0.0.1 is held by another program; choose "
                    + "another with --port");
        }
        udp.configureBlocking(false);
        udp.register(selector, SelectionKey.OP_READ, udp);
    }

    private void listen(Path path) throws IOException {
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT, server);
    }

    private void connectToPrimary() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(config.controlSocket()));
        } catch (IOException e) {
            channel.close();
            return;
        }
        channel.configureBlocking(false);
        watch = register(new Connection(channel, Connection.Kind.TO_PRIMARY));
        watch.send("WATCH " + pid);
        everWatched = true;
    }

    private Standby.State runStandby() throws IOException {
        while (true) {
            long now = clock.nanoTime();
            select(standby.deadlineNs() - now);
            passLock.lock();
            try {
                now = clock.nanoTime();
                for (SelectionKey key : selector.selectedKeys()) {
                    onStandbyKey(key, now);
                }
                selector.selectedKeys().clear();
                sendAck(now);
                showHolding(now);
                Standby.State state = standby.doWork(now);
                if (state != Standby.State.WATCHING || notNeeded) {
                    standby.logRejections(now, true);
                    return state;
                }
            } finally {
                passLock.unlock();
            }
        }
    }

    private void onStandbyKey(SelectionKey key, long now) throws IOException {
        if (!key.isValid()) {
            return;
        }
        Object attachment = key.attachment();
        if (attachment == udp) {
            receiveDatagrams(now);
        } else if (attachment == server) {
            accept();
        } else {
            Connection c = (Connection) attachment;
            List<String> lines = c.readLines();
            for (String line : lines) {
                if (c.kind() == Connection.Kind.TO_PRIMARY) {
                    onPrimaryMessage(line, now);
                } else {
                    onStandbyRequest(c, line, now);
                }
            }
            if (c.atEof()) {
                closeConnection(c);
                if (c == watch) {
                    watch = null;
                    long primaryPid = standby.primaryPid();
                    if (config.heartbeatOnly()) {
                        return;
                    }
                    standby.onPrimaryGone(now, "primary" + (primaryPid > 0 ? " pid " + primaryPid : "")
                            + " closed its watch connection: its process has ended");
                }
            }
        }
    }

    private void receiveDatagrams(long now) throws IOException {
        for (int i = 0; i < MAX_DATAGRAMS_PER_PASS; i++) {
            datagram.clear();
            if (udp.receive(datagram) == null) {
                return;
            }
            datagram.flip();
            standby.onDatagram(datagram, now);
        }
    }

    private void sendAck(long now) {
        if (watch != null && standby.accepted() != ackedAccepted
                && now - lastAckSentNs >= config.heartbeatInterval().toNanos() / 2) {
            watch.send("ACK " + standby.lastSeq());
            ackedAccepted = standby.accepted();
            lastAckSentNs = now;
        }
    }

    /**
     * Sets the signal handling of a role. The standby's is set beside the loop, so a takeover can come first:
     * then the primary's stands, and the standby's late call changes nothing.
     */
    private synchronized boolean isPromoted() {
        return promoted;
    }

    private synchronized void signals(boolean forPrimary) {
        if (forPrimary) {
            promoted = true;
            Signals.primary(this::handOver);
        } else if (!promoted) {
            Signals.standby(this::handOver);
        }
    }

    /**
     * Runs on a signal's thread just before the process halts: waits for the pass under way to finish, keeps
     * the loop from starting another, and closes the watch connection, so that the other member learns of the
     * end now rather than when the JVM has finished halting.
     */
    private void handOver() {
        try {
            // Bounded: a pass blocked on a stalled stdout (a terminal paused with Ctrl+S) must not keep the
            // process alive.
            passLock.tryLock(HAND_OVER_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Connection w = watch;
        if (w != null) {
            w.shutdown();
        }
    }

    /**
     * Says whom the standby watches and what it holds: once, when the logger is ready (setting it up on the
     * loop would stall the loop just after the standby declared itself ready), and in a window of its own
     * every few seconds.
     */
    private void showHolding(long now) {
        if (!announced && warmedUp && standby.primaryPid() != 0) {
            announced = true;
            Log.LOG.info("watching primary pid {} (epoch {}), holding count {}", standby.primaryPid(),
                    standby.last().epoch(), standby.last().snapshot().step());
        }
        if (ownWindow && watch != null && now - lastHoldingShownNs >= HOLDING_SHOWN_NS) {
            lastHoldingShownNs = now;
            Log.LOG.info("standby: watching primary pid {}, holding count {}", standby.primaryPid(),
                    standby.last().snapshot().step());
        }
    }

    private void onPrimaryMessage(String line, long now) {
        String[] words = line.split(" ", 4);
        switch (words[0]) {
            case "HB":
                try {
                    standby.onDatagram(ByteBuffer.wrap(HEX.parseHex(words[1])), now);
                } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
                    Log.LOG.warn("ignored a malformed heartbeat from the primary: {}", e.getMessage());
                }
                break;
            case "WELCOME":
                if (words.length == 4) {
                    PairState state = StateDir.parseCheckpoint(config.controlSocket(), words[3] + "\n");
                    standby.onWelcome(state, Long.parseLong(words[1]), Long.parseLong(words[2]), now);
                }
                break;
            case "BUSY":
                Log.LOG.warn("pair '{}' already has a standby; this one is not needed", config.name());
                notNeeded = true;
                break;
            case "STOP":
                standby.onStop(now, "the primary is stopping the pair");
                break;
            default:
                Log.LOG.warn("ignored an unknown message from the primary: {}", line);
                break;
        }
    }

    private void onStandbyRequest(Connection c, String line, long now) {
        switch (line) {
            case "STATUS":
                Status s = new Status();
                s.put("role", "standby").put("pid", pid).put("name", config.name())
                        .put("epoch", standby.last().epoch()).put("count", standby.last().snapshot().step())
                        .put("primaryPid", standby.primaryPid()).put("rejected", Standby.labels(standby.rejected()));
                reply(c, s.lines());
                break;
            case "STOP":
                standby.onStop(now, "stop requested");
                reply(c, List.of("STOPPED count=" + standby.last().snapshot().step()));
                break;
            default:
                reply(c, List.of("ERROR unknown request"));
                break;
        }
    }

    // ---- takeover ------------------------------------------------------------------------------------------

    /** Takes over; returns false when a crash loop has gone on too long to try again. */
    private boolean promote() throws IOException {
        long now = clock.nanoTime();
        // Free the port and the standby socket first, so that the standby spawned next can take them.
        closeQuietly(udp);
        udp = null;
        closeServer();
        standbySlot.channel().close();
        standbySlot = null;

        boolean takeover = standby.accepted() > 0 || everWatched;
        PairState held = standby.last();
        // 1. Claim a new epoch, so that no other member can act under it. 2. Fence the old primary. 3. Only then
        // read the count: whatever the old primary printed before it learned of the fence is in the checkpoint.
        long epoch = Math.max(held.epoch(), dir.maxCheckpointEpoch()) + 1;
        PairState claimed = withEpoch(held, epoch);
        while (!dir.claimEpoch(claimed)) {
            claimed = withEpoch(claimed, claimed.epoch() + 1);
        }
        epoch = claimed.epoch();
        serverPath = config.controlSocket();
        listen(serverPath);
        if (watch != null) {
            // The old primary is alive but silent (paused or hung): tell it, so that it ends when it resumes.
            watch.send("FENCE " + epoch + " " + pid);
            closeConnection(watch);
            watch = null;
        }
        PairState base = newest(held, takeover);
        // A start by a person is a fresh attempt: it forgets any crash-loop streak.
        PairState start = takeover ? base.promoted(epoch)
                : new PairState(epoch, base.takeovers(), -1, 0, base.snapshot());
        if (!takeover && start.snapshot().step() > 0) {
            Log.LOG.info("resuming after count {} from the checkpoint in {}", start.snapshot().step(), dir.path());
        }
        if (start.streak() >= Primary.CRASH_LOOP_LIMIT) {
            writeCheckpoint(start);
            Log.LOG.error("crash loop: {} takeovers in a row at count {} without progress; restarting cannot fix this, "
                    + "so the pair ends here. The checkpoint keeps count {}; fix the cause, then start again",
                    start.streak() + 1, start.snapshot().step(), start.snapshot().step());
            return false;
        }
        signals(true);
        if (ownWindow) {
            // The window was opened as the standby's; say in its title what it is now.
            System.err.print("\033]0;phoenix " + config.name() + " primary\007");
            System.err.flush();
        }
        sender = DatagramChannel.open(StandardProtocolFamily.INET);
        heartbeatTarget = new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port());
        primary = new Primary(task, new Io(), start, config.stepInterval().toNanos(),
                config.heartbeatInterval().toNanos(), timeoutNs, now);
        spawners = new Spawners(config.standbyCommand(), "phoenix " + config.name() + " standby",
                Spawners.resolve(config.terminal(), System.getenv()));
        keeper = new StandbyKeeper(spawners, Math.max(4 * timeoutNs, 2_000_000_000L), now);
        promotion = "pid " + pid + " is the primary of pair '" + config.name() + "' ("
                + (takeover ? "takeover " + start.takeovers() : "first start") + ", epoch " + epoch
                + "), continuing after count " + start.snapshot().step();
        return true;
    }

    /**
     * What a takeover leaves for after its first number: the first step writes this epoch's checkpoint, and
     * only then are the older epochs' files removed and the takeover logged.
     */
    private void afterFirstPass() {
        if (promotion != null) {
            WindowTitle.primaryAfterFirstNumber(config.name());
            Log.LOG.info(promotion);
            promotion = null;
            dir.deleteCheckpointsBefore(primary.current().epoch());
        }
    }

    /** The newer of the held state and the checkpoints; a corrupt checkpoint stops only a start from nothing. */
    private PairState newest(PairState held, boolean takeover) {
        try {
            return dir.readCheckpoint().map(c -> PairState.newest(held, c)).orElse(held);
        } catch (PairException e) {
            if (!takeover) {
                throw e;
            }
            Log.LOG.warn("{}; continuing from the last heartbeat, count {}", e.getMessage(), held.snapshot().step());
            return held;
        }
    }

    private static PairState withEpoch(PairState s, long epoch) {
        return new PairState(epoch, s.takeovers(), s.stepAtTakeover(), s.streak(), s.snapshot());
    }

    // ---- primary -------------------------------------------------------------------------------------------

    private Ending runPrimary() throws IOException {
        while (true) {
            long now = clock.nanoTime();
            long wake = earliest(primary.nextWakeNs(), keeper.nextWakeNs(now));
            if (stopping != null) {
                wake = earliest(wake, now + 20_000_000L);
            }
            select(wake - now);
            passLock.lock();
            try {
                Ending ending = primaryPass();
                if (ending != null) {
                    return ending;
                }
                afterFirstPass();
            } finally {
                passLock.unlock();
            }
        }
    }

    /** One pass of the primary's loop; returns how this member ends, or null to go on. */
    private Ending primaryPass() throws IOException {
        long now = clock.nanoTime();
        for (SelectionKey key : selector.selectedKeys()) {
            onPrimaryKey(key, now);
        }
        selector.selectedKeys().clear();
        Primary.State state = primary.doWork(now, keeper.isProtected(now));
        if (state == Primary.State.FENCED) {
            return Ending.FENCED;
        }
        if (state == Primary.State.FAILED && stopping == null) {
            if (primary.outputLost() && spawners.sharesOutput()) {
                Log.LOG.error("the output is gone, and the standby writes to the same place: failing over would only "
                        + "fail again, so the pair ends at count {}, kept in the checkpoint",
                        primary.current().snapshot().step());
                beginStop(null, now, Ending.OUTPUT_LOST);
            } else if (keeper.isProtected(now)
                    || now - primary.stateChangedNs() >= StandbyKeeper.ATTACH_TIMEOUT_NS) {
                return Ending.ACCEPTANCE_TEST_FAILED;
            }
            // Self-termination hands the work to the standby, so there must be one: a primary that fails
            // right after a takeover has not spawned its own yet. Wait for it, within the attach timeout.
        }
        if (stopping != null) {
            if (watch == null || now - stopDeadlineNs >= 0) {
                long count = primary.current().snapshot().step();
                if (stopRequester != null) {
                    reply(stopRequester, List.of("STOPPED count=" + count));
                }
                Log.LOG.info("pair '{}' stopped at count {}", config.name(), count);
                return stopping;
            }
        } else {
            keeper.doWork(now);
        }
        return null;
    }

    private void onPrimaryKey(SelectionKey key, long now) throws IOException {
        if (!key.isValid()) {
            return;
        }
        Object attachment = key.attachment();
        if (attachment == server) {
            accept();
            return;
        }
        Connection c = (Connection) attachment;
        for (String line : c.readLines()) {
            if (c.kind() == Connection.Kind.FROM_STANDBY) {
                onStandbyMessage(line, now);
            } else {
                onPrimaryRequest(c, line, now);
            }
        }
        if (c.atEof()) {
            closeConnection(c);
            if (c == watch) {
                watch = null;
                keeper.onDetached(now, "standby pid " + keeper.standbyPid() + " closed its watch connection: "
                        + "its process has ended");
            }
        }
    }

    private void onStandbyMessage(String line, long now) {
        String[] words = line.split(" ");
        if (words[0].equals("READY")) {
            keeper.onReady(now);
        } else if (words[0].equals("ACK")) {
            keeper.onAck(now);
        } else if (words[0].equals("FENCE") && words.length == 3) {
            primary.onFence(Long.parseLong(words[1]), Long.parseLong(words[2]), now);
        } else {
            Log.LOG.warn("ignored an unknown message from the standby: {}", line);
        }
    }

    private void onPrimaryRequest(Connection c, String line, long now) {
        String[] words = line.split(" ");
        switch (words[0]) {
            case "STATUS":
                reply(c, primaryStatus(now).lines());
                break;
            case "STOP":
                beginStop(c, now, Ending.STOPPED);
                break;
            case "WATCH":
                long standbyPid = words.length == 2 ? Long.parseLong(words[1]) : 0;
                if (stopping == null && watch == null && keeper.onAttached(standbyPid, now)) {
                    c.kind(Connection.Kind.FROM_STANDBY);
                    clients.remove(c);
                    watch = c;
                    c.send("WELCOME " + primary.seq() + " " + pid + " "
                            + StateDir.formatCheckpoint(primary.current()).trim());
                } else {
                    reply(c, List.of("BUSY"));
                }
                break;
            default:
                reply(c, List.of("ERROR unknown request"));
                break;
        }
    }

    private Status primaryStatus(long now) {
        PairState s = primary.current();
        Status status = new Status();
        status.put("role", "primary").put("pid", pid).put("name", config.name()).put("epoch", s.epoch())
                .put("count", s.snapshot().step()).put("takeovers", s.takeovers())
                .put("protected", keeper.isProtected(now)).put("standbyPid", keeper.standbyPid())
                .put("state", primary.state().name().toLowerCase(java.util.Locale.ROOT))
                .put("streak", s.streak()).put("stepAtTakeover", s.stepAtTakeover())
                .put("spawnFailures", keeper.failures()).put("checkpointError", checkpointError);
        if (primary.state() == Primary.State.BACKING_OFF) {
            status.put("backoffLeftMs", Math.max(0, primary.resumeAtNs() - now) / 1_000_000);
        }
        return status;
    }

    /** Ends the standby, then this primary; {@code requester} (may be null) hears when it is done. */
    private void beginStop(Connection requester, long now, Ending ending) {
        if (stopping != null) {
            if (requester != null) {
                reply(requester, List.of("STOPPING"));
            }
            return;
        }
        Log.LOG.info("stopping: ending the standby, then this primary");
        dir.markStopped();
        stopping = ending;
        stopRequester = requester;
        clients.remove(requester);
        stopDeadlineNs = now + STOP_WAIT_NS;
        primary.stop(now);
        keeper.stop(now);
        if (watch != null) {
            watch.send("STOP");
        }
    }

    // ---- shared plumbing -----------------------------------------------------------------------------------

    /** The earlier of two clock values; by subtraction, so that it holds when the clock wraps. */
    private static long earliest(long a, long b) {
        return a - b < 0 ? a : b;
    }

    private void select(long waitNs) throws IOException {
        if (waitNs <= 0) {
            selector.selectNow();
        } else {
            selector.select(Math.max(1, (waitNs + 999_999) / 1_000_000));
        }
    }

    private void accept() throws IOException {
        SocketChannel channel = server.accept();
        if (channel == null) {
            return;
        }
        UserPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user();
        if (!peer.equals(owner)) {
            Log.LOG.warn("refused a control connection from user {}: only {} may control this pair", peer.getName(),
                    owner.getName());
            channel.close();
            return;
        }
        channel.configureBlocking(false);
        clients.add(register(new Connection(channel, Connection.Kind.CLIENT)));
    }

    private Connection register(Connection c) throws IOException {
        c.key(c.channel().register(selector, SelectionKey.OP_READ, c));
        return c;
    }

    private void reply(Connection c, List<String> lines) {
        for (String line : lines) {
            c.send(line);
        }
        clients.remove(c);
        c.close();
    }

    private void closeConnection(Connection c) {
        clients.remove(c);
        c.close();
    }

    private void writeCheckpoint(PairState state) {
        try {
            dir.writeCheckpoint(state);
            if (!checkpointError.isEmpty()) {
                Log.LOG.info("the checkpoint in {} is written again", dir.path());
                checkpointError = "";
            }
        } catch (IOException e) {
            checkpointError = StateDir.describe(e);
            long now = clock.nanoTime();
            if (checkpointErrorLoggedNs == 0 || now - checkpointErrorLoggedNs >= CHECKPOINT_ERROR_LOG_NS) {
                checkpointErrorLoggedNs = now;
                Log.LOG.warn("cannot write checkpoint {}: {}; counting goes on, the standby holds the count, but a "
                        + "restart after both members die would resume from an older count",
                        dir.checkpointFile(state.epoch()), checkpointError);
            }
        }
    }

    private void closeServer() throws IOException {
        if (server != null) {
            server.close();
            server = null;
            Files.deleteIfExists(serverPath);
        }
    }

    private void closeAll() {
        if (server != null) {
            closeQuietly(server);
            // Before the watch connection closes: once it has, the standby takes over and binds this path anew.
            // A fenced primary leaves it alone: its successor listens there already.
            if (primary == null || primary.state() != Primary.State.FENCED) {
                try {
                    Files.deleteIfExists(serverPath);
                } catch (IOException ignored) {
                    // Best effort: a stale socket file is replaced by the next member anyway.
                }
            }
        }
        for (Connection c : new ArrayList<>(clients)) {
            c.close();
        }
        if (watch != null) {
            watch.close();
        }
        if (stopRequester != null) {
            stopRequester.close();
        }
        closeQuietly(udp);
        closeQuietly(sender);
        closeQuietly(selector);
        if (standbySlot != null) {
            closeQuietly(standbySlot.channel());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // Closing on the way out: nothing left to do about it.
        }
    }

    /** The primary's outside world: the checkpoint file and the heartbeat datagrams. */
    private final class Io implements Primary.Io {
        @Override
        public void sendHeartbeat(long seq, PairState state) {
            codec.encode(seq, pid, state, outgoing);
            if (watch != null) {
                // The same heartbeat on the watch connection, which only its owner can reach: a flood on the
                // UDP port can crowd heartbeats out of the socket's buffer, but not out of this connection.
                byte[] copy = new byte[outgoing.remaining()];
                outgoing.duplicate().get(copy);
                watch.send("HB " + HEX.formatHex(copy));
            }
            try {
                sender.send(outgoing, heartbeatTarget);
            } catch (IOException e) {
                // Nobody on the port yet, or a full buffer: the next heartbeat follows shortly.
                Log.LOG.debug("heartbeat {} not sent: {}", seq, e.toString());
            }
        }

        @Override
        public void writeCheckpoint(PairState state) {
            Member.this.writeCheckpoint(state);
        }

        @Override
        public long checkpointEpoch() {
            try {
                return dir.maxCheckpointEpoch();
            } catch (PairException e) {
                return -1;
            }
        }
    }

    /**
     * The logger, created on first use rather than with the class: setting up slf4j-simple (its date format
     * above all) costs a new JVM some 30 ms, which a standby should spend after it has attached, not before.
     */
    private static final class Log {
        static final Logger LOG = Logs.of(Member.class);
    }
}
