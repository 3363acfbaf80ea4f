package phoenix.pair;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;

/**
 * What a standby of a pair with members on several hosts ({@code --bind}) decides when the primary it watched over
 * TCP, on another host, is silent or gone, or when another member took over before it: watch the owner of the
 * newest epoch, or take over. It takes over only once that owner cannot be acting:
 * <ul>
 *   <li>its ZooKeeper session has ended ({@link EpochStore#ownerOf} is empty: it expired, because the host died,
 *       was paused or cut off for longer than the session timeout, and the owner's lease ended a margin before,
 *       {@link SessionLease}), or</li>
 *   <li>its own host's kernel refuses the connection (nobody listens on the pair's port there: the process is
 *       gone, and its host alive; a member listens there before it claims, see {@link Takeover}).</li>
 * </ul>
 * An owner that does not answer in time (a host paused or cut off) may still be acting, so the standby waits,
 * asking every {@link #POLL_NS}, until it answers (then it is watched) or its session ends. When several standbys
 * decide at once, the claim of the epoch above the one they saw picks one; the others yield ({@link
 * Takeover.Yielded}) and watch it.
 */
final class OtherHosts {
    /** What a standby does next. */
    enum Verdict {
        /** It watches a primary on another host now. */
        WATCHING,
        /** No listed primary can be acting: it takes over. */
        TAKE_OVER,
        /** A listed primary may be acting but does not answer: ask again. */
        WAIT,
        /** A listed primary did not accept this member's proof of the secret, or did not prove its own. */
        DENIED,
        /** The pair was stopped, or this member ends on a signal. */
        ENDED
    }

    /**
     * How long a primary on another host has to accept a connection and prove the secret (twice this for the whole
     * handshake). Short: while it tries, this member does not ask the coordinator, so a try that waits on a paused
     * or cut-off host delays seeing its session end by as much (at 300 ms, up to 600 ms of every second: the spread
     * of the paused-host takeovers in {@code bench --hosts}). A primary that answers late is only tried again.
     */
    static final int PROBE_TIMEOUT_MS = 120;
    /** How often a standby asks the coordinator again while the owner may be acting but does not answer. */
    static final long POLL_NS = 50_000_000L;
    /** How often it tries the owner's address again meanwhile (each try may wait {@link #PROBE_TIMEOUT_MS}). */
    static final long PROBE_EVERY_NS = 1_000_000_000L;
    private static final long WAIT_LOG_NS = 5_000_000_000L;

    private final Member m;
    /** Set when the last verdict was TAKE_OVER: the takeover may claim above a newer epoch than its primary's. */
    boolean takeOver;
    /**
     * The newest epoch when the last verdict was TAKE_OVER: the takeover claims the one above it, or yields when
     * another member claimed meanwhile.
     */
    long verdictHighest;
    private String lastDetail = "";
    // The owner last tried and not answering, and when: tried again only after PROBE_EVERY_NS.
    private String lastProbe;
    private long lastProbeNs;

    OtherHosts(Member m) {
        this.m = m;
    }

    /** @return what the last attempt found, for messages */
    String lastDetail() {
        return lastDetail;
    }

    /**
     * Waits for a verdict other than WAIT: the standby's primary is silent or gone (or another member won the
     * takeover), and the coordinator says what the pair has now.
     */
    Verdict await(Standby standby) {
        Connection watch = m.channels.watch;
        if (watch != null) {
            m.channels.closeConnection(watch);
            m.channels.watch = null;
        }
        m.watchingPid = 0;
        m.announce("standby");
        // No wait for the primary's own host: its standby, if alive, listens at the address before it claims, and
        // the first try below finds it there (and watches it once it answers).
        lastProbe = null;
        Log.LOG.warn("the primary (pid {}) is silent or gone, or another member took over: taking over only when "
                + "the owner of the newest epoch can no longer be acting", standby.primaryPid());
        long lastLogNs = m.clock.nanoTime();
        while (true) {
            m.signals.logIgnored();
            if (m.signals.pending()) {
                m.standbyLoop.onStandbySignal(false);
            }
            if (m.signals.signalEnding != null) {
                return Verdict.ENDED;
            }
            if (m.untilAnswered(m.store::isStopped)) {
                Log.LOG.info("the pair was stopped; this standby ends");
                return Verdict.ENDED;
            }
            Verdict v = tryOnce();
            if (v == Verdict.WATCHING) {
                return v;
            }
            if (v == Verdict.TAKE_OVER) {
                takeOver = true;
                Log.LOG.warn("taking over: {}", lastDetail);
                return v;
            }
            long now = m.clock.nanoTime();
            if (now - lastLogNs >= WAIT_LOG_NS) {
                lastLogNs = now;
                Log.LOG.warn("still waiting: {}", lastDetail);
            }
            // Status and stop on this host are answered meanwhile.
            try {
                if (m.standbyLoop.serveWhileDeciding(POLL_NS)) {
                    Log.LOG.info("stopped while deciding; this standby ends");
                    return Verdict.ENDED;
                }
            } catch (IOException e) {
                LockSupport.parkNanos(POLL_NS);
            }
        }
    }

