package phoenix.pair;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.util.List;
import org.slf4j.Logger;

/**
 * Drives the standby role: one selector loop that takes heartbeats from the UDP port and the watch connection,
 * answers the standby's control socket, acknowledges heartbeats, and steps {@link Standby} with the clock read
 * once per pass, until the standby is promoted, stopped, not needed, or ends on SIGHUP.
 */
final class StandbyLoop {
    private static final long HOLDING_SHOWN_NS = 5_000_000_000L;
    /** How long a standby asks again when its primary answers BUSY (see {@link #onBusy}). */
    static final long BUSY_GRACE_NS = 2_000_000_000L;
    private static final long REWATCH_PAUSE_NS = 10_000_000L;

    private final Member m;
    private final Channels channels;
    private final SignalInbox signals;
    private final PairConfig config;
    /** The role's state machine. */
    final Standby standby;
    /** Set when the primary still answered BUSY after {@link #BUSY_GRACE_NS}: another standby is attached. */
    boolean notNeeded;
    private boolean announced;
    private long lastHoldingShownNs;
    private long lastAttachTryNs;
    private long lastAckSentNs;
    private long ackedAccepted;
    private final Datagrams datagrams = new Datagrams();
    /** When the primary first answered BUSY; 0 while it has not. */
    private long busySinceNs;
    /** When to connect again after a BUSY; 0 when not due. */
    private long rewatchAtNs;

    StandbyLoop(Member m, Standby standby) {
        this.m = m;
        this.channels = m.channels;
        this.signals = m.signals;
        this.config = m.config;
        this.standby = standby;
        this.lastHoldingShownNs = m.clock.nanoTime();
    }

    HeartbeatCodec codec() {
        return m.codec;
    }

    /**
     * How long this loop did not run before the pass at {@code now}: the later of how late it woke (after the wake
     * it slept until, or after {@code top} when it did not sleep) and how long the pass before took.
     *
     * @param passStartNs when the previous pass began its work, after its select (0: this is the first)
     * @param top when this pass read the clock before its select
     * @param wake what it slept until
     */
    static long lateness(long passStartNs, long top, long wake, long now) {
        long meant = wake - top > 0 ? wake : top;
        return Math.max(now - meant, passStartNs == 0 ? 0 : top - passStartNs);
    }

    Standby.State run() throws IOException {
        if (standby.state() != Standby.State.WATCHING) {
            // Its end was read ahead, before READY (readAhead).
            return ended(m.clock.nanoTime());
        }
        // An end read ahead that did not end the watching (heartbeats only): closed before the first select.
        channels.closeEnded();
        long passStartNs = 0;
        while (true) {
            long top = m.clock.nanoTime();
            long wake = Channels.earliest(standby.deadlineNs(), m.healer.healByNs());
            if (rewatchAtNs != 0) {
                wake = Channels.earliest(wake, rewatchAtNs);
            }
            channels.select(wake - top);
            // How late this pass is: after the wake it slept for, or after the select when it did not sleep; and
            // how long the pass before took, since a pause can land in a pass after it read the clock (then the
            // next pass, not sleeping, would look on time: a whole pair paused there took over needlessly, found
            // by the long chaos run).
            long now = m.clock.nanoTime();
            long late = lateness(passStartNs, top, wake, now);
            passStartNs = now;
            for (SelectionKey key : channels.selector.selectedKeys()) {
                onStandbyKey(key, now);
            }
            channels.selector.selectedKeys().clear();
            if (standby.state() != Standby.State.WATCHING) {
                // The primary is gone (its watch connection closed, read just now): the takeover goes first, before
                // anything else this pass would do (an ACK, a log line, the periodic checks: in a standby's first
                // passes each is a first run, which cost a takeover right after READY ~10 ms).
                return ended(now);
            }
            channels.closeEnded();
            if (standby.onLoopStalled(late, now)) {
                Log.LOG.warn("this standby did not run for {} ms (paused?): the heartbeats it missed meanwhile say "
                        + "nothing about its primary, which gets a new takeover timeout", late / 1_000_000);
            }
            sendAck(now);
            showHolding(now);
            m.spares.doWork(now);
            if (!m.watchedLocally && standby.primaryPid() != 0 && standby.primaryPid() != m.watchingPid) {
                // Whom it watches, as the heartbeats say (the member at the address may have changed since the
                // coordinator named it: a takeover on that host): for status, in the coordinator.
                m.watchingPid = standby.primaryPid();
                m.announce("standby");
            }
            m.healer.heal(now);
            if (now - lastAttachTryNs >= Healer.HEAL_PERIOD_NS) {
                lastAttachTryNs = now;
                m.attachLate();
            }
            if (rewatchAtNs != 0 && now - rewatchAtNs >= 0) {
                // Nobody listening (the primary is gone, or its socket is being put back): asked again at the
                // healing's pace until one answers or the heartbeats' timeout decides.
                rewatchAtNs = m.watchAgain() ? 0 : now + Healer.HEAL_PERIOD_NS;
            }
            signals.logIgnored();
            if (signals.pending()) {
                onStandbySignal(false);
            }
            Standby.State state = standby.doWork(now);
            if (state != Standby.State.WATCHING || notNeeded || signals.signalEnding != null) {
                return ended(now);
            }
        }
    }

