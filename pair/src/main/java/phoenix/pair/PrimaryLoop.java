package phoenix.pair;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import org.slf4j.Logger;

/**
 * Drives the primary role after a takeover: one selector loop that takes the step thread's results, answers
 * the control socket and the standby on the watch connection, steps {@link Primary} and {@link StandbyKeeper}
 * with the clock read once per pass, hands over on a signal, and stops the pair when asked. Its outside world,
 * the heartbeats and the checkpoint, is {@link Io}.
 */
final class PrimaryLoop {
    private static final long STOP_WAIT_NS = 10_000_000_000L;
    private static final long HAND_OVER_WAIT_NS = 200_000_000L;
    /**
     * How long a primary that handed over waits for its standby's first step before it goes on to exit: the
     * takeover lets its first step go first for up to {@link Takeover#FIRST_STEP_WAIT_NS}, then closes the watch
     * connection.
     */
    private static final long SUCCESSOR_WAIT_NS = 2 * Takeover.FIRST_STEP_WAIT_NS;

    /** A primary's loop that did not run for this long (it wakes at least by Healer.healByNs) was stalled. */
    private static final long LOOP_STALL_NS = 4 * Healer.HEAL_PERIOD_NS;
    private final Member m;
    private final Channels channels;
    private final SignalInbox signals;
    private final PairConfig config;
    final Healer healer;
    private final ByteBuffer outgoing = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES);
    /** The role's state machine; null until the takeover has made it (never, after a crash loop's end). */
    Primary primary;
    StandbyKeeper keeper;
    DatagramChannel sender;
    InetSocketAddress heartbeatTarget;
    Spawners spawners;
    /** How this member ends once the stop under way is done; null while no stop is under way. */
    Ending stopping;
    private long stopDeadlineNs;
    private long signalAtNs;
    private long handOverAtNs;
    private long lastPassNs;

    PrimaryLoop(Member m) {
        this.m = m;
        this.channels = m.channels;
        this.signals = m.signals;
        this.config = m.config;
        this.healer = m.healer;
    }

    Ending run() throws IOException {
        while (true) {
            long now = m.clock.nanoTime();
            long wake = Channels.earliest(Channels.earliest(primary.nextWakeNs(), keeper.nextWakeNs(now)),
                    healer.healByNs());
            if (stopping != null || signals.signalEnding != null) {
                wake = Channels.earliest(wake, now + 20_000_000L);
            }
            channels.select(wake - now);
            Ending ending = primaryPass();
            if (ending != null) {
                return ending;
            }
            m.takeover.afterFirstPass();
        }
    }

    /** One pass of the primary's loop; returns how this member ends, or null to go on. */
    private Ending primaryPass() throws IOException {
        long now = m.clock.nanoTime();
        if (lastPassNs != 0 && now - lastPassNs > LOOP_STALL_NS) {
            // The loop wakes at least every HEAL_PERIOD_NS + HEAL_SLACK_NS: this member was not running (paused, say).
            keeper.onLoopStalled(now);
        }
        lastPassNs = now;
        for (SelectionKey key : channels.selector.selectedKeys()) {
            onPrimaryKey(key, now);
        }
        if (!channels.remotes.isEmpty()) {
            channels.expireRemotes(now);
        }
        channels.logRefusals(now);
        channels.selector.selectedKeys().clear();
        m.steps.deliver(primary, now);
        m.replication.doWork(now);
        if (m.steps.firstDoneNs != 0) {
            // Not before a takeover's first step has returned: what met the standby's handler is said after it.
            signals.logIgnored();
        }
        if (signals.pending() || signals.signalEnding != null) {
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
        boolean healing = now - healer.lastHealNs >= Healer.HEAL_PERIOD_NS;
        healer.heal(now);
        if (healing && channels.remoteServer == null && stopping == null) {
            m.listenForOtherHosts();
        }
        if (state == Primary.State.EXHAUSTED && stopping == null) {
            Log.LOG.error("step {} is the largest a step number can hold: no step can follow, here or on the "
                    + "standby, so the pair ends. The checkpoint keeps the state; start with --fresh to begin at "
                    + "step 1",
                    primary.current().snapshot().step());
            beginStop(null, now, Ending.GAVE_UP);
        }
        if (state == Primary.State.FAILED && stopping == null) {
            if (primary.outputLost() && spawners.sharesOutput()) {
                Log.LOG.error("the output is gone, and the standby writes to the same place: failing over would only "
                        + "fail again, so the pair ends at step {}, kept in the checkpoint",
                        primary.current().snapshot().step());
                beginStop(null, now, Ending.OUTPUT_LOST);
            } else if (keeper.isProtected(now)
                    || now - primary.stateChangedNs() >= StandbyKeeper.ATTACH_TIMEOUT_NS) {
                if (keeper.isProtected(now)) {
                    Log.LOG.warn("this member ends (exit {}); standby pid {} takes over and the pair goes on",
                            Ending.ACCEPTANCE_TEST_FAILED.exitCode(), keeper.standbyPid());
                } else if (channels.remotes.stream().anyMatch(r -> r.kind() == Connection.Kind.FROM_REMOTE)) {
                    Log.LOG.warn("this member ends (exit {}) with no standby on this host; a standby on another host "
                            + "takes over and the pair goes on", Ending.ACCEPTANCE_TEST_FAILED.exitCode());
                } else {
                    Log.LOG.error("this member ends (exit {}) with no standby to take over: the pair ends at step {}, "
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
            if ((channels.watch == null && stepDone) || now - stopDeadlineNs >= 0) {
                // A service's version is its step number to the outside, as in status and heartbeats.
                long count = m.replication.stamp(primary.current()).snapshot().step();
                if (channels.stopRequester != null) {
                    // The connection stays open until this member has closed everything: its end is the end the
                    // requester waits for, whether or not anybody reaps the process.
                    channels.stopRequester.send(ControlProtocol.stopped(count));
                }
                Log.LOG.info("pair '{}' stopped at step {}", config.name(), count);
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
    Ending onPrimarySignal(long now) {
        int number;
        int seen;
        synchronized (signals) {
            seen = signals.signalsSeen();
            number = signals.lastSignal();
        }
        String name = number == 1 ? "SIGHUP" : number == 2 ? "SIGINT" : "SIGTERM";
        if (seen != signals.signalsHandled) {
            if (signals.signalEnding == null) {
                signalAtNs = now;
                signals.signalEnding = Ending.ofSignal(number);
            } else {
                // A second signal while waiting: the user means it.
                Log.LOG.warn("{} again: ending now", name);
                handOverAtNs = now;
            }
            signals.signalsHandled = seen;
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
        if (ready && channels.watch != null && primary.state() != Primary.State.STEPPING) {
            // No step is under way: hand over first, so that the standby's takeover waits for nothing
            // here, the log line included.
            handOver();
            primary.stop(now, name);
            Log.LOG.warn("primary ends on {}; handing over to standby pid {}", name, keeper.standbyPid());
            return signals.signalEnding;
        }
        primary.stop(now, name);
        if (primary.state() == Primary.State.STEPPING && now - handOverAtNs < HAND_OVER_WAIT_NS) {
            // A step is under way: let it finish and replicate it, but not for ever (a terminal
            // paused with Ctrl+S blocks it).
            return null;
        }
        if (ready && channels.watch != null) {
            handOver();
            Log.LOG.warn("primary ends on {}; handing over to standby pid {}", name, keeper.standbyPid());
        } else {
            // No standby is ready: the pair ends with this member, as asked. A standby spawned or attached but not
            // ready must not take over behind the user's back.
            keeper.stop(now);
            if (channels.watch != null) {
                channels.watch.send(ControlProtocol.stop());
            }
            stopRemotes();
            // After the standby was told: with a coordinator these wait on ZooKeeper, and a standby left waiting
            // for heartbeats meanwhile would take over the pair being stopped (found by an attack).
            healer.flushCheckpoints(m.config.sessionTimeout().toNanos());
            markStopped();
            Log.LOG.warn("primary ends on {} with no standby ready: the pair ends at step {}, kept in the "
                    + "checkpoint; start it again to go on", name, primary.current().snapshot().step());
        }
        return signals.signalEnding;
    }

    /**
     * Hands over to the standby: the control socket goes first, so that the standby, which takes over at the
     * watch connection's end and binds the socket path anew, never has its socket removed by this member.
     */
    private void handOver() {
        // A service stops first, and its last state goes out (within the hand-over's wait) before the standby,
        // which takes over at the watch connection's end, may serve.
        m.stopService("handing over to standby pid " + keeper.standbyPid());
        m.replication.drain(HAND_OVER_WAIT_NS);
        try {
            channels.closeServer();
        } catch (IOException e) {
            Log.LOG.debug("cannot remove the control socket {}: {}", channels.serverPath, e.toString());
        }
        channels.watch.shutdown();
        if (!m.multiHost() && m.store == m.dir) {
            // Its exit (its log line, its channels closed, its shutdown, its threads ending) would compete with the
            // takeover for the cores: it waits until the standby, having shown its first step, closes the watch
            // connection (Takeover#finish). Not across hosts or with a coordinator, where a member still
            // listening, or still holding its session, looks alive to the others.
            channels.watch.awaitPeerEnd(SUCCESSOR_WAIT_NS);
        }
    }

    private void onPrimaryKey(SelectionKey key, long now) throws IOException {
        if (!key.isValid()) {
            return;
        }
        Object attachment = key.attachment();
        if (attachment == channels.server) {
            channels.accept();
            return;
        }
        if (attachment == channels.remoteServer) {
            channels.acceptRemote(now);
            return;
        }
        Connection c = (Connection) attachment;
        if (c.kind() == Connection.Kind.SPARE) {
            // The connection of the spare this member kept as a standby: nothing on it is for a primary.
            c.readLines();
            if (c.atEof()) {
                channels.closeConnection(c);
            }
            return;
        }
        if (c.kind() == Connection.Kind.REMOTE_PENDING || c.kind() == Connection.Kind.FROM_REMOTE) {
            onRemoteKey(c, now);
            return;
        }
        for (String line : c.readLines()) {
            if (c.kind() == Connection.Kind.FROM_STANDBY) {
                m.protocol.onStandbyMessage(this, line, now);
            } else {
                m.protocol.onPrimaryRequest(this, c, line, now);
            }
        }
        if (c.atEof()) {
            channels.closeConnection(c);
            if (c == channels.watch) {
                channels.watch = null;
                m.replication.onDetached();
                keeper.onDetached(now, "standby pid " + keeper.standbyPid() + " closed its watch connection: "
                        + "its process has ended");
            }
        }
    }

    /** Lines from a member on another host ({@link RemoteLink}): its proof of the secret, then its messages. */
    private void onRemoteKey(Connection c, long now) {
        if (!channels.remotes.contains(c)) {
            // The stop requester from another host: nothing more to read; its end must not wake the loop for ever.
            c.readLines();
            if (c.atEof() && c == channels.stopRequester) {
                c.close();
                channels.stopRequester = null;
            }
            return;
        }
        for (String line : c.readLines()) {
            if (!channels.remotes.contains(c)) {
                return;
            }
            if (c.kind() == Connection.Kind.REMOTE_PENDING) {
                // While stopping, the plain answer: the STOP that follows must be read (a standby told NOLEASE
                // closes the connection and would not see it).
                boolean leased = stopping != null || m.store.mayAct(now);
                if (RemoteLink.onPendingLine(channels, m.codec, c, line, now, leased) && stopping != null) {
                    // The pair is stopping: a standby that arrives now is told at once, as the others were.
                    c.send("STOP " + m.codec.sign(RemoteLink.stopText(c.peerNonce)));
                }
                continue;
            }
            String[] words = line.split(" ");
            switch (words[0]) {
                case "WATCH":
                    if (c.peerReady) {
                        break;
                    }
                    c.peerReady = true;
                    Log.LOG.info("standby pid {} on host {} watches this primary", c.peerPid, c.peerHost);
                    break;
                case "STOP":
                    if (words.length != 2 || !m.codec.verify(RemoteLink.stopRequestText(c.ownNonce), words[1])) {
                        break;
                    }
                    channels.remotes.remove(c);
                    Log.LOG.info("stop requested from host {}", c.peerHost);
                    beginStop(c, now, Ending.STOPPED);
                    break;
                case "FENCE":
                    if (words.length == 4 && m.codec.verify(RemoteLink.fenceText(parseLong(words[1]),
                            parseLong(words[2]), c.ownNonce), words[3])) {
                        primary.onFence(parseLong(words[1]), parseLong(words[2]), now);
                    }
                    break;
                default:
                    // READY, ACK: nothing to decide.
                    break;
            }
        }
        if (c.atEof() && channels.remotes.remove(c)) {
            c.close();
            if (c.peerReady) {
                Log.LOG.info("standby pid {} on host {} closed its connection", c.peerPid, c.peerHost);
            }
        }
    }

    private static long parseLong(String word) {
        try {
            return Long.parseLong(word);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Tells every standby on another host that the pair stops, each with an HMAC over its own nonce. */
    private void stopRemotes() {
        for (Connection c : channels.remotes) {
            if (c.kind() == Connection.Kind.FROM_REMOTE) {
                c.send("STOP " + m.codec.sign(RemoteLink.stopText(c.peerNonce)));
            }
        }
    }

    /** Ends the standby, then this primary; {@code requester} (may be null) hears when it is done. */
    void beginStop(Connection requester, long now, Ending ending) {
        if (stopping != null) {
            if (requester != null) {
                channels.reply(requester, java.util.List.of("STOPPING"));
            }
            return;
        }
        Log.LOG.info("stopping: ending the standby, then this primary");
        m.stopService("the pair is stopping");
        stopping = ending;
        channels.holdStopRequester(requester);
        stopDeadlineNs = now + STOP_WAIT_NS;
        primary.stop(now, "stop requested");
        keeper.stop(now);
        if (channels.watch != null) {
            channels.watch.send(ControlProtocol.stop());
        }
        stopRemotes();
        // After the standby was told: with a coordinator these wait on ZooKeeper, and a standby left waiting for
        // heartbeats meanwhile would take over the pair being stopped (found by an attack). Before this member
        // ends: a standby spawned just now, not yet attached, finds the mark when this one is gone.
        healer.flushCheckpoints(m.config.sessionTimeout().toNanos());
        markStopped();
    }

    /** The primary's outside world: the checkpoint file and the heartbeat datagrams. */
    final class Io implements Primary.Io {
        @Override
        public void sendHeartbeat(long seq, PairState state) {
            m.codec.encode(seq, m.pid, m.replication.stamp(state), outgoing);
            Connection watch = channels.watch;
            String line = null;
            if (watch != null) {
                // The same heartbeat on the watch connection, which only its owner can reach: a flood on the
                // UDP port can crowd heartbeats out of the socket's buffer, but not out of this connection.
                line = ControlProtocol.heartbeat(outgoing);
                watch.send(line);
            }
            // None to the standbys on other hosts while the coordinator does not confirm the lease: they then
            // ask whether this primary still owns its epoch, and take over once its session has ended.
            int remotes = m.store.mayAct(m.clock.nanoTime()) ? channels.remotes.size() : 0;
            for (int i = remotes - 1; i >= 0; i--) {
                Connection c = channels.remotes.get(i);
                if (c.kind() != Connection.Kind.FROM_REMOTE) {
                    continue;
                }
                line = line != null ? line : ControlProtocol.heartbeat(outgoing);
                if (!c.send(line)) {
                    // It has not read for a long time (cut off, say): it connects again when it can.
                    Log.LOG.warn("standby pid {} on host {} stopped reading its heartbeats; its connection is closed",
                            c.peerPid, c.peerHost);
                    channels.remotes.remove(i);
                    c.close();
                }
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
            healer.writeCheckpoint(m.replication.stamp(state));
        }

        @Override
        public boolean mayStep(long nowNs) {
            return m.store.mayAct(nowNs);
        }

        @Override
        public boolean lastStepKept(PairState last) {
            return !m.multiHost() || healer.written(m.replication.stamp(last));
        }

        @Override
        public long checkpointEpoch() {
            try {
                // Not a coordinator's, on the loop: a ZooKeeper out of reach would hold the heartbeats for its
                // retries. A member that took over said so on the watch connection, read in this same pass, and
                // the coordinator refuses this one's next checkpoint.
                return m.store == m.dir ? m.store.maxCheckpointEpoch() : -1;
            } catch (PairException e) {
                return -1;
            }
        }
    }

    /**
     * Marks the pair stopped, so that a standby spawned just before does not take over. A coordinator out of reach
     * does not stop the stop: the standby is told on its watch connection, and only one spawned at this moment
     * could miss it (said in the log).
     */
    private void markStopped() {
        try {
            m.store.markStopped();
        } catch (PairException e) {
            if (m.store == m.dir) {
                throw e;
            }
            Log.LOG.warn("{}; stopping all the same (a standby starting just now may not know)", e.getMessage());
        }
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(PrimaryLoop.class);
    }
}
