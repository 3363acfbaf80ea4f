package phoenix.pair;

import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The standby role: holds the newest state the primary replicated and decides when to take over. It takes
 * over at once when the primary's process is gone (its watch connection closed), and after {@code misses}
 * heartbeat periods without an acceptable heartbeat when the primary is alive but silent (hung, paused or cut
 * off). Heartbeats are accepted only when authentic and newer than any seen: a newer epoch, or the same epoch
 * with a higher sequence number, so that replayed heartbeats of a dead primary cannot keep it waiting. Each
 * heartbeat arrives twice, on the UDP port and on the watch connection, in either order; the copy that comes
 * second, and a datagram the network merely reordered, are ignored without a word. A refusal is counted only
 * for input that no healthy pair sends: a heartbeat that arrives a second time on the same path, one too old to
 * tell, one of an older epoch, one that is not authentic.
 */
final class Standby {
    private static final long REJECTION_LOG_PERIOD_NS = 5_000_000_000L;
    /** How many sequence numbers below the newest are remembered per path. */
    private static final int WINDOW = 64;

    /** The two ways a heartbeat reaches the standby. */
    enum Path {
        /** The heartbeat port: open to anyone on the machine, lossy, may reorder. */
        UDP,
        /** The watch connection to the primary: owner-only, reliable, in order. */
        WATCH
    }

    /** The standby's states. */
    enum State {
        /** Receiving heartbeats and watching the primary; the takeover deadline is running. */
        WATCHING,
        /** The primary is gone or silent: this member becomes the primary. */
        PROMOTED,
        /** The pair was stopped on purpose: this member ends without taking over. */
        STOPPED
    }

    private final HeartbeatCodec codec;
    private final long timeoutNs;
    private boolean stallForgiven;
    private final Map<Rejection, Long> rejected = new EnumMap<>(Rejection.class);
    private final Map<Rejection, Long> rejectedSinceLog = new EnumMap<>(Rejection.class);
    private State state = State.WATCHING;
    private long stateChangedNs;
    private String reason = "started";
    private State promotedFrom;
    private PairState last;
    private long lastSeq = Long.MIN_VALUE;
    // Bit i set: sequence number lastSeq - i of the current epoch has arrived on that path.
    private final long[] seen = new long[Path.values().length];
    private long lastHeartbeatNs;
    private long primaryPid;
    private long accepted;
    private long lastRejectionLogNs;

    Standby(HeartbeatCodec codec, long timeoutNs, PairState initial, long nowNs) {
        this.codec = codec;
        this.timeoutNs = timeoutNs;
        this.last = initial;
        this.lastHeartbeatNs = nowNs;
        this.stateChangedNs = nowNs;
        this.lastRejectionLogNs = nowNs;
    }

    /** Advances the role by one pass: checks the takeover deadline and reports rejections now and then. */
    State doWork(long nowNs) {
        switch (state) {
            case WATCHING:
                onWatching(nowNs);
                break;
            case PROMOTED:
            case STOPPED:
                break;
            default:
                throw new IllegalStateException("unknown state " + state);
        }
        return state;
    }

    private void onWatching(long nowNs) {
        logRejections(nowNs, false);
        if (nowNs - lastHeartbeatNs >= timeoutNs) {
            state(State.PROMOTED, nowNs, "no valid heartbeat for " + (nowNs - lastHeartbeatNs) / 1_000_000
                    + " ms (timeout " + timeoutNs / 1_000_000 + " ms)");
        }
    }

    /** Handles one datagram from the heartbeat port. */
    void onDatagram(ByteBuffer datagram, long nowNs) {
        onHeartbeat(datagram, Path.UDP, nowNs);
    }

    /** Handles one heartbeat that came by {@code path}. */
    void onHeartbeat(ByteBuffer bytes, Path path, long nowNs) {
        Object decoded = codec.decode(bytes);
        if (decoded instanceof Rejection) {
            reject((Rejection) decoded);
            return;
        }
        Heartbeat hb = (Heartbeat) decoded;
        long epoch = hb.state().epoch();
        if (epoch < last.epoch()) {
            reject(Rejection.STALE_EPOCH);
            return;
        }
        if (epoch == last.epoch() && hb.seq() <= lastSeq) {
            long behind = lastSeq - hb.seq();
            // Far below the newest, the difference can overflow: that is too old to tell as well.
            long bit = behind >= 0 && behind < WINDOW ? 1L << behind : 0;
            if (bit == 0 || (seen[path.ordinal()] & bit) != 0) {
                // The same heartbeat a second time on one path, or one too old to tell: not from a healthy pair.
                reject(Rejection.REPLAYED);
            } else {
                // Its copy on the other path came first, or the network reordered it: nothing new, nothing wrong.
                seen[path.ordinal()] |= bit;
            }
            return;
        }
        if (epoch > last.epoch() && last.epoch() > 0) {
            Log.LOG.info("heartbeats now come from epoch {} (primary pid {})", epoch, hb.senderPid());
        }
        slide(epoch == last.epoch() ? hb.seq() - lastSeq : WINDOW);
        seen[path.ordinal()] |= 1;
        accept(hb.state(), hb.seq(), hb.senderPid(), nowNs);
    }