    private Standby.State ended(long now) {
        m.times.detectedNs = now;
        if (standby.state() == Standby.State.PROMOTED) {
            // Raised already when the watch connection's end was read; the heartbeats' timeout raises it here.
            m.primaryGone();
        }
        if (signals.pending()) {
            onStandbySignal(standby.state() == Standby.State.PROMOTED);
        }
        if (standby.state() != Standby.State.PROMOTED) {
            // A takeover's logs wait until after its first step (Takeover#afterFirstPass).
            standby.logRejections(now, true);
        }
        return standby.state();
    }

    /**
     * Before READY: what has arrived since the standby connected (its primary's WELCOME, the first heartbeats) is
     * read and handled now rather than in the loop's first pass. That pass reads the watch connection for the first
     * time (4-9 ms, most of it CPU, on JDK 17), and a primary that died right after READY had its end read in that
     * same pass.
     */
    void readAhead() throws IOException {
        channels.select(0);
        long now = m.clock.nanoTime();
        for (SelectionKey key : channels.selector.selectedKeys()) {
            onStandbyKey(key, now);
        }
        channels.selector.selectedKeys().clear();
    }

    /**
     * Serves the standby's control socket (status, stop) and drains its heartbeat port for up to {@code waitNs},
     * while the member has no primary to watch and decides what to do ({@link OtherHosts}).
     *
     * @return whether a stop request has ended this standby
     */
    boolean serveWhileDeciding(long waitNs) throws IOException {
        // The watch connection whose end made this member decide (see Channels#closeLater) is not selected again.
        channels.closeEnded();
        channels.select(waitNs);
        long now = m.clock.nanoTime();
        for (SelectionKey key : channels.selector.selectedKeys()) {
            onStandbyKey(key, now);
        }
        channels.selector.selectedKeys().clear();
        // A stop request holds its connection open until this member ends (see ControlProtocol).
        return channels.stopRequester != null;
    }

    /**
     * Takes up the signals that reached this member while it is a standby: a SIGHUP ends it; a SIGINT or SIGTERM that
     * met the primary's handlers (a member that went back to watching after a takeover on another host) is ignored,
     * as a standby's is. As the loop hands over to a takeover ({@code takingOver}), the signals that met the primary's
     * handlers (installed by the barrier raised as the loop found its primary gone) are left for the new primary.
     */
    void onStandbySignal(boolean takingOver) {
        int number;
        boolean hungUp;
        synchronized (signals) {
            int standbyHangUps = signals.standbyHangUps();
            if (takingOver && standbyHangUps == signals.standbyHangUpsHandled) {
                return;
            }
            int hangUps = signals.hangUps();
            hungUp = hangUps != signals.hangUpsHandled;
            signals.signalsHandled = signals.signalsSeen();
            signals.hangUpsHandled = hangUps;
            signals.standbyHangUpsHandled = standbyHangUps;
            number = signals.lastSignal();
        }
        if (hungUp) {
            Log.LOG.warn("{} ends on SIGHUP (its terminal closed)", role());
            signals.signalEnding = Ending.HUNG_UP;
        } else {
            Log.LOG.warn("{} ignores SIG{}: it exists to outlive the primary; end the pair with 'stop'", role(),
                    number == 2 ? "INT" : "TERM");
        }
    }

