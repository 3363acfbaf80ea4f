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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
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
    private static final long HAND_OVER_WAIT_NS = 200_000_000L;
    private static final long HEAL_PERIOD_NS = 250_000_000L;
    // How long a takeover lets its first number go first before it finishes (a stalled terminal must not hold up
    // the new standby's spawn longer than this).
    private static final long FIRST_NUMBER_WAIT_NS = 100_000_000L;
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
    // Steps run here, away from the loop: heartbeats and the watch never wait for the program's work.
    private final StepThread steps = new StepThread();
    private final TakeoverTimes times = new TakeoverTimes();

    private Selector selector;
    private StateDir dir;
    private HeartbeatCodec codec;
    private FileLock standbySlot;
    private DatagramChannel udp;
    private ServerSocketChannel server;
    private Path serverPath;
    /** The identity of the socket file this member bound at {@link #serverPath}. */
    private Object serverKey;
    private Connection watch;
    private Standby standby;
    private boolean everWatched;
    private boolean alone;
    private volatile boolean warmedUp;
    // Set as a takeover begins: from then on a signal means "hand over", not "ignored".
    private volatile boolean primaryRole;
    private boolean announced;
    // The name of the thread that runs this member: every thread of the member logs under it.
    private String tag;
    private int signalsSeen;
    private int signalsHandled;
    private int lastSignal;
    private long signalAtNs;
    private long handOverAtNs;
    private Ending signalEnding;
    private long lastHealNs;
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
    private boolean primaryAnnounced;
    // ---- issue 9: a service's replication (see Replication, ReplicaHolder); idle for a task -------------------
    private final Replication replication = new Replication(this::wakeLoop, StandbyKeeper.ATTACH_TIMEOUT_NS);
    private final ReplicaHolder holder = new ReplicaHolder();
    /** The service a service pair's primary runs; null for a task. */
    private ServiceTask service;

    /** A member of a service pair: its primary runs {@code service} instead of stepping a task. */
    Member(PairConfig config, PairService service, NanoClock clock) {
        this(config, new ServiceTask(service), clock);
        this.service = (ServiceTask) task;
        this.service.bind(replication, holder);
    }

    /** Wakes the loop: a replicate call left a state for it (any thread). */
    private void wakeLoop() {
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    /** This member stops being the primary: the service stops before the standby can take over (issue 9). */
    private void stopService(String why) {
        if (service != null) {
            service.stop(why);
        }
    }

    /** A service pair's primary never steps again after the step that started its service. */
    private long stepIntervalNs() {
        return service != null ? Long.MAX_VALUE / 4 : config.stepInterval().toNanos();
    }
    // ---- end of issue 9's members -----------------------------------------------------------------------------

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
        tag = Thread.currentThread().getName();
        try {
            selector = Selector.open();
            if (!startStandby()) {
                return Ending.NOT_NEEDED;
            }
            if (!alone) {
                Standby.State end = runStandby();
                if (signalEnding != null) {
                    if (end == Standby.State.PROMOTED) {
                        Log.LOG.warn("the primary is gone and this standby ends on SIGHUP too: the pair ends at "
                                + "count {}, kept in the checkpoint; start it again to go on",
                                standby.last().snapshot().step());
                    }
                    return signalEnding;
                }
                if (end == Standby.State.STOPPED || notNeeded) {
                    return notNeeded ? Ending.NOT_NEEDED : Ending.STOPPED;
                }
                if (dir.isStopped() && config.spawnedBy() != 0) {
                    Log.LOG.info("the pair was stopped while this standby started; not taking over");
                    return Ending.STOPPED;
                }
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
            dir.claimName(config.name());
            dir.requireKnownNames();
            dir.removeStaleSockets();
            dir.clearStopped();
            if (freshStart()) {
                Log.LOG.info("fresh start: counting starts at 1; older checkpoints in {} no longer count", dir.path());
            } else {
                Optional<PairState> held = dir.readCheckpoint();
                if (held.isPresent() && held.get().snapshot().step() == Long.MAX_VALUE) {
                    throw new PairException("the checkpoint in " + dir.path() + " holds count " + Long.MAX_VALUE
                            + ", the largest a step number can hold, so no step can follow; start with --fresh");
                }
                held.ifPresent(c -> Log.LOG.info("the checkpoint in {} holds count {} (epoch {})",
                        dir.path(), c.snapshot().step(), c.epoch()));
            }
        }
        standbySlot = takeStandbySlot(spawned);
        if (standbySlot == null) {
            return false;
        }
        // The standby's signal handling, made beside the rest of the start-up and in place before READY: from READY
        // on the pair counts as protected, and `pkill -f phoenix` then must end the primary alone.
        Thread handlers = null;
        if (config.handleSignals()) {
            handlers = new Thread(() -> Signals.standby(this::onSignal), tag);
            handlers.setDaemon(true);
            handlers.start();
        }
        // Attach first: a primary that dies meanwhile is taken over as soon as this loop runs, from the state it
        // hands over on attach or the checkpoint.
        connectToPrimary();
        // No primary answered and the standby slot was free: no primary exists that could be hung, so there is
        // nothing to wait for. A spawned standby whose primary is gone waits, as it always would.
        alone = !spawned && watch == null;
        bindHeartbeatPort();
        serverPath = config.standbySocket();
        listen(serverPath);
        codec = dir.codec();
        standby = new Standby(codec, timeoutNs, PairState.NONE, clock.nanoTime());
        lastHoldingShownNs = clock.nanoTime();
        if (handlers != null) {
            try {
                handlers.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
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
     * Runs once beside a new standby's loop: the primary's signal handlers made ahead, then, while nothing is at
     * stake,
     * the code a takeover needs, loaded and run once (class loading and first calls cost a new JVM tens of
     * milliseconds, which a takeover should not pay), and the logger. Touches no state of the loop's.
     */
    private void warmUp() {
        if (config.handleSignals()) {
            Signals.preparePrimary();
        }
        steps.startIfNeeded();
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
            dir.readCheckpoint(true);
        } catch (PairException e) {
            // Read only to load the code; a takeover reads it again and decides then.
        }
        Spawners.commandFor("none", "", config.standbyCommand());
        Pids.running(pid);
        if (alone) {
            Log.LOG.info("pid {} of pair '{}': no member of the pair is running; starting as the primary", pid,
                    config.name());
        } else if (primaryRole) {
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
            if (!s.get("name").equals(config.name())) {
                throw new PairException("state directory " + config.stateDir() + " is in use by pair '"
                        + s.get("name") + "' (primary pid " + s.get("pid") + "); choose another --state-dir, or see "
                        + "'status --name " + s.get("name") + " --state-dir " + config.stateDir() + "'");
            }
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

    /**
     * Listens on {@code path}. The socket is bound under a name of this member's own, made owner-only there, and
     * only then renamed onto {@code path} (atomically, replacing what was there): nobody ever finds the path
     * without a listener that only the owner may use, and a member that ends never removes a successor's socket
     * by mistake, since it removes the path only while it still names the socket it bound ({@link #ownsServer}).
     */
    private void listen(Path path) throws IOException {
        Path own = path.resolveSibling(StateDir.SOCKET_PREFIX + pid);
        Files.deleteIfExists(own);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(own));
            Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rw-------"));
            serverKey = fileKey(own);
            Files.move(own, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            closeQuietly(server);
            server = null;
            Files.deleteIfExists(own);
            throw e;
        }
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT, server);
    }

    /** @return the identity (device and inode) of the file at {@code path}, or null when there is none */
    private static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** @return whether the socket path still names the socket this member bound (nobody replaced or removed it) */
    private boolean ownsServer() {
        Object key = serverKey;
        return key != null && key.equals(fileKey(serverPath));
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
            select(earliest(standby.deadlineNs(), lastHealNs + HEAL_PERIOD_NS) - now);
            now = clock.nanoTime();
            for (SelectionKey key : selector.selectedKeys()) {
                onStandbyKey(key, now);
            }
            selector.selectedKeys().clear();
            sendAck(now);
            showHolding(now);
            heal(now);
            if (signalsSeen() != signalsHandled) {
                onStandbySignal();
            }
            Standby.State state = standby.doWork(now);
            if (state != Standby.State.WATCHING || notNeeded || signalEnding != null) {
                times.detectedNs = now;
                standby.logRejections(now, true);
                return state;
            }
        }
    }

    /** SIGHUP (its window closed) ends a standby; SIGINT and SIGTERM never get here (see onSignal). */
    private void onStandbySignal() {
        int number;
        synchronized (this) {
            signalsHandled = signalsSeen;
            number = lastSignal;
        }
        if (number == 1) {
            Log.LOG.warn("standby ends on SIGHUP (its terminal closed)");
            signalEnding = Ending.HUNG_UP;
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
            standby.onHeartbeat(datagram, Standby.Path.UDP, now);
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
     * A signal arrived (on the signal's own thread): count it and wake the loop, which acts on it in order with
     * everything else. The thread takes the member's name, so that what it logs carries the member's tag.
     */
    private void onSignal(String name, int number, boolean asPrimary) {
        Thread.currentThread().setName(tag);
        if (!asPrimary && number != 1) {
            // Meant for the primary (pkill -f phoenix reaches both); also one that arrived just before this
            // standby took over.
            Log.LOG.warn("standby ignores SIG{}: it exists to outlive the primary; end the pair with 'stop'", name);
            return;
        }
        synchronized (this) {
            signalsSeen++;
            lastSignal = number;
        }
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    private synchronized int signalsSeen() {
        return signalsSeen;
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
                    standby.onHeartbeat(ByteBuffer.wrap(HEX.parseHex(words[1])), Standby.Path.WATCH, now);
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
            case "STATE":
                holder.onState(line, watch.takeBody(), watch);
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
                // Left open until this member has closed everything: the requester waits for that end.
                clients.remove(c);
                stopRequester = c;
                c.send("STOPPED count=" + standby.last().snapshot().step());
                break;
            default:
                reply(c, List.of("ERROR unknown request"));
                break;
        }
    }

    // ---- takeover ------------------------------------------------------------------------------------------

    /**
     * Takes over: claim, fence, read, and the first step handed to the step thread, with nothing else on the way
     * (the model's PROMOTE, PR1, PR2), and the control socket bound, so that a step, status and stop find the
     * pair from its first number on. Everything that can wait, the port, the spawner, the log, runs in
     * {@link #finishTakeover} once the first number is printed (or 100 ms have passed), so that on a busy
     * machine it does not compete with the print for a core.
     *
     * @return false when a crash loop has gone on too long to try again
     */
    private boolean promote() throws IOException {
        long now = clock.nanoTime();
        times.promoteNs = now;
        // Started by the warm-up already, unless the takeover came first.
        steps.startIfNeeded();
        primaryRole = true;
        if (config.handleSignals()) {
            Signals.primary(this::onSignal);
        }
        // A spawned member always takes over, even one that heard nothing from its primary: only a person's start
        // may begin anew.
        boolean takeover = standby.accepted() > 0 || everWatched || config.spawnedBy() != 0;
        // A start claims from what the checkpoints hold (their base above all, unless it starts fresh); a
        // takeover from what its primary replicated.
        PairState held = takeover ? standby.last()
                : freshStart() ? PairState.NONE : dir.readCheckpoint().orElse(PairState.NONE);
        // 1. Claim a new epoch, so that no other member can act under it. 2. Fence the old primary. 3. Only then
        // read the count: whatever the old primary printed before it learned of the fence is in the checkpoint.
        PairState claimed = claim(held, takeover);
        long epoch = claimed.epoch();
        times.claimedNs = clock.nanoTime();
        if (takeover && held.epoch() < claimed.base()) {
            // What this member holds is from before the last fresh start (a late heartbeat of a paused old
            // primary): it must not carry that count into the new run (found by the model).
            held = PairState.NONE.withBase(claimed.base());
        }
        if (watch != null) {
            // The old primary is alive but silent (paused or hung): tell it, so that it ends when it resumes.
            watch.send("FENCE " + epoch + " " + pid);
            closeConnection(watch);
            watch = null;
        }
        times.fencedNs = clock.nanoTime();
        PairState start;
        if (takeover) {
            start = newest(held, true).promoted(epoch);
        } else if (freshStart()) {
            start = PairState.NONE.started(epoch, true);
        } else {
            // A start by a person is a fresh attempt: it forgets any crash-loop streak.
            start = newest(held, false).started(epoch, false);
            if (start.snapshot().step() > 0) {
                Log.LOG.info("resuming after count {} from the checkpoint in {}", start.snapshot().step(),
                        dir.path());
            }
        }
        times.readNs = clock.nanoTime();
        // The control socket listens before the first step: a step may ask the library for the pair's status,
        // and status and stop must find the pair from its first number on (a fraction of a millisecond).
        closeServer();
        serverPath = config.controlSocket();
        listen(serverPath);
        if (start.streak() >= Primary.CRASH_LOOP_LIMIT) {
            finishTakeover(start, takeover, false);
            writeCheckpoint(start);
            Log.LOG.error("crash loop: streak {} at count {} (takeovers in a row that found no progress since the one "
                    + "before); restarting cannot fix this, so the pair ends here. The checkpoint keeps count {}; fix "
                    + "the cause, then start again", start.streak(), start.snapshot().step(), start.snapshot().step());
            return false;
        }
        primary = new Primary(task, new Io(), steps, config.stepTimeout().toNanos(), start,
                stepIntervalNs(), config.heartbeatInterval().toNanos(), timeoutNs, now);
        // The first pass begins the first step at once: the number is printed on the step thread while this one
        // finishes the takeover. A crash loop's backoff sends heartbeats, which need the sender: it waits.
        if (primary.state() == Primary.State.RUNNING) {
            primary.doWork(clock.nanoTime(), false);
            steps.awaitFirstStep(FIRST_NUMBER_WAIT_NS);
        }
        finishTakeover(start, takeover, true);
        return true;
    }

    /**
     * The part of a takeover that the first number does not wait for: the standby's port, socket and slot are
     * freed for the standby spawned next (the slot only now: the control socket already listens),
     * the heartbeat sender, the spawner and the standby keeper are made, and the window says what it is now.
     * Runs after the first number (see {@link #promote}); the log lines follow in the first loop pass.
     */
    private void finishTakeover(PairState start, boolean takeover, boolean primaryCreated) throws IOException {
        closeQuietly(udp);
        udp = null;
        // The standby slot goes last: until the epoch is claimed and the control socket listens, no member
        // answers, and a start that found the slot free too could act beside this takeover (found by the model).
        standbySlot.channel().close();
        standbySlot = null;
        if (ownWindow) {
            // The window was opened as the standby's; say in its title what it is now.
            System.err.print("\033]0;phoenix " + config.name() + " primary\007");
            System.err.flush();
        }
        sender = DatagramChannel.open(StandardProtocolFamily.INET);
        heartbeatTarget = new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port());
        spawners = new Spawners(config.standbyCommand(), "phoenix " + config.name() + " standby",
                Spawners.resolve(config.terminal(), System.getenv()),
                java.util.Map.of(PairConfig.SPAWNED_BY_ENV, pid + ":" + config.name()));
        keeper = new StandbyKeeper(spawners, Math.max(4 * timeoutNs, 2_000_000_000L), times.promoteNs);
        if (primaryCreated) {
            promotion = "pid " + pid + " is the primary of pair '" + config.name() + "' ("
                    + (takeover ? "takeover " + start.takeovers() : "first start") + ", epoch " + start.epoch()
                    + "), continuing after count " + start.snapshot().step();
        }
        times.finishedNs = clock.nanoTime();
    }

    /**
     * What a takeover leaves for after its first number: the first step writes this epoch's checkpoint, and
     * only then are the older epochs' files removed and the takeover logged.
     */
    private void afterFirstPass() {
        if (promotion != null && primary.state() != Primary.State.STEPPING) {
            WindowTitle.primaryAfterFirstNumber(config.name());
            standby.logPromotion();
            Log.LOG.info(promotion);
            if (times.detectedNs != 0 && steps.firstDoneNs != 0) {
                Log.LOG.info("takeover took {}", times.describe(steps.firstBeginNs, steps.firstStartNs,
                        steps.firstDoneNs));
            }
            promotion = null;
            dir.deleteCheckpointsBefore(primary.current().epoch());
        }
    }

    /** The newer of the held state and the checkpoints; a corrupt checkpoint stops only a start from nothing. */
    private PairState newest(PairState held, boolean takeover) {
        try {
            return dir.readCheckpoint(takeover).map(c -> PairState.newest(held, c)).orElse(held);
        } catch (PairException e) {
            if (!takeover) {
                throw e;
            }
            Log.LOG.warn("{}; continuing from the last heartbeat, count {}", e.getMessage(), held.snapshot().step());
            return held;
        }
    }

    /** @return whether this is a person's start with {@code --fresh}: a spawned member never starts anew */
    private boolean freshStart() {
        return config.fresh() && config.spawnedBy() == 0;
    }

    /**
     * Claims the next epoch: creates its checkpoint file, which fails when another member has it, and then tries
     * the one above. Epochs never repeat for a state directory, a fresh start's included. A directory removed
     * under the pair is put back first; if it cannot be written at all the takeover goes on unclaimed, since a
     * pair that stops for want of a disk protects nothing.
     *
     * @return the claimed state: its epoch, and the base it claimed under
     */
    private PairState claim(PairState held, boolean takeover) {
        long highest = dir.maxCheckpointEpoch();
        if (highest == Long.MAX_VALUE || held.epoch() == Long.MAX_VALUE) {
            throw new PairException("the checkpoints in " + dir.path() + " have used up every epoch (up to "
                    + Long.MAX_VALUE + "); move them away to start again");
        }
        PairState claimed = held.withEpoch(Math.max(held.epoch(), highest) + 1);
        if (held.epoch() < highest) {
            // What this member holds is older than the newest epoch on disk (a standby that heard nothing yet, or
            // only a paused old primary): the base is the directory's, which only ever grows.
            long base = Math.max(held.base(), dir.baseAt(highest));
            claimed = held.epoch() < base ? PairState.NONE.withBase(base).withEpoch(claimed.epoch())
                    : claimed.withBase(base);
        }
        if (!takeover) {
            claimed = claimed.started(claimed.epoch(), freshStart());
        }
        for (int attempt = 0; ; attempt++) {
            try {
                while (!dir.claimEpoch(claimed)) {
                    claimed = claimed.withEpoch(claimed.epoch() + 1);
                    if (freshStart() && !takeover) {
                        claimed = claimed.started(claimed.epoch(), true);
                    }
                }
                return claimed;
            } catch (IOException e) {
                if (attempt == 0 && dir.restore(config.name())) {
                    Log.LOG.warn("state directory {} was removed; put it back", dir.path());
                    continue;
                }
                checkpointError = StateDir.describe(e);
                Log.LOG.error("cannot claim epoch {} in {}: {}; taking over unclaimed", claimed.epoch(), dir.path(),
                        checkpointError);
                return claimed;
            }
        }
    }

    // ---- primary -------------------------------------------------------------------------------------------

    private Ending runPrimary() throws IOException {
        while (true) {
            long now = clock.nanoTime();
            long wake = earliest(earliest(primary.nextWakeNs(), keeper.nextWakeNs(now)), lastHealNs + HEAL_PERIOD_NS);
            if (stopping != null || signalEnding != null) {
                wake = earliest(wake, now + 20_000_000L);
            }
            select(wake - now);
            Ending ending = primaryPass();
            if (ending != null) {
                return ending;
            }
            afterFirstPass();
        }
    }

    /** One pass of the primary's loop; returns how this member ends, or null to go on. */
    private Ending primaryPass() throws IOException {
        long now = clock.nanoTime();
        for (SelectionKey key : selector.selectedKeys()) {
            onPrimaryKey(key, now);
        }
        selector.selectedKeys().clear();
        StepThread.Done done = steps.poll();
        if (done != null) {
            primary.onStepDone(done.next(), done.failure(), now);
        }
        replication.doWork(now);
        if (signalsSeen() != signalsHandled || signalEnding != null) {
            Ending handedOver = onPrimarySignal(now);
            if (handedOver != null) {
                return handedOver;
            }
        }
        Primary.State state = primary.doWork(now, keeper.isProtected(now));
        if (state == Primary.State.FENCED) {
            return Ending.FENCED;
        }
        // After the fencing check: a primary that was replaced while paused must not take anything back.
        heal(now);
        if (state == Primary.State.EXHAUSTED && stopping == null) {
            Log.LOG.error("count {} is the largest a step number can hold: no step can follow, here or on the "
                    + "standby, so the pair ends. The checkpoint keeps the count; start with --fresh to count from 1",
                    primary.current().snapshot().step());
            beginStop(null, now, Ending.GAVE_UP);
        }
        if (state == Primary.State.FAILED && stopping == null) {
            if (primary.outputLost() && spawners.sharesOutput()) {
                Log.LOG.error("the output is gone, and the standby writes to the same place: failing over would only "
                        + "fail again, so the pair ends at count {}, kept in the checkpoint",
                        primary.current().snapshot().step());
                beginStop(null, now, Ending.OUTPUT_LOST);
            } else if (keeper.isProtected(now)
                    || now - primary.stateChangedNs() >= StandbyKeeper.ATTACH_TIMEOUT_NS) {
                if (keeper.isProtected(now)) {
                    Log.LOG.warn("this member ends (exit {}); standby pid {} takes over and the pair goes on",
                            Ending.ACCEPTANCE_TEST_FAILED.exitCode(), keeper.standbyPid());
                } else {
                    Log.LOG.error("this member ends (exit {}) with no standby to take over: the pair ends at count {}, "
                            + "kept in the checkpoint", Ending.ACCEPTANCE_TEST_FAILED.exitCode(),
                            primary.current().snapshot().step());
                }
                return Ending.ACCEPTANCE_TEST_FAILED;
            }
            // Self-termination hands the work to the standby, so there must be one: a primary that fails
            // right after a takeover has not spawned its own yet. Wait for it, within the attach timeout.
        }
        if (stopping != null) {
            boolean stepDone = state != Primary.State.STEPPING;
            if ((watch == null && stepDone) || now - stopDeadlineNs >= 0) {
                long count = primary.current().snapshot().step();
                if (stopRequester != null) {
                    // The connection stays open until this member has closed everything: its end is the end the
                    // requester waits for, whether or not anybody reaps the process.
                    stopRequester.send("STOPPED count=" + count);
                }
                Log.LOG.info("pair '{}' stopped at count {}", config.name(), count);
                return stopping;
            }
        } else {
            keeper.doWork(now);
        }
        return null;
    }

    /**
     * A signal ends the primary, after it hands over: the step under way finishes and is replicated, no other
     * starts, and the watch connection is closed, so that the standby takes over at once. With no standby ready
     * (right after a takeover, or while spawning fails) it first waits for one, within the attach timeout; a
     * second signal ends it at once, and the pair with it.
     *
     * @return how this member ends, once it has handed over; null while it waits
     */
    private Ending onPrimarySignal(long now) {
        int number;
        int seen;
        synchronized (this) {
            seen = signalsSeen;
            number = lastSignal;
        }
        String name = number == 1 ? "SIGHUP" : number == 2 ? "SIGINT" : "SIGTERM";
        if (seen != signalsHandled) {
            if (signalEnding == null) {
                signalAtNs = now;
                signalEnding = Ending.ofSignal(number);
            } else {
                // A second signal while waiting: the user means it.
                Log.LOG.warn("{} again: ending now", name);
                handOverAtNs = now;
            }
            signalsHandled = seen;
        }
        boolean ready = keeper.isProtected(now);
        if (handOverAtNs == 0) {
            if (ready || now - signalAtNs >= StandbyKeeper.ATTACH_TIMEOUT_NS) {
                handOverAtNs = now;
            } else if (now == signalAtNs) {
                Log.LOG.warn("primary got {} but no standby is ready to take over yet; it ends as soon as one is "
                        + "(send the signal again to end the pair now)", name);
                return null;
            } else {
                return null;
            }
        }
        if (ready && watch != null && primary.state() != Primary.State.STEPPING) {
            // No number is being printed: hand over first, so that the standby's takeover waits for nothing
            // here, the log line included.
            handOver();
            primary.stop(now, name);
            Log.LOG.warn("primary ends on {}; handing over to standby pid {}", name, keeper.standbyPid());
            return signalEnding;
        }
        primary.stop(now, name);
        if (primary.state() == Primary.State.STEPPING && now - handOverAtNs < HAND_OVER_WAIT_NS) {
            // The step under way prints a number: let it finish and replicate it, but not for ever (a terminal
            // paused with Ctrl+S blocks it).
            return null;
        }
        if (ready && watch != null) {
            handOver();
            Log.LOG.warn("primary ends on {}; handing over to standby pid {}", name, keeper.standbyPid());
        } else {
            // No standby is ready: the pair ends with this member, as asked. A standby spawned or attached but not
            // ready must not take over behind the user's back.
            dir.markStopped();
            keeper.stop(now);
            if (watch != null) {
                watch.send("STOP");
            }
            Log.LOG.warn("primary ends on {} with no standby ready: the pair ends at count {}, kept in the "
                    + "checkpoint; start it again to go on", name, primary.current().snapshot().step());
        }
        return signalEnding;
    }

    /**
     * Hands over to the standby: the control socket goes first, so that the standby, which takes over at the
     * watch connection's end and binds the socket path anew, never has its socket removed by this member.
     */
    private void handOver() {
        stopService("handing over to standby pid " + keeper.standbyPid());
        replication.drain(HAND_OVER_WAIT_NS);
        try {
            closeServer();
        } catch (IOException e) {
            Log.LOG.debug("cannot remove the control socket {}: {}", serverPath, e.toString());
        }
        watch.shutdown();
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
                replication.onDetached();
                keeper.onDetached(now, "standby pid " + keeper.standbyPid() + " closed its watch connection: "
                        + "its process has ended");
            }
        }
    }

    private void onStandbyMessage(String line, long now) {
        String[] words = line.split(" ");
        if (words[0].equals("READY")) {
            if (replication.onReady()) {
                keeper.onReady(now);
            }
        } else if (words[0].equals("ACKSTATE") && StateFrames.parseAck(line) >= 0) {
            if (replication.onAck(StateFrames.parseAck(line))) {
                keeper.onReady(now);
            }
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
                            + StateDir.formatCheckpoint(replication.stamp(primary.current())).trim());
                    replication.onAttached(c);
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
        stopService("the pair is stopping");
        dir.markStopped();
        stopping = ending;
        stopRequester = requester;
        clients.remove(requester);
        stopDeadlineNs = now + STOP_WAIT_NS;
        primary.stop(now, "stop requested");
        keeper.stop(now);
        if (watch != null) {
            watch.send("STOP");
        }
    }

    // ---- shared plumbing -----------------------------------------------------------------------------------

    /**
     * Puts back what someone removed of the state directory under the running pair, checked every quarter
     * second by one look at this member's control socket: the directory, the secret, the pair's name, the
     * socket (so that status and stop find the pair), the standby's slot, and the primary's checkpoint.
     */
    private void heal(long now) {
        if (now - lastHealNs < HEAL_PERIOD_NS || serverPath == null) {
            return;
        }
        lastHealNs = now;
        if (primary != null) {
            // A member claims its epoch before it binds the control socket: a newer epoch in the directory means
            // another member took over (while this one was paused, say), even if it died before it could say so
            // on the watch connection. This one must not step again; its standby, if it has one, takes over.
            long highest;
            try {
                highest = dir.maxCheckpointEpoch();
            } catch (PairException unreadable) {
                highest = 0;
            }
            if (highest > primary.current().epoch()) {
                primary.onFence(highest, 0, now);
                return;
            }
        }
        if (ownsServer()) {
            return;
        }
        boolean replaced = Files.exists(serverPath, LinkOption.NOFOLLOW_LINKS);
        dir.restore(config.name());
        try {
            closeServer();
            listen(serverPath);
        } catch (IOException e) {
            Log.LOG.debug("cannot listen on {} yet: {}", serverPath, e.toString());
            return;
        }
        if (primary != null) {
            writeCheckpoint(primary.current());
        } else if (standbySlot != null) {
            closeQuietly(standbySlot.channel());
            standbySlot = dir.tryLockStandbySlot().orElse(null);
        }
        if (replaced) {
            Log.LOG.warn("control socket {} was replaced by another process's; listening there again", serverPath);
        } else {
            Log.LOG.warn("state directory {} lost this member's control socket (removed?); put back the directory, "
                    + "the secret and the socket{}", dir.path(), primary != null ? ", and the checkpoint" : "");
        }
    }

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
            if (e instanceof java.nio.file.NoSuchFileException) {
                // The directory is gone: put it back on the next pass rather than a quarter second later.
                lastHealNs = now - HEAL_PERIOD_NS;
            }
            if (checkpointErrorLoggedNs == 0 || now - checkpointErrorLoggedNs >= CHECKPOINT_ERROR_LOG_NS) {
                checkpointErrorLoggedNs = now;
                Log.LOG.warn("cannot write checkpoint {}: {}; counting goes on, the standby holds the count, but a "
                        + "restart after both members die would resume from an older count",
                        dir.checkpointFile(state.epoch()), checkpointError);
            }
        }
    }

    /** Stops listening, and removes the socket path while it is still this member's own. */
    private void closeServer() throws IOException {
        if (server != null) {
            boolean own = ownsServer();
            server.close();
            server = null;
            if (own) {
                Files.deleteIfExists(serverPath);
            }
        }
    }

    private void closeAll() {
        stopService("this member ends");
        if (server != null) {
            // Before the watch connection closes: once it has, the standby takes over and binds this path anew. A
            // member whose path names another's socket (a successor's) leaves it alone.
            try {
                closeServer();
            } catch (IOException ignored) {
                // Best effort: a stale socket file is replaced by the next member anyway.
            }
        }
        for (Connection c : new ArrayList<>(clients)) {
            c.close();
        }
        if (watch != null) {
            watch.close();
        }
        closeQuietly(udp);
        closeQuietly(sender);
        if (standbySlot != null) {
            closeQuietly(standbySlot.channel());
        }
        if (stopRequester != null) {
            // Last: its end-of-stream tells whoever asked to stop the pair that this member is done.
            stopRequester.close();
        }
        closeQuietly(selector);
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

    /**
     * The thread the task's steps run on, so that the loop goes on sending heartbeats and answering the standby
     * and the control socket while the program works. One step at a time; the loop is woken when it is done.
     * It parks while it has nothing to do. (Spinning before a takeover's first step, to spare it the wake-up,
     * was measured and dropped: on a busy machine a spinning thread is preempted, and the step then waits a
     * whole time slice for it, where a woken thread is scheduled at once.)
     */
    private final class StepThread implements Primary.Steps, Runnable {
        /** What a step returned, or threw. */
        record Done(Snapshot next, Throwable failure) {
        }

        private final java.util.concurrent.atomic.AtomicReference<Snapshot> request =
                new java.util.concurrent.atomic.AtomicReference<>();
        private final java.util.concurrent.atomic.AtomicReference<Done> done =
                new java.util.concurrent.atomic.AtomicReference<>();
        private volatile Thread thread;
        private volatile Thread firstWaiter;
        // When the first step was handed over, taken up and done: where a takeover's first number spends its time.
        private volatile long firstBeginNs;
        private volatile long firstStartNs;
        private volatile long firstDoneNs;

        /** Starts the thread once; a standby does it beside its loop, so a takeover does not pay for it. */
        synchronized void startIfNeeded() {
            if (thread == null) {
                Thread t = new Thread(this, tag);
                t.setDaemon(true);
                thread = t;
                t.start();
            }
        }

        @Override
        public void begin(Snapshot last) {
            if (firstBeginNs == 0) {
                firstBeginNs = clock.nanoTime();
            }
            request.set(last);
            java.util.concurrent.locks.LockSupport.unpark(thread);
        }

        Done poll() {
            return done.getAndSet(null);
        }

        /** Waits until the first step has returned, at most {@code maxNs}: the caller is woken when it does. */
        void awaitFirstStep(long maxNs) {
            firstWaiter = Thread.currentThread();
            long until = clock.nanoTime() + maxNs;
            for (long left = maxNs; firstDoneNs == 0 && left > 0; left = until - clock.nanoTime()) {
                java.util.concurrent.locks.LockSupport.parkNanos(this, left);
            }
            firstWaiter = null;
        }

        @Override
        public void run() {
            while (!Thread.currentThread().isInterrupted()) {
                Snapshot last = request.getAndSet(null);
                if (last == null) {
                    // A request set before this park leaves its unpark's permit: park returns at once.
                    java.util.concurrent.locks.LockSupport.park(this);
                    continue;
                }
                boolean first = firstStartNs == 0;
                if (first) {
                    firstStartNs = clock.nanoTime();
                }
                Done result;
                try {
                    result = new Done(task.step(last), null);
                } catch (RuntimeException | Error e) {
                    result = new Done(null, e);
                }
                done.set(result);
                if (first) {
                    firstDoneNs = clock.nanoTime();
                    Thread waiter = firstWaiter;
                    if (waiter != null) {
                        java.util.concurrent.locks.LockSupport.unpark(waiter);
                    }
                }
                selector.wakeup();
            }
        }
    }

    /** The primary's outside world: the checkpoint file and the heartbeat datagrams. */
    private final class Io implements Primary.Io {
        @Override
        public void sendHeartbeat(long seq, PairState state) {
            codec.encode(seq, pid, replication.stamp(state), outgoing);
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
            Member.this.writeCheckpoint(replication.stamp(state));
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
