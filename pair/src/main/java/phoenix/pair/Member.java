package phoenix.pair;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * One process of a pair, from start to end: it starts as the standby, and if it takes over it runs as the
 * primary until it is stopped, fenced or fails its acceptance test. This class wires the parts and owns the
 * start-up (the checks, the standby slot, the warm-up) and the close order; the parts each have one job:
 * {@link Channels} (the loop's selector and its channels), {@link ControlProtocol} (the lines on the control
 * sockets), {@link StandbyLoop} and {@link PrimaryLoop} (the roles), {@link Takeover} (claim, fence, read, as
 * model/phoenix.pml checks it), {@link StepThread} (the task's steps), {@link SignalInbox} (signals), and
 * {@link Healer} (the checkpoint and the state directory under a running pair). Everything but the steps and
 * the arrival of signals happens on one thread, in one selector loop per role, with the clock read once per
 * pass.
 */
final class Member {
    /** The name of a member's scratch directory for its rehearsal of a takeover, followed by its pid. */
    static final String WARM_UP_PREFIX = ".warm-up-";

    private static final long SLOT_WAIT_NS = 5_000_000_000L;
    private static final long PREFLIGHT_TIMEOUT_MS = 3000;
    /** How long a spawned standby waits for its primary to put back a removed secret before it makes one. */
    private static final long SECRET_WAIT_MS = 2000;
    // How long a standby waits before READY for its rehearsal of the signal barrier (1-2 ms normally).
    private static final long REHEARSAL_WAIT_MS = 100;
    // How long a stopped primary waits for the standby slot, to remove its socket's file (see slotForRemoval).
    private static final long REMOVAL_SLOT_WAIT_NS = 500_000_000L;
    /** How often a member asks again a coordinator that did not answer. */
    static final long COORDINATOR_RETRY_NS = 100_000_000L;

    final PairConfig config;
    final PairTask task;
    final NanoClock clock;
    final long pid = Pids.self();
    final long timeoutNs;
    final TakeoverTimes times = new TakeoverTimes();
    final Channels channels;
    final SignalInbox signals;
    final ControlProtocol protocol;
    final Healer healer;
    final boolean ownWindow = System.getenv(Spawners.OWN_WINDOW_ENV) != null;
    // Steps run there, away from the loop: heartbeats and the watch never wait for the program's work.
    StepThread steps;
    StateDir dir;
    /** Where the epochs and the checkpoint are: {@link #dir}, or the pair's coordinator ({@link Coordinators}). */
    EpochStore store;
    HeartbeatCodec codec;
    FileLock standbySlot;
    /** The identity of the standby slot's file as {@link #standbySlot} was taken ({@link StateDir.Slot}). */
    Object standbySlotKey;
    StandbyLoop standbyLoop;
    Takeover takeover;
    PrimaryLoop primaryLoop;
    boolean everWatched;
    private boolean alone;
    /**
     * Wakes the loop ({@link Channels#wakeup}). A class, not a method reference: a person's start makes it before its
     * first number, and a JVM's first one costs its start the method-handle machinery's set-up (see NanoClock).
     */
    private final Runnable wakeup = new Runnable() {
        @Override
        public void run() {
            channels.wakeup();
        }
    };
    /** A person's start that found no member of its pair running: see {@link #startAlone}. */
    boolean startsAlone;
    /** What the checkpoints held at such a start, said once it has counted. */
    private Optional<PairState> aloneHeld = Optional.empty();
    /** The step such a start resumed after, said once it has counted; 0 for none. */
    long resumedAfter;
    /** Whether this standby's watch connection is to a primary on its own host (the control socket). */
    boolean watchedLocally;
    private boolean listenFailed;
    /** The primary on another host this standby watches over TCP; 0 when none. */
    long watchingPid;
    /** The members on other hosts, for a pair with {@code --bind} ({@link OtherHosts}). */
    OtherHosts otherHosts;
    volatile boolean warmedUp;
    private Thread loggerSetUp;
    // Set as a takeover begins: from then on a signal means "hand over", not "ignored".
    volatile boolean primaryRole;
    // The name of the thread that runs this member: every thread of the member logs under it.
    private String tag;
    /** A service's replication on the primary (see {@link Replication}); idle for a task. */
    final Replication replication;
    /** The newest state a service's standby holds (see {@link ReplicaHolder}); idle for a task. */
    final ReplicaHolder holder = new ReplicaHolder();
    /** The service a service pair's primary runs; null for a task. */
    private ServiceTask service;
    /** The standby's spare, when it keeps one ({@link Spares}). */
    final Spares spares = new Spares(this);
    /** Whether the takeover's preparation is done (a spare does it before it waits). */
    private boolean prepared;
    /** How a spare ended without becoming the standby; null otherwise. */
    private Ending spareEnding;

    Member(PairConfig config, PairTask task, NanoClock clock) {
        this.config = config;
        this.task = task;
        this.clock = clock;
        this.timeoutNs = config.takeoverTimeout().toNanos();
        this.channels = new Channels(pid, config.stateDir());
        this.signals = new SignalInbox(channels);
        this.replication = new Replication(wakeup, StandbyKeeper.ATTACH_TIMEOUT_NS);
        this.protocol = new ControlProtocol(config, pid, channels, replication, holder);
        this.healer = new Healer(this);
    }

    /** A member of a service pair: its primary runs {@code service} instead of stepping a task. */
    Member(PairConfig config, PairService service, NanoClock clock) {
        this(config, new ServiceTask(service), clock);
        this.service = (ServiceTask) task;
        this.service.bind(replication, holder);
    }

    /** This member stops being the primary: the service stops before the standby can take over. */
    void stopService(String why) {
        if (service != null) {
            service.stop(why);
        }
    }

    /** A service pair's primary never steps again after the step that started its service. */
    long stepIntervalNs() {
        return service != null ? Long.MAX_VALUE / 4 : config.stepInterval().toNanos();
    }

    Ending run() {
        Ending ending = null;
        try {
            ending = runRoles();
            return ending;
        } finally {
            signals.logIgnored();
            closeAll(ending == Ending.STOPPED);
        }
    }

    private Ending runRoles() {
        tag = Thread.currentThread().getName();
        signals.tag(tag);
        startsAlone = startsAlone();
        if (!startsAlone) {
            // SLF4J is set up beside the start-up (tens of milliseconds of a new JVM's CPU, see Logs), on a core the
            // start-up leaves idle, and a standby awaits it before READY (see startStandby).
            setUpLogger();
        }
        try {
            if (!startsAlone) {
                channels.open();
            }
            if (startsAlone && !startAlone()) {
                // A member's socket appeared meanwhile: this start goes the way every other start goes.
                startsAlone = false;
                setUpLogger();
                channels.open();
            }
            if (!startsAlone && !startStandby()) {
                return spareEnding != null ? spareEnding : Ending.NOT_NEEDED;
            }
            while (true) {
                if (!alone) {
                    Standby.State end = standbyLoop.run();
                    if (signals.signalEnding != null) {
                        if (end == Standby.State.PROMOTED && spares.exists()) {
                            Log.LOG.warn("the primary is gone and this standby ends on SIGHUP too: its spare takes "
                                    + "over from the checkpoint");
                        } else if (end == Standby.State.PROMOTED) {
                            Log.LOG.warn("the primary is gone and this standby ends on SIGHUP too: the pair ends at "
                                    + "step {}, kept in the checkpoint; start it again to go on",
                                    standbyLoop.standby.last().snapshot().step());
                        }
                        return signals.signalEnding;
                    }
                    boolean notNeeded = standbyLoop.notNeeded;
                    if (end == Standby.State.STOPPED || notNeeded) {
                        spares.stop(notNeeded ? "this standby is not needed" : "pair stopping");
                        return notNeeded ? Ending.NOT_NEEDED : Ending.STOPPED;
                    }
                    // A spawned standby must not take over a pair stopped while it started. With a coordinator
                    // its claim checks the mark in its own transaction (Takeover#claim), or, for a primary on
                    // another host, OtherHosts#await reads it first: no round trip here.
                    // A direct call, not untilAnswered(store::isStopped): the state directory answers or throws
                    // at once, and a method reference's call site is linked at its first run, here, 2.5 ms p50
                    // of every takeover (bench, JDK 17), against a few microseconds for the stat itself.
                    long stopMarkFrom = clock.nanoTime();
                    boolean stopped = config.spawnedBy() != 0 && store == dir && dir.isStopped();
                    times.stopMarkTookNs = clock.nanoTime() - stopMarkFrom;
                    if (stopped) {
                        Log.LOG.info("the pair was stopped while this standby started; not taking over");
                        spares.stop("pair stopping");
                        return Ending.STOPPED;
                    }
                    if (multiHost() && !watchedLocally) {
                        // Its primary is on another host: gone, or only out of reach (see OtherHosts).
                        OtherHosts.Verdict verdict = otherHosts.await(standbyLoop.standby);
                        if (verdict == OtherHosts.Verdict.WATCHING) {
                            rewatch();
                            continue;
                        }
                        if (verdict == OtherHosts.Verdict.ENDED) {
                            return signals.signalEnding != null ? signals.signalEnding : Ending.STOPPED;
                        }
                    }
                }
                takeover = new Takeover(this);
                try {
                    return takeover.promote() ? primaryLoop.run() : Ending.GAVE_UP;
                } catch (Takeover.Stopped s) {
                    Log.LOG.info("the pair was stopped while this standby started; not taking over");
                    spares.stop("pair stopping");
                    return Ending.STOPPED;
                } catch (Takeover.Yielded y) {
                    // Another member took over first, on another host: this one watches it instead.
                    Log.LOG.info("{}; this member stays a standby", y.getMessage());
                    primaryRole = false;
                    if (config.handleSignals()) {
                        Signals.standbyAgain();
                    }
                    standbyLoop.standby.logRejections(clock.nanoTime(), true);
                    channels.closeRemotes();
                    OtherHosts.Verdict verdict = otherHosts.await(standbyLoop.standby);
                    if (verdict == OtherHosts.Verdict.ENDED) {
                        return signals.signalEnding != null ? signals.signalEnding : Ending.STOPPED;
                    }
                    // Watching the new primary; or (it is gone too) taking over again, above its epoch.
                    alone = verdict != OtherHosts.Verdict.WATCHING;
                    if (!alone) {
                        rewatch();
                    }
                }
            }
        } catch (IOException e) {
            throw new PairException("pair '" + config.name() + "' failed: " + e, e);
        }
    }

    // ---- start-up ------------------------------------------------------------------------------------------

    private void setUpLogger() {
        loggerSetUp = new Thread(new LoggerSetUp(), tag);
        loggerSetUp.setDaemon(true);
        loggerSetUp.start();
    }

    /**
     * Whether this is a person's start that can see at once that no member of its pair runs: no socket file of
     * either member in the state directory (a running primary listens on the control socket, a standby on its own,
     * and they put back a removed file within a second), and nothing that needs a coordinator, another host or a
     * standby of its own. Such a start claims and counts first and sets up the rest after its first number (see
     * {@link #startAlone}), and looks again once it holds the standby slot.
     */
    private boolean startsAlone() {
        return config.spawnedBy() == 0 && config.spareOf() == 0 && config.coordinator() == null
                && config.bind() == null && noMemberSocket();
    }

    // Whether either name exists, not whether it is a socket: run-phoenix.sh's archive training puts an empty file
    // there so that its trainer goes a standby's way (the archive then holds that way's classes too).
    private boolean noMemberSocket() {
        return !Files.exists(config.controlSocket(), LinkOption.NOFOLLOW_LINKS)
                && !Files.exists(config.standbySocket(), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * A person's start with no member of its pair running ({@link #startsAlone}): the checks a start makes (the
     * directory's name and files, the checkpoint, the heartbeat port, the secret) and the standby slot, and nothing
     * of a standby's (its port, its socket, its signal handling), which such a start would drop again at its
     * takeover a few milliseconds later. What the takeover needs only once it has counted, the loop's selector, the
     * primary's signal handling, its control socket, the logger and the warm-up, follows the first number
     * ({@link #showAlone}), so that no JDK code that a new JVM runs for the first time (the method-handle machinery,
     * the Unix-domain sockets' set-up, SLF4J's) stands between the start and the first number.
     *
     * @return true when this member goes on to take over; false when, once it held the standby slot, a member's
     *     socket was there after all (a start that looked before another start showed itself and freed the slot):
     *     the slot is given back, and the start goes the way every start goes ({@link #startStandby}), which asks
     *     that socket first
     */
    private boolean startAlone() {
        dir = StateDir.prepare(config.stateDir());
        dir.claimName(config.name());
        dir.requireKnownNames();
        store = Coordinators.open(config, dir);
        steps = new StepThread(task, clock, tag, wakeup, null);
        if (!config.fresh()) {
            aloneHeld = startState();
            if (aloneHeld.isPresent() && aloneHeld.get().snapshot().step() == Long.MAX_VALUE) {
                throw new PairException("the checkpoint in " + store.where() + " holds step " + Long.MAX_VALUE
                        + ", the largest a step number can hold, so no step can follow; start with --fresh");
            }
        }
        standbySlot = takeStandbySlot(false);
        // Looked at again with the slot held, as the standby's start asks the control socket only once it holds
        // the slot: another start that looked at the same moment has the slot until its control socket listens.
        if (!noMemberSocket()) {
            Channels.closeQuietly(standbySlot.channel());
            standbySlot = null;
            aloneHeld = Optional.empty();
            return false;
        }
        // The stop mark cleared only now, with the slot held: a standby of the stopped pair still holding it must
        // find the mark and not take over.
        store.clearStopped();
        // The port the pair's standbys will listen on: held by another program, the start is refused now, before
        // it counts, as a standby's start is when it cannot bind it. And the secret its heartbeats are signed
        // with, read or made now: one that is not the owner's alone refuses the start before it counts.
        Channels.requireFreePort(config.port());
        codec = dir.codec(0);
        alone = true;
        standbyLoop = new StandbyLoop(this, new Standby(codec, timeoutNs, PairState.NONE, clock.nanoTime()));
        return true;
    }

    /**
     * What a start with no member running ({@link #startAlone}) does once its first step has run (or 100 ms have
     * passed): the loop's selector, the primary's signal handling (installed at once: there is no standby's), the
     * control socket, from which on status and stop find the pair (each asks again for half a second before it
     * says that no pair runs), the logger, and the lines and warm-up a start says and does.
     */
    void showAlone() throws IOException {
        channels.open();
        if (config.handleSignals()) {
            Signals.primary(signals);
        }
        channels.serverPath = config.controlSocket();
        channels.listen(channels.serverPath);
        setUpLogger();
        if (config.fresh()) {
            Log.LOG.info("fresh start: the steps begin again at 1; older checkpoints in {} are no longer read",
                    store.where());
        } else {
            aloneHeld.ifPresent(c -> Log.LOG.info("the checkpoint in {} holds step {} (epoch {})", store.where(),
                    c.snapshot().step(), c.epoch()));
            if (resumedAfter > 0) {
                Log.LOG.info("resuming after step {} from the checkpoint in {}", resumedAfter, store.where());
            }
        }
        warnOfEphemeralPort();
        dir.removeStaleSockets();
        Thread warmUp = new Thread(this::warmUp, tag);
        warmUp.setDaemon(true);
        warmUp.start();
    }

    private void warnOfEphemeralPort() {
        int[] ephemeral = UdpPorts.ephemeralRange();
        if (ephemeral != null && config.port() >= ephemeral[0] && config.port() <= ephemeral[1]
                && !UdpPorts.reserved(config.port())) {
            Log.LOG.warn("port {} is in the kernel's ephemeral range ({}-{}): while a takeover has it unbound, "
                    + "any program's socket may be given it (with --bind, a TCP connection's too) and keep the "
                    + "pair from being protected again; choose a port below {} with --port, or reserve it in "
                    + "/proc/sys/net/ipv4/ip_local_reserved_ports", config.port(), ephemeral[0], ephemeral[1],
                    ephemeral[0]);
        }
    }

    private boolean startStandby() throws IOException {
        dir = StateDir.prepare(config.stateDir());
        boolean spawned = config.spawnedBy() != 0;
        if (!spawned) {
            refuseIfRunning();
            dir.claimName(config.name());
            dir.requireKnownNames();
            dir.removeStaleSockets();
        }
        store = Coordinators.open(config, dir);
        // Only a coordinator's leadership is a lease, asked again on the step thread; a state directory's is not.
        steps = new StepThread(task, clock, tag, wakeup, store != dir ? store::mayAct : null);
        if (multiHost()) {
            requireOwnAddress(config.bind());
        }
        if (service != null && multiHost()) {
            throw new PairException("--bind: members on other hosts are for pairs of steps (PairTask) so far; a "
                    + "service pair replicates its states to one standby on its own host");
        }
        boolean joining = false;
        if (!spawned && store != dir) {
            joining = refuseIfRunningElsewhere();
            if (joining && config.fresh()) {
                throw new PairException("pair '" + config.name() + "' runs on another host: a start with --fresh "
                        + "would begin it again from 1; start without --fresh to join it as a standby");
            }
        }
        if (multiHost() && !spawned) {
            // Members on other hosts prove the pair's secret to each other: a start whose secret is not the pair's
            // is told now, not refused by the primary later.
            codec = dir.codec(0);
            store.claimSecretId(codec.sign("secret-id"), dir.path().resolve("secret"));
        }
        announce("standby");
        if (joining) {
            store.claimName(config.name());
        } else if (!spawned) {
            if (store != dir) {
                store.claimName(config.name());
            }
            store.clearStopped();
            if (config.fresh()) {
                Log.LOG.info("fresh start: the steps begin again at 1; older checkpoints in {} are no longer read",
                        store.where());
            } else {
                Optional<PairState> held = startState();
                if (held.isPresent() && held.get().snapshot().step() == Long.MAX_VALUE) {
                    throw new PairException("the checkpoint in " + store.where() + " holds step " + Long.MAX_VALUE
                            + ", the largest a step number can hold, so no step can follow; start with --fresh");
                }
                held.ifPresent(c -> Log.LOG.info("the checkpoint in {} holds step {} (epoch {})",
                        store.where(), c.snapshot().step(), c.epoch()));
            }
        }
        if (config.spareOf() != 0 && !multiHost()) {
            spareEnding = awaitSlotAsSpare();
            if (spareEnding != null) {
                return false;
            }
        } else {
            standbySlot = takeStandbySlot(spawned);
            if (standbySlot == null) {
                return false;
            }
        }
        // The standby's signal handling, made beside the rest of the start-up and in place before READY: from READY
        // on the pair counts as protected, and `pkill -f PROGRAM` then must end the primary alone.
        Thread handlers = null;
        if (config.handleSignals() && !prepared) {
            handlers = new Thread(() -> Signals.standby(signals), tag);
            handlers.setDaemon(true);
            handlers.start();
        }
        // Attach first: a primary that dies meanwhile is taken over as soon as this loop runs, from the state it
        // hands over on attach or the checkpoint.
        otherHosts = new OtherHosts(this);
        if (joining) {
            if (otherHosts.tryOnce() == OtherHosts.Verdict.DENIED) {
                // The owner refused this member's proof, or did not prove its own: the secrets differ.
                throw new PairException(otherHosts.lastDetail() + "; the secret in " + dir.path().resolve("secret")
                        + " must be the pair's: copy it from a host where the pair runs (owner-only), then start "
                        + "again");
            }
        } else {
            watchedLocally = connectToPrimary();
        }
        // No primary answered and the standby slot was free: no primary exists that could be hung, so there is
        // nothing to wait for. A spawned standby whose primary is gone waits, as it always would.
        alone = !spawned && !joining && channels.watch == null;
        if (!spawned) {
            warnOfEphemeralPort();
        }
        // A spawned member tries again for a moment: the standby before it may still be closing the port.
        channels.bindHeartbeatPort(config.port(), spawned ? 1_000_000_000L : 0);
        channels.serverPath = config.standbySocket();
        channels.listen(channels.serverPath);
        if (codec == null) {
            codec = dir.codec(spawned ? SECRET_WAIT_MS : 0);
        }
        standbyLoop = new StandbyLoop(this, new Standby(codec, timeoutNs, PairState.NONE, clock.nanoTime()));
        if (handlers != null) {
            try {
                handlers.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!alone) {
            // Before READY: "protected" means that a takeover now runs as fast as it can. Done after READY, beside
            // the loop, the logger's set-up and the takeover's first runs made a SIGKILL in the first 60 ms after
            // "protected" take over 2-3x slower (18.6 and 12.9 ms p50 at 0 and 8 ms after it, against 7.0 ms
            // settled). A person's start with nobody to take over from does it on the warm-up's thread, beside its
            // takeover.
            awaitLogger();
            if (!prepared) {
                prepareTakeover();
            }
            standbyLoop.readAhead();
        }
        if (channels.watch != null) {
            channels.watch.send(ControlProtocol.ready());
        }
        // Ready: what is left of the start-up runs beside the loop, so that the loop reacts from now on.
        // Same name as this thread's: the log tags every line with it, and it stands for the pid.
        Thread warmUp = new Thread(this::warmUp, Thread.currentThread().getName());
        warmUp.setDaemon(true);
        warmUp.start();
        return true;
    }

    /**
     * A spare's start ({@link PairConfig#spare}): what a standby does before READY is done now, while nothing is at
     * stake (the signal handling, the secret, the logger, the takeover's rehearsals and its control socket bound
     * ahead); then it tells its standby it is prepared and waits for the standby's slot, which the standby frees as
     * it takes over or ends, without a thread awake: one blocks in the kernel's lock, the loop in its selector. With
     * the slot it goes on as a spawned standby does, attaching to the primary. It ends when told to stop, on SIGHUP,
     * or when its standby has ended and the slot stays taken (another standby has it).
     *
     * @return null once this member holds the slot; otherwise how it ends
     */
    private Ending awaitSlotAsSpare() throws IOException {
        signals.role = "spare";
        if (config.handleSignals()) {
            Signals.standby(signals);
        }
        codec = dir.codec(SECRET_WAIT_MS);
        standbyLoop = new StandbyLoop(this, new Standby(codec, timeoutNs, PairState.NONE, clock.nanoTime()));
        awaitLogger();
        prepareTakeover();
        prepared = true;
        if (store == dir && dir.isStopped()) {
            // The pair was stopped while this spare started (its standby is gone, or going).
            Log.LOG.info("spare ends: the pair was stopped");
            return Ending.STOPPED;
        }
        SlotWait wait = new SlotWait();
        Thread waiter = new Thread(wait, tag);
        waiter.setDaemon(true);
        waiter.start();
        Connection link = channels.connectSpare(config.standbySocket());
        long endedNs = 0;
        if (link != null) {
            link.send(ControlProtocol.spare(pid));
            Log.LOG.info("spare pid {} of pair '{}': prepared; becomes the standby when standby pid {} takes over or "
                    + "ends", pid, config.name(), config.spareOf());
        } else {
            endedNs = clock.nanoTime();
        }
        boolean adopted = false;
        try {
            while (true) {
                long now = clock.nanoTime();
                channels.select(endedNs == 0 ? 60_000_000_000L : endedNs + SLOT_WAIT_NS - now);
                channels.selector.selectedKeys().clear();
                if (link != null) {
                    for (String line : link.readLines()) {
                        if (line.equals(ControlProtocol.stop())) {
                            Log.LOG.info("spare ends: the pair is stopping");
                            return Ending.STOPPED;
                        }
                        if (line.equals("BUSY")) {
                            Log.LOG.warn("standby pid {} has a spare already; this one is not needed",
                                    config.spareOf());
                            return Ending.NOT_NEEDED;
                        }
                    }
                    if (link.atEof()) {
                        // Its standby took over or ended: the slot follows at once, unless another member has it.
                        endedNs = clock.nanoTime();
                        channels.closeConnection(link);
                        link = null;
                    }
                }
                signals.logIgnored();
                if (signals.pending()) {
                    standbyLoop.onStandbySignal(false);
                }
                if (signals.signalEnding != null) {
                    return signals.signalEnding;
                }
                FileLock lock = wait.lock;
                if (lock != null) {
                    standbySlot = lock;
                    standbySlotKey = wait.key;
                    // A stop tells the spare before its standby frees the slot: a STOP, or the mark.
                    if (link != null) {
                        for (String line : link.readLines()) {
                            if (line.equals(ControlProtocol.stop())) {
                                return Ending.STOPPED;
                            }
                        }
                    }
                    if (store == dir && dir.isStopped()) {
                        Log.LOG.info("spare ends: the pair was stopped");
                        return Ending.STOPPED;
                    }
                    if (link != null) {
                        channels.closeConnection(link);
                    }
                    adopted = true;
                    signals.role = "standby";
                    if (ownWindow) {
                        // The window was opened as the spare's; say in its title what it is now.
                        System.err.print("\033]0;" + config.windowLabel() + " standby\007");
                        System.err.flush();
                        WindowTitle.renameOwnTmuxWindow(config.windowLabel() + " standby");
                    }
                    Log.LOG.info("spare pid {} takes the standby's slot: attaching as the standby", pid);
                    return null;
                }
                if (endedNs != 0 && clock.nanoTime() - endedNs >= SLOT_WAIT_NS) {
                    Log.LOG.warn("standby pid {} is no longer there to register with, and another member holds the "
                            + "standby slot of pair '{}' for {} ms: this spare is not needed", config.spareOf(),
                            config.name(), SLOT_WAIT_NS / 1_000_000);
                    return Ending.NOT_NEEDED;
                }
            }
        } finally {
            if (!adopted) {
                wait.cancel();
                waiter.interrupt();
            }
        }
    }

    /** Waits for the standby slot on a thread of its own and wakes the loop when it has it. */
    private final class SlotWait implements Runnable {
        volatile FileLock lock;
        volatile Object key;
        private volatile boolean cancelled;
        private boolean failureLogged;

        @Override
        public void run() {
            while (!cancelled) {
                Optional<StateDir.Slot> taken;
                try {
                    taken = dir.lockStandbySlot();
                } catch (PairException e) {
                    // The state directory is gone for the moment (its members put it back), or cannot be locked.
                    if (!failureLogged) {
                        failureLogged = true;
                        Log.LOG.warn("{}; this spare tries again every {} ms", e.getMessage(),
                                Healer.HEAL_PERIOD_NS / 1_000_000);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(Healer.HEAL_PERIOD_NS);
                    continue;
                }
                if (taken.isEmpty()) {
                    return;
                }
                if (taken.get().lock() == null) {
                    // A state directory replaced under the pair freed the old file's lock, not the slot: again.
                    continue;
                }
                key = taken.get().key();
                lock = taken.get().lock();
                if (cancelled) {
                    // The spare ended meanwhile: the slot goes back at once, not at the process's end.
                    Channels.closeQuietly(lock.channel());
                }
                channels.wakeup();
                return;
            }
        }

        /** The spare ends without the slot: one taken after all is given back. */
        void cancel() {
            cancelled = true;
            FileLock taken = lock;
            if (taken != null) {
                Channels.closeQuietly(taken.channel());
            }
        }
    }

    private void awaitLogger() {
        if (loggerSetUp == null) {
            return;
        }
        try {
            loggerSetUp.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Makes a takeover fast, while nothing is at stake: the primary's signal handlers made ahead and the JVM's
     * signal dispatch rehearsed with a SIGWINCH (a JVM's first signal is its slowest), the code a
     * takeover needs loaded and run once (class loading and first calls cost a new JVM milliseconds each, which a
     * takeover should not pay between the death and the first number), and its control socket bound ahead.
     * A standby runs it before it says READY (5-7 ms on JDK 17 with the archive).
     */
    private void prepareTakeover() {
        if (config.handleSignals()) {
            Signals.preparePrimary();
            if (!alone) {
                // Raised first and awaited last, the rest of the preparation beside it; not beside a person's
                // start's takeover, which raises the barrier itself.
                Signals.rehearseBarrier();
            }
        }
        steps.startIfNeeded();
        for (Class<?> c : new Class<?>[] {Primary.class, Primary.State.class, StandbyKeeper.class,
            StandbyKeeper.State.class, Spawners.class, ProcessBuilder.class, Takeover.class, PrimaryLoop.class,
            PrimaryLoop.Io.class, StepThread.Done.class}) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        rehearseTakeover();
        rehearseHeartbeats();
        Channels.rehearseRegisteredClose();
        // The control socket a takeover listens on, bound ahead under this member's own name: the takeover then
        // only renames it. And the own-named sockets of ended members (a standby SIGKILLed leaves its one).
        dir.removeStaleSockets();
        try {
            channels.bindAhead(config.controlSocket());
        } catch (IOException e) {
            Log.LOG.debug("the control socket was not bound ahead: {}", e.toString());
        }
        // The stop mark's stat, as a spawned standby's takeover asks it first (its code paths loaded and linked).
        dir.isStopped();
        if (config.handleSignals() && !alone) {
            Signals.awaitRehearsal(REHEARSAL_WAIT_MS);
        }
    }

    /**
     * Runs once beside a new standby's loop: what {@link #prepareTakeover} leaves (a person's start with nobody to
     * take over from does it here, beside its takeover: on objects of its own), with a coordinator its read path
     * and its claim's read-ahead, the spawner's command and the first log lines. Touches no state of the loop's.
     */
    private void warmUp() {
        if (alone && !startsAlone) {
            prepareTakeover();
        } else if (startsAlone) {
            // What a primary's hand-over runs first (see prepareTakeover).
            Channels.rehearseRegisteredClose();
        }
        if (store != dir && !primaryRole) {
            // The coordinator's read path once (a sync, the epochs' listing and reads): its classes and first
            // calls, which a takeover's claim and read would otherwise pay. Nothing is written.
            try {
                store.baseAt(store.maxCheckpointEpoch());
                store.readCheckpoint(true);
            } catch (PairException e) {
                Log.LOG.debug("the coordinator's read path was not rehearsed: {}", e.getMessage());
            }
            // And what a takeover's claim needs, read ahead (the epochs, the versions its claim checks, the
            // records): the claim then goes to ZooKeeper without a read before it.
            store.prepareClaim();
        }
        Spawners.commandFor("none", "", config.standbyCommand());
        Pids.running(pid);
        if (alone) {
            Log.LOG.info("pid {} of pair '{}': no member of the pair is running; starting as the primary", pid,
                    config.name());
        } else if (primaryRole) {
            Log.LOG.debug("warm-up done after the takeover");
        } else if (everWatched && !watchedLocally) {
            Log.LOG.info("standby pid {} of pair '{}': watching the primary on another host over TCP", pid,
                    config.name());
        } else if (everWatched) {
            Log.LOG.info("standby pid {} of pair '{}' on 127.0.0.1:{}: attached to the primary", pid, config.name(),
                    config.port());
        } else {
            Log.LOG.info("standby pid {} of pair '{}' on 127.0.0.1:{}: no primary yet; taking over in {} ms unless "
                    + "one appears", pid, config.name(), config.port(), timeoutNs / 1_000_000);
        }
        warmedUp = true;
    }

    /**
     * Runs the file operations of a takeover's claim and read once, in a scratch directory of this member's own
     * inside the state directory (same file system, same JDK code: the exclusive create, the listing, the reads,
     * the checksum), and a primary's first pass on a task that does nothing: the first run of each costs a new
     * JVM class loading and linking, which the takeover would otherwise pay between the primary's death and its
     * first number (measured: 1-3 ms of a claim, tens under load).
     */
    private void rehearseTakeover() {
        removeScratchOfEndedMembers();
        Path scratchPath = dir.path().resolve(WARM_UP_PREFIX + pid);
        try {
            Files.createDirectory(scratchPath);
            try {
                StateDir scratch = StateDir.existing(scratchPath);
                PairState held = PairState.NONE.promoted(1);
                scratch.claimEpoch(held);
                scratch.baseAt(scratch.maxCheckpointEpoch());
                Optional<PairState> read = scratch.readCheckpoint(true);
                PairState.newest(held, read.orElse(held)).promoted(2);
            } finally {
                Files.deleteIfExists(scratchPath.resolve(StateDir.checkpointName(1)));
                Files.delete(scratchPath);
            }
        } catch (IOException | PairException e) {
            // Only a rehearsal: the takeover does the real thing, and reports what fails there.
        }
        Rehearsal idle = new Rehearsal();
        new Primary(idle, idle, idle, Long.MAX_VALUE, PairState.NONE.promoted(1), 1, 1, timeoutNs,
                clock.nanoTime()).doWork(clock.nanoTime(), false);
    }

    /**
     * Has a scratch standby accept two heartbeats made with the pair's codec, one per path (a datagram, and the
     * watch connection's line): a standby's first heartbeat otherwise runs the MAC, the decoding and the line's
     * hex for the first time in its loop's first pass (7-9 ms on JDK 17), which is also the pass that reads its
     * primary's end when the primary dies right after READY.
     */
    private void rehearseHeartbeats() {
        if (codec == null) {
            return;
        }
        // A codec of its own (same code, another key): the member's is not thread-safe, and a person's start runs
        // this beside its takeover, whose loop signs heartbeats with it.
        HeartbeatCodec own = new HeartbeatCodec(codec.pairId(), new byte[32]);
        Standby scratch = new Standby(own, timeoutNs, PairState.NONE, clock.nanoTime());
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES);
        PairState state = PairState.NONE.promoted(1);
        own.encode(1, pid, state, out);
        scratch.onHeartbeat(out, Standby.Path.UDP, clock.nanoTime());
        own.encode(2, pid, state, out);
        protocol.onPrimaryMessage(new StandbyLoop(this, scratch), ControlProtocol.heartbeat(out), clock.nanoTime());
    }

    /**
     * Removes the scratch directories of members that ended during their rehearsal (a SIGKILL there leaves one):
     * they would otherwise gather in the state directory, one per such kill.
     */
    private void removeScratchOfEndedMembers() {
        String[] names = dir.path().toFile().list();
        if (names == null) {
            return;
        }
        for (String name : names) {
            if (!name.startsWith(WARM_UP_PREFIX)) {
                continue;
            }
            long owner;
            try {
                owner = Long.parseLong(name.substring(WARM_UP_PREFIX.length()));
            } catch (NumberFormatException notOurs) {
                continue;
            }
            if (owner == pid || Pids.running(owner)) {
                continue;
            }
            Path scratch = dir.path().resolve(name);
            String[] inside = scratch.toFile().list();
            try {
                for (String file : inside != null ? inside : new String[0]) {
                    Files.deleteIfExists(scratch.resolve(file));
                }
                Files.deleteIfExists(scratch);
            } catch (IOException e) {
                // Tried again at the next member's start.
            }
        }
    }

    /** A task, its steps and its outside world that do nothing: a primary's first pass, rehearsed. */
    private static final class Rehearsal implements PairTask, Primary.Io, Primary.Steps {
        @Override
        public void resume(Snapshot from) {
        }

        @Override
        public Snapshot step(Snapshot last) {
            return last;
        }

        @Override
        public void begin(Snapshot last) {
        }

        @Override
        public void sendHeartbeat(long seq, PairState state) {
        }

        @Override
        public void writeCheckpoint(PairState state) {
        }

        @Override
        public long checkpointEpoch() {
            return 0;
        }
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
        if (config.coordinator() != null) {
            // Only a standby may run here (the primary on another host): this directory is in use all the same.
            Optional<List<String>> standby = ControlClient.request(config.standbySocket(), "STATUS",
                    PREFLIGHT_TIMEOUT_MS);
            if (standby.isPresent()) {
                Status s = Status.parse(standby.get());
                throw new PairException("state directory " + config.stateDir() + " is in use by a standby of pair '"
                        + s.get("name") + "' (pid " + s.get("pid") + "); see 'status --name " + s.get("name")
                        + " --state-dir " + config.stateDir() + "', or choose another --state-dir");
            }
        }
    }

    private FileLock takeStandbySlot(boolean spawned) {
        long start = System.nanoTime();
        while (true) {
            Object before = dir.slotFileKey();
            Optional<FileLock> lock = dir.tryLockStandbySlot();
            if (lock.isPresent()) {
                Object after = dir.slotFileKey();
                if (before != null && !before.equals(after)) {
                    // The directory was replaced between the two reads: the lock may be the old file's. Again.
                    Channels.closeQuietly(lock.get().channel());
                    continue;
                }
                standbySlotKey = after;
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
            if (!pause(20)) {
                return null;
            }
        }
    }

    private boolean connectToPrimary() throws IOException {
        if (channels.connectWatch(config.controlSocket())) {
            channels.watch.send(ControlProtocol.watch(pid));
            everWatched = true;
            return true;
        }
        return false;
    }

    /**
     * A spawned standby that found no control socket at its start (its primary was putting back a removed state
     * directory, say) tries again: its primary exists, and without the watch connection it is never ready.
     */
    void attachLate() throws IOException {
        if (config.spawnedBy() != 0 && channels.watch == null && !everWatched && connectToPrimary()) {
            watchedLocally = true;
            Log.LOG.info("attached to the primary after a late start of its control socket");
            channels.watch.send(ControlProtocol.ready());
        }
    }

    /**
     * Connects to the primary again after it answered BUSY ({@link StandbyLoop#onBusy}), and says READY again: its
     * start-up is done.
     *
     * @return whether it is connected; false when nobody listens on the control socket
     */
    boolean watchAgain() throws IOException {
        if (channels.watch != null) {
            return true;
        }
        if (!connectToPrimary()) {
            return false;
        }
        watchedLocally = true;
        channels.watch.send(ControlProtocol.ready());
        return true;
    }

    /**
     * A person's start with a coordinator, where the coordinator lists a live member of this pair started with
     * another state directory (another host, or this one): this member would be a second pair under the same
     * name, each fencing the other's epochs. Refused, unless the member is on another host and this start has a
     * --bind: it then joins the pair as a standby.
     *
     * @return whether this start joins a pair that runs on another host
     */
    private boolean refuseIfRunningElsewhere() {
        String host = PairMember.localHost();
        boolean join = false;
        for (String record : store.memberRecords().values()) {
            PairMember other = PairMember.parse(record);
            boolean here = other.host().equals(host);
            if (!here && multiHost()) {
                // Another host's member: this start joins the pair as a standby, if that member can be reached.
                if (other.bind().isEmpty()) {
                    throw new PairException("pair '" + config.name() + "' runs on host " + other.host() + " (pid "
                            + other.pid() + ") without --bind: no member on another host can reach it; start it "
                            + "there with --bind, or choose another --name");
                }
                long port = OtherHosts.portOf(record, config.port());
                if (port != config.port()) {
                    throw new PairException("pair '" + config.name() + "' listens on port " + port + " on host "
                            + other.host() + "; every member of a pair uses one port: start with --port " + port);
                }
                join = true;
                continue;
            }
            if (!here || Pids.running(other.pid())) {
                throw new PairException("pair '" + config.name() + "' runs already under " + store.where() + ": "
                        + other.role() + " pid " + other.pid() + " on " + other.host() + (here ? ", with another "
                        + "state directory" : "") + "; a second start would be a second pair under the same name. "
                        + "Stop it first" + (here ? "" : " (a member that ended is listed until ZooKeeper expires "
                        + "its session, within the session timeout)") + ", or choose another --name; members on "
                        + "other hosts join with --bind");
            }
        }
        return join;
    }

    /**
     * What a person's start goes on from: the newest count the store holds; with a coordinator, the state
     * directory's copy instead when it is newer and not from before the coordinator's last fresh start (the
     * coordinator lost its data, missed writes while it was out of reach, or was named for the first time).
     */
    Optional<PairState> startState() {
        Optional<PairState> held = store.readCheckpoint(false);
        if (store == dir) {
            return held;
        }
        Optional<PairState> local;
        try {
            local = dir.readCheckpoint(false);
        } catch (PairException e) {
            Log.LOG.warn("the copy of the checkpoint in {} is not read: {}", dir.path(), e.getMessage());
            return held;
        }
        long base = held.map(PairState::base).orElse(0L);
        if (local.isEmpty() || local.get().epoch() < base
                || held.isPresent() && PairState.newest(held.get(), local.get()) != local.get()) {
            return held;
        }
        PairState copy = local.get().withBase(Math.max(base, local.get().base()));
        if (held.isEmpty() || copy.snapshot().step() != held.get().snapshot().step()) {
            Log.LOG.warn("the copy of the checkpoint in {} holds step {} (epoch {}), newer than {} in {}: going on "
                    + "from it", dir.path(), copy.snapshot().step(), copy.epoch(),
                    held.map(h -> "step " + h.snapshot().step()).orElse("nothing"), store.where());
        }
        return Optional.of(copy);
    }

    /**
     * Asks the store; a coordinator that does not answer is asked again every {@link #COORDINATOR_RETRY_NS}
     * until it does (a reconnection, an election among its servers, an outage): a member that must decide from
     * its answer waits for it rather than ending, which would end the pair. A state directory's failure is
     * thrown at once.
     */
    <T> T untilAnswered(java.util.function.Supplier<T> question) {
        for (int attempt = 0; ; attempt++) {
            try {
                return question.get();
            } catch (PairException e) {
                if (store == dir) {
                    throw e;
                }
                if (attempt == 0) {
                    Log.LOG.error("{}; asking again every {} ms until the coordinator answers", e.getMessage(),
                            COORDINATOR_RETRY_NS / 1_000_000);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(COORDINATOR_RETRY_NS);
            }
        }
    }

    /** Tells the coordinator, if any, who this member is and its role ({@link PairMember}); never waits. */
    void announce(String role) {
        if (store != dir) {
            String host = PairMember.localHost();
            String record = new PairMember(pid, host, config.bind() != null ? config.bind() : "", role,
                    role.equals("standby") ? watchingPid : 0).toRecord() + " port=" + config.port();
            if (primaryLoop != null && primaryLoop.primary != null) {
                record += " epoch=" + primaryLoop.primary.current().epoch();
            }
            store.announce(host + "-" + pid, record);
        }
    }

    /**
     * Refuses a {@code --bind} that other hosts could not reach this member on: a loopback, wildcard or multicast
     * address, or one that no interface of this host has. A standby on another host that connects there would
     * reach nobody, or another machine, and take a refusal for this member's death.
     */
    static void requireOwnAddress(String bind) {
        java.net.InetAddress address;
        try {
            address = java.net.InetAddress.getByName(bind);
        } catch (java.net.UnknownHostException e) {
            throw new PairException("bind address '" + bind + "' is not an IP address");
        }
        String why = address.isLoopbackAddress() ? "a loopback address" : address.isAnyLocalAddress()
                ? "the wildcard address" : address.isMulticastAddress() ? "a multicast address" : null;
        if (why == null) {
            try {
                if (java.net.NetworkInterface.getByInetAddress(address) == null) {
                    why = "not an address of this host";
                }
            } catch (java.net.SocketException e) {
                why = "not an address of this host (" + e.getMessage() + ")";
            }
        }
        if (why != null) {
            throw new PairException("--bind " + bind + " is " + why + ": other hosts must reach this member there; "
                    + "give this host's own address on the network they share");
        }
    }

    /**
     * The standby's loop found its primary gone (the watch connection's end, or the heartbeats' timeout): the
     * primary's signal handling is raised now rather than at the takeover's start (see {@link Signals}), so that
     * the JVM's thread for it runs beside everything up to the read. Only where every way on from here is the
     * takeover or this member's end: across hosts the member may yet go back to watching (another host's member
     * is alive, or claimed first), and it raises at the takeover's start.
     */
    void primaryGone() {
        if (config.handleSignals() && !multiHost()) {
            Signals.primary(signals);
        }
    }

    /** Whether the pair may have members on other hosts: it names a coordinator, and this member a --bind. */
    boolean multiHost() {
        return config.bind() != null && store != null && store != dir;
    }

    /** A primary with {@code --bind} listens there for the standbys on other hosts ({@link RemoteLink}). */
    void listenForOtherHosts() {
        listenForOtherHosts(false);
    }

    private void listenForOtherHosts(boolean quiet) {
        if (!multiHost() || channels.remoteServer != null) {
            return;
        }
        try {
            channels.listenRemote(config.bind(), config.port());
            if (listenFailed) {
                listenFailed = false;
                Log.LOG.info("listening at {}:{} for the members on other hosts", config.bind(), config.port());
            }
        } catch (IOException e) {
            if (!listenFailed && !quiet) {
                listenFailed = true;
                Log.LOG.error("cannot listen at {}:{} for the members on other hosts: {}; trying again until it "
                        + "can (another program holds the port, or a member of another user or pair)",
                        config.bind(), config.port(), e.toString());
            }
        }
    }

    /**
     * Listens for the members on other hosts, trying again every 50 ms until it can: a member claims an epoch only
     * while it listens (see {@link OtherHosts}).
     */
    void awaitListeningForOtherHosts() {
        // A primary killed a moment ago may still hold the port while the kernel tears it down (its watch
        // connection can close first): asked again every 2 ms for a while, without a word, then every 50 ms.
        long quietUntil = clock.nanoTime() + 200_000_000L;
        while (multiHost() && channels.remoteServer == null) {
            boolean quiet = clock.nanoTime() - quietUntil < 0;
            listenForOtherHosts(quiet);
            if (channels.remoteServer == null) {
                java.util.concurrent.locks.LockSupport.parkNanos(quiet ? 2_000_000L : 50_000_000L);
            }
        }
    }

    /** After a verdict of WATCHING: the standby's loop again, on the new watch connection, holding what it held. */
    private void rewatch() {
        watchedLocally = false;
        everWatched = true;
        standbyLoop = new StandbyLoop(this, new Standby(codec, timeoutNs, standbyLoop.standby.last(),
                clock.nanoTime()));
    }

    /**
     * Closes in order: the control socket before the watch connection, the stop requester last.
     *
     * @param stopped whether the pair was stopped: this member's socket file goes too, while it holds the standby
     *     slot (its own, or taken for the moment: a start renames its socket onto a member's path only while it holds
     *     the slot, so the check that the file is still this member's and its removal cannot meet such a rename)
     */
    private void closeAll(boolean stopped) {
        // First: a fenced, failed or stopped primary's service must not answer anyone once the standby may.
        stopService("this member ends");
        if (standbyLoop != null) {
            // A takeover logs them after its first step; a member that ends before (stopped, gave up) does it here.
            standbyLoop.standby.logRejections(clock.nanoTime(), true);
        }
        if (store != null && store != dir) {
            // The last checkpoints first: a restart goes on from them.
            healer.flushCheckpoints(config.sessionTimeout().toNanos());
            healer.closeCheckpoints();
            store.close();
        }
        FileLock takenForRemoval = null;
        if (stopped && dir != null && standbySlot == null) {
            takenForRemoval = slotForRemoval();
        }
        channels.closeAllButStopRequester(stopped && (standbySlot != null || takenForRemoval != null));
        if (takenForRemoval != null) {
            Channels.closeQuietly(takenForRemoval.channel());
        }
        if (primaryLoop != null) {
            Channels.closeQuietly(primaryLoop.sender);
        }
        // The sockets closed above are released at the selector's next operation: done now, before the slot, so
        // that a spare taking the slot finds this member's watch connection ended, and the port free.
        channels.flushCloses();
        if (standbySlot != null) {
            Channels.closeQuietly(standbySlot.channel());
        }
        channels.closeStopRequesterAndSelector();
    }

    /**
     * The standby slot, for a stopped primary that removes its socket's file ({@link Channels#closeAllButStopRequester
     * (boolean)}): its standby ends beside it and gives the slot back last, after its watch connection, whose end the
     * primary may have read already; so the slot is asked for again, for at most half a second (a standby that does
     * not end, stopped by SIGSTOP say, leaves the file, and the next start asks it). A single try left the file in
     * 8 of 25 start/protected/stop cycles on a 2-core machine, and failed EdgeCasesIT once; asked again, 0 of 25.
     *
     * @return the slot, or null when it stayed taken or cannot be locked
     */
    private FileLock slotForRemoval() {
        long from = System.nanoTime();
        while (true) {
            try {
                Optional<FileLock> lock = dir.tryLockStandbySlot();
                if (lock.isPresent()) {
                    return lock.get();
                }
            } catch (PairException e) {
                // The directory cannot be locked: the file stays, and the next start asks it.
                return null;
            }
            if (System.nanoTime() - from >= REMOVAL_SLOT_WAIT_NS || !pause(2)) {
                return null;
            }
        }
    }

    /** @return false when interrupted (the interrupt kept for the caller), true after {@code ms} */
    private static boolean pause(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Sets SLF4J up: a class, not a lambda (a new JVM's first lambda costs it milliseconds). */
    private static final class LoggerSetUp implements Runnable {
        @Override
        public void run() {
            Log.LOG.isDebugEnabled();
        }
    }

    /**
     * The logger, created on first use rather than with the class: setting SLF4J up costs a new JVM tens of
     * milliseconds of CPU ({@link Logs}), which a member spends on a thread of its own beside its start-up
     * ({@link LoggerSetUp}). Each part of the member has one of its own, made the same way.
     */
    private static final class Log {
        static final Logger LOG = Logs.of(Member.class);
    }
}