    private void onStandbyKey(SelectionKey key, long now) throws IOException {
        if (!key.isValid()) {
            return;
        }
        Object attachment = key.attachment();
        if (attachment == channels.udp) {
            datagrams.now = now;
            channels.receiveDatagrams(datagrams);
        } else if (attachment == channels.server) {
            channels.accept();
        } else {
            Connection c = (Connection) attachment;
            List<String> lines = c.readLines();
            for (String line : lines) {
                if (c.kind() == Connection.Kind.TO_PRIMARY && c != channels.watch) {
                    // Dropped after BUSY (see onBusy): nothing more of it is read.
                    break;
                }
                if (c.kind() == Connection.Kind.TO_PRIMARY) {
                    m.protocol.onPrimaryMessage(this, line, now);
                } else {
                    m.protocol.onStandbyRequest(this, c, line, now);
                }
            }
            if (c.atEof()) {
                if (c == channels.watch) {
                    // Closed after the takeover's first step, or at the end of this pass (see closeLater).
                    channels.closeLater(c);
                } else {
                    channels.closeConnection(c);
                }
                if (c == m.spares.connection) {
                    m.spares.onGone(now);
                }
                if (c == channels.watch) {
                    channels.watch = null;
                    long primaryPid = standby.primaryPid();
                    if (config.heartbeatOnly()) {
                        return;
                    }
                    standby.onPrimaryGone(now, "primary" + (primaryPid > 0 ? " pid " + primaryPid : "")
                            + " closed its watch connection: its process has ended");
                    if (standby.state() == Standby.State.PROMOTED) {
                        m.primaryGone();
                    }
                }
            }
        }
    }

    /** What this member is while its loop is a standby's: a "spare" until it holds the slot, else a "standby". */
    private String role() {
        return signals.role;
    }

    /**
     * The primary answered BUSY: it has a standby attached. This member holds the standby slot, so no other live
     * member can be that standby: the primary has not yet read the end of the one before (a spare takes the slot
     * the moment the standby's end frees it, before its sockets are closed). It connects again in a moment, for
     * {@link #BUSY_GRACE_NS}; after that it is not needed. The connection is dropped here, so that its end is not
     * taken for the primary's.
     */
    void onBusy(long now) {
        if (busySinceNs == 0) {
            busySinceNs = now;
        }
        Connection w = channels.watch;
        if (now - busySinceNs >= BUSY_GRACE_NS || w == null) {
            Log.LOG.warn("pair '{}' already has a standby; this one is not needed", config.name());
            notNeeded = true;
            return;
        }
        channels.watch = null;
        channels.closeConnection(w);
        rewatchAtNs = now + REWATCH_PAUSE_NS;
    }

    /** The primary took this standby's WATCH: a BUSY before it was passing. */
    void welcomed() {
        busySinceNs = 0;
    }

    /** A spare says it is prepared ({@link Spares}). */
    void onSpare(Connection c, long sparePid, long now) {
        m.spares.onRegistered(c, sparePid, now);
    }

    long sparePid() {
        return m.spares.pid;
    }

    private void sendAck(long now) {
        Connection watch = channels.watch;
        if (watch != null && ackDue(standby.accepted(), ackedAccepted, lastAckSentNs, now,
                StandbyKeeper.ACK_INTERVAL_NS)) {
            watch.send(ControlProtocol.ack(standby.lastSeq()));
            ackedAccepted = standby.accepted();
            lastAckSentNs = now;
        }
    }

    /**
     * Whether the standby acknowledges at {@code now}: once it has accepted a heartbeat since its last
     * acknowledgement (a standby that no longer accepts any must fall silent), and at most every
     * {@code intervalNs} ({@link StandbyKeeper#ACK_INTERVAL_NS}).
     *
     * @param accepted how many heartbeats it has accepted
     * @param ackedAccepted how many it had accepted at its last acknowledgement
     * @param lastAckSentNs when it last acknowledged (0: never)
     */
    static boolean ackDue(long accepted, long ackedAccepted, long lastAckSentNs, long now, long intervalNs) {
        return accepted != ackedAccepted && (lastAckSentNs == 0 || now - lastAckSentNs >= intervalNs);
    }

    /**
     * Says whom the standby watches and what it holds: once, when the logger is ready (setting it up on the
     * loop would stall the loop just after the standby declared itself ready), and in a window of its own
     * every few seconds.
     */
    private void showHolding(long now) {
        if (!announced && m.warmedUp && standby.primaryPid() != 0) {
            announced = true;
            Log.LOG.info("watching primary pid {} (epoch {}), holding step {}", standby.primaryPid(),
                    standby.last().epoch(), standby.last().snapshot().step());
        }
        if (m.ownWindow && channels.watch != null && now - lastHoldingShownNs >= HOLDING_SHOWN_NS) {
            lastHoldingShownNs = now;
            Log.LOG.info("standby: watching primary pid {}, holding step {}", standby.primaryPid(),
                    standby.last().snapshot().step());
        }
    }

    /**
     * Hands the heartbeat port's datagrams to the standby. One object made with the loop, rather than a capturing
     * lambda per pass: a lambda's first run links its call site, in a standby's first pass (0.5-10 ms).
     */
    private final class Datagrams implements java.util.function.Consumer<java.nio.ByteBuffer> {
        long now;

        @Override
        public void accept(java.nio.ByteBuffer d) {
            standby.onHeartbeat(d, Standby.Path.UDP, now);
        }
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(StandbyLoop.class);
    }
}