    /**
     * One look: the owner of the newest epoch, as the coordinator has it (made with the claim, gone with the
     * owner's session: {@link EpochStore#ownerOf}), tried at the address it gave.
     */
    Verdict tryOnce() {
        // As the claim reckons it: the state directory's copies count too (ZooKeeper may have lost its data).
        long highest = Math.max(m.untilAnswered(m.store::maxCheckpointEpoch), m.dir.maxCheckpointEpoch());
        Optional<String> owner = highest == 0 ? Optional.empty() : m.untilAnswered(() -> m.store.ownerOf(highest));
        if (owner.isPresent() && PairMember.parse(owner.get()).pid() == m.pid
                && PairMember.parse(owner.get()).host().equals(PairMember.localHost())) {
            // This member's own claim, whose answer was lost: nobody acts in that epoch; it claims the next.
            verdictHighest = highest;
            lastDetail = "this member's own claim of epoch " + highest + " went through unanswered";
            return Verdict.TAKE_OVER;
        }
        if (owner.isEmpty()) {
            verdictHighest = highest;
            lastDetail = "the member that claimed epoch " + highest + " has no ZooKeeper session any more (it "
                    + "expired, or the member ended)";
            return Verdict.TAKE_OVER;
        }
        PairMember p = PairMember.parse(owner.get());
        String who = "primary pid " + p.pid() + " on host " + p.host() + " (epoch " + highest + ")";
        long now = m.clock.nanoTime();
        String probe = highest + " " + owner.get();
        if (probe.equals(lastProbe) && now - lastProbeNs < PROBE_EVERY_NS) {
            // The same owner did not answer a moment ago: its session is what is watched meanwhile.
            return Verdict.WAIT;
        }
        lastProbe = probe;
        lastProbeNs = now;
        if (p.bind().isEmpty()) {
            lastDetail = who + " gave no --bind address; waiting for its session to end";
            return Verdict.WAIT;
        }
        int port = (int) portOf(owner.get(), m.config.port());
        who += " at " + p.bind() + ":" + port;
        RemoteLink.Attempt a = RemoteLink.connect(p.bind(), port, m.codec, m.pid, PairMember.localHost(),
                PROBE_TIMEOUT_MS);
        switch (a.outcome()) {
            case CONNECTED:
                if (a.noLease()) {
                    // It may be acting still, but it stops before its session can end: ask the coordinator until
                    // then, every POLL_NS, rather than watch a primary that sends no heartbeats.
                    Channels.closeQuietly(a.channel());
                    lastDetail = who + " answers, but its coordinator does not confirm its lease; waiting for it "
                            + "to be confirmed again or for its session to end";
                    return Verdict.WAIT;
                }
                lastProbe = null;
                try {
                    m.channels.watchRemote(a);
                } catch (IOException e) {
                    Channels.closeQuietly(a.channel());
                    lastDetail = who + ": " + e;
                    return Verdict.WAIT;
                }
                m.channels.watch.send(ControlProtocol.watch(m.pid));
                m.channels.watch.send(ControlProtocol.ready());
                m.everWatched = true;
                // Named in the coordinator once its heartbeats say who it is (see StandbyLoop).
                takeOver = false;
                lastDetail = "watching " + who;
                Log.LOG.info("standby pid {} of pair '{}' watches {} over TCP", m.pid, m.config.name(), who);
                return Verdict.WATCHING;
            case REFUSED:
                verdictHighest = highest;
                lastDetail = who + " is gone: its host says nobody listens there";
                return Verdict.TAKE_OVER;
            case DENIED:
                lastDetail = a.detail();
                return Verdict.DENIED;
            default:
                lastDetail = who + " does not answer (" + a.detail() + "); its ZooKeeper session lives";
                return Verdict.WAIT;
        }
    }

    /** The port a member announced with its entry ({@code port=P}), or {@code otherwise} when it says none. */
    static long portOf(String record, long otherwise) {
        for (String word : record.strip().split("\\s+")) {
            if (word.startsWith("port=")) {
                try {
                    long port = Long.parseLong(word.substring("port=".length()));
                    return port >= 1 && port <= 65535 ? port : otherwise;
                } catch (NumberFormatException e) {
                    return otherwise;
                }
            }
        }
        return otherwise;
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(OtherHosts.class);
    }
}
