package phoenix.pair;

/**
 * Leadership as a lease on a ZooKeeper session: the time until which a member may act as the pair's primary,
 * because no other member can have seen its session expire before then.
 *
 * <p>ZooKeeper expires a session when it has heard nothing from its client for the session timeout, measured on
 * the server's clock, and never earlier (expiry is rounded up to the next tick; a new leader of the ensemble
 * starts every session's timer anew). A request sent at {@code sentNs} and answered was heard at {@code sentNs}
 * or later, so the session lives at least until {@code sentNs + timeout} on the server's clock. The lease is
 * that, less a margin: {@code confirmedUntilNs = last answered sentNs + timeout - margin}.
 *
 * <p><b>Assumption: bounded clock drift.</b> The member's monotonic clock and the servers' may run at rates that
 * differ by a fraction {@code rho}; over a timeout of {@code T} that is {@code rho x T} (NTP keeps {@code rho}
 * below 0.05 %, an undisciplined quartz below 0.01 %: under 2 ms for T = 2 s). The margin covers that, the
 * member's own delay between checking the lease and acting (a step that begins just before the lease ends),
 * and scheduling on a busy machine. The default, a quarter of the timeout (500 ms of a 2 s session), is chosen
 * for the last two, which dwarf the drift; no wall clock is used anywhere.
 *
 * <p>The lease stops at once when the client reports the connection suspended (nothing heard for two thirds of
 * the timeout, or the connection closed), without waiting for its end ("ZooKeeper: Distributed Process
 * Coordination", chapter 5): only requests sent after the reconnection confirm it again. A lost session ends it
 * for good. Thread-safe: the connection's events and the renewals arrive on other threads than the reader's.
 */
final class SessionLease {
    private final long marginNs;
    private long timeoutNs;
    // Nothing is confirmed before this: the lease's start, then each suspension and reconnection.
    private long floorNs;
    private long untilNs;
    private boolean suspended;
    private boolean lost;

    /**
     * @param timeoutNs the session timeout asked for; {@link #negotiated} lowers it to what the server grants
     * @param marginNs taken off the end of every lease: at least 0, below the timeout
     * @param nowNs when the lease is made: nothing before it counts
     */
    SessionLease(long timeoutNs, long marginNs, long nowNs) {
        if (timeoutNs <= 0 || marginNs < 0 || marginNs >= timeoutNs) {
            throw new IllegalArgumentException("a lease needs 0 <= margin < timeout, not margin " + marginNs
                    + " ns and timeout " + timeoutNs + " ns");
        }
        this.timeoutNs = timeoutNs;
        this.marginNs = marginNs;
        this.floorNs = nowNs;
        this.untilNs = nowNs;
    }

    /** The session timeout the server granted: a lower one shortens the lease, a higher one is not trusted. */
    synchronized void negotiated(long grantedNs) {
        if (grantedNs > marginNs && grantedNs < timeoutNs) {
            timeoutNs = grantedNs;
        }
    }

    /** A request sent at {@code sentNs} on this session was answered: the session lived then. */
    synchronized void answered(long sentNs) {
        if (lost || suspended || sentNs - floorNs < 0) {
            return;
        }
        long until = sentNs + timeoutNs - marginNs;
        if (until - untilNs > 0) {
            untilNs = until;
        }
    }

    /** The connection is suspended: the lease ends now, and answers to requests sent before now do not count. */
    synchronized void suspended(long nowNs) {
        suspended = true;
        end(nowNs);
    }

    /** The same session is connected again: requests sent from now on confirm the lease again. */
    synchronized void reconnected(long nowNs) {
        suspended = false;
        floorNs = nowNs;
    }

    /** The session expired or was closed: the lease ends now and never comes back. */
    synchronized void lost(long nowNs) {
        lost = true;
        end(nowNs);
    }

    private void end(long nowNs) {
        if (untilNs - nowNs > 0) {
            untilNs = nowNs;
        }
        if (floorNs - nowNs < 0) {
            floorNs = nowNs;
        }
    }

    /**
     * @return the time until which this member may act as the primary; while nothing is confirmed, a time that
     *     has passed (the lease's start, or its end)
     */
    synchronized long confirmedUntilNs() {
        return untilNs;
    }

    /** @return whether the member may act at {@code nowNs} */
    synchronized boolean confirmed(long nowNs) {
        return !lost && !suspended && untilNs - nowNs > 0;
    }

    /** @return whether the session is gone for good */
    synchronized boolean lost() {
        return lost;
    }
}