    private void slide(long by) {
        for (int i = 0; i < seen.length; i++) {
            seen[i] = by >= WINDOW ? 0 : seen[i] << by;
        }
    }

    /** Takes the state the primary handed over when this standby attached to it. */
    void onWelcome(PairState state, long seq, long pid, long nowNs) {
        if (state.epoch() < last.epoch() || (state.epoch() == last.epoch() && seq < lastSeq)) {
            return;
        }
        // The heartbeat of this sequence number was sent before the handshake; its copies may still arrive.
        slide(state.epoch() == last.epoch() ? seq - lastSeq : WINDOW);
        accept(state, seq, pid, nowNs);
    }

    private void accept(PairState state, long seq, long pid, long nowNs) {
        if (pid != primaryPid && primaryPid != 0) {
            // The first primary is announced by the member once its logger is set up, off the loop's path.
            Log.LOG.info("now watching primary pid {} (epoch {}), holding step {}", pid, state.epoch(),
                    state.snapshot().step());
        }
        primaryPid = pid;
        last = state;
        lastSeq = seq;
        lastHeartbeatNs = nowNs;
        stallForgiven = false;
        accepted++;
    }

    /**
     * This standby's own loop woke {@code lateNs} after it meant to: it was not running (paused with its primary,
     * say), so the heartbeats it missed over that time say nothing about the primary. The first time since the
     * last heartbeat, the primary gets a new takeover timeout; never twice, so that a starved standby still takes
     * over from a hung primary, one timeout later.
     *
     * @return whether the timeout started again
     */
    boolean onLoopStalled(long lateNs, long nowNs) {
        if (state != State.WATCHING || stallForgiven || lateNs < timeoutNs) {
            return false;
        }
        stallForgiven = true;
        lastHeartbeatNs = nowNs;
        return true;
    }

    /** The primary's process closed its watch connection: it has died, or is ending on a signal. */
    void onPrimaryGone(long nowNs, String why) {
        if (state == State.WATCHING) {
            state(State.PROMOTED, nowNs, why);
        }
    }

    /** The pair is being stopped on purpose. */
    void onStop(long nowNs, String why) {
        if (state == State.WATCHING) {
            state(State.STOPPED, nowNs, why);
        }
    }

    // Counted and summed with plain loops: a method reference or a stream's first run links its call site (a
    // millisecond or more in a new JVM), and a standby's first pass may reject a datagram just as its primary dies.
    private void reject(Rejection why) {
        count(rejected, why);
        count(rejectedSinceLog, why);
    }

    private static void count(Map<Rejection, Long> counts, Rejection why) {
        Long n = counts.get(why);
        counts.put(why, n == null ? 1L : n + 1);
    }

    /** Logs the rejections since the last report, at most once per period unless forced. */
    void logRejections(long nowNs, boolean force) {
        if (rejectedSinceLog.isEmpty() || (!force && nowNs - lastRejectionLogNs < REJECTION_LOG_PERIOD_NS)) {
            return;
        }
        long total = 0;
        for (Long n : rejectedSinceLog.values()) {
            total += n;
        }
        Log.LOG.warn("rejected {} datagrams on the heartbeat port in the last {} ms: {}", total,
                (nowNs - lastRejectionLogNs) / 1_000_000, labels(rejectedSinceLog));
        rejectedSinceLog.clear();
        lastRejectionLogNs = nowNs;
    }

    static String labels(Map<Rejection, Long> counts) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Rejection, Long> e : counts.entrySet()) {
            sb.append(sb.length() == 0 ? "" : " ").append(e.getKey().label()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    private void state(State next, long nowNs, String why) {
        if (next == State.PROMOTED) {
            // Logged by logPromotion once the first step is done: the takeover does not wait for the logger.
            promotedFrom = state;
        } else {
            Log.LOG.info("standby {} -> {}: {}", state, next, why);
        }
        state = next;
        stateChangedNs = nowNs;
        reason = why;
    }

    State state() {
        return state;
    }

    /** Logs the change to PROMOTED, which {@link #state} leaves for after the takeover's first step. */
    void logPromotion() {
        if (promotedFrom != null) {
            Log.LOG.info("standby {} -> {}: {}", promotedFrom, State.PROMOTED, reason);
            promotedFrom = null;
        }
    }

    String reason() {
        return reason;
    }

    long stateChangedNs() {
        return stateChangedNs;
    }

    /** @return the newest state received; what a takeover continues from */
    PairState last() {
        return last;
    }

    long lastSeq() {
        return lastSeq;
    }

    long primaryPid() {
        return primaryPid;
    }

    long accepted() {
        return accepted;
    }

    /** @return when the takeover deadline falls, as a clock value */
    long deadlineNs() {
        return lastHeartbeatNs + timeoutNs;
    }

    Map<Rejection, Long> rejected() {
        return new EnumMap<>(rejected);
    }

    /** The logger, created on first use: a new standby should be ready before it pays for slf4j's set-up. */
    private static final class Log {
        static final Logger LOG = Logs.of(Standby.class);
    }
}
