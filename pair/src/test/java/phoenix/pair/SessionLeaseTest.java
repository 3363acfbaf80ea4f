package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SessionLeaseTest {
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);
    private static final long MARGIN_NS = TimeUnit.MILLISECONDS.toNanos(500);

    private final FakeClock clock = new FakeClock();
    private final SessionLease lease = new SessionLease(TIMEOUT_NS, MARGIN_NS, clock.nanoTime());

    @Test
    void confirmsNothingBeforeTheFirstAnswer() {
        assertFalse(lease.confirmed(clock.nanoTime()));
        assertEquals(clock.nanoTime(), lease.confirmedUntilNs());
    }

    @Test
    void lastsTheTimeoutLessTheMarginFromTheSendingOfTheLastAnswer() {
        long sent = clock.advanceMillis(100);
        clock.advanceMillis(300);
        lease.answered(sent);

        assertEquals(sent + TIMEOUT_NS - MARGIN_NS, lease.confirmedUntilNs(), "from the send, not the answer");
        clock.at(sent - clock.startNs() + TIMEOUT_NS - MARGIN_NS - 1);
        assertTrue(lease.confirmed(clock.nanoTime()));
        clock.advance(1);
        assertFalse(lease.confirmed(clock.nanoTime()), "ends at confirmedUntilNs, across the clock's wrap too");
    }

    @Test
    void aLateAnswerToAnOlderRequestNeverShortensIt() {
        long older = clock.advanceMillis(100);
        long newer = clock.advanceMillis(100);
        lease.answered(newer);
        lease.answered(older);

        assertEquals(newer + TIMEOUT_NS - MARGIN_NS, lease.confirmedUntilNs());
    }

    @Test
    void endsAtOnceWhenSuspendedAndOnlyNewRequestsRenewIt() {
        long before = clock.advanceMillis(100);
        lease.answered(before);
        long suspendedAt = clock.advanceMillis(300);

        lease.suspended(suspendedAt);
        assertEquals(suspendedAt, lease.confirmedUntilNs());
        assertFalse(lease.confirmed(suspendedAt));
        lease.answered(before);
        assertFalse(lease.confirmed(suspendedAt), "an answer while suspended does not count");

        long back = clock.advanceMillis(200);
        lease.reconnected(back);
        lease.answered(before);
        assertFalse(lease.confirmed(back), "a request sent before the suspension does not renew it");
        long sent = clock.advanceMillis(10);
        lease.answered(sent);
        assertTrue(lease.confirmed(clock.nanoTime()));
        assertEquals(sent + TIMEOUT_NS - MARGIN_NS, lease.confirmedUntilNs());
    }

    @Test
    void aLostSessionEndsItForGood() {
        lease.answered(clock.advanceMillis(100));
        long lostAt = clock.advanceMillis(100);

        lease.lost(lostAt);
        lease.reconnected(clock.advanceMillis(100));
        lease.answered(clock.advanceMillis(100));

        assertTrue(lease.lost());
        assertFalse(lease.confirmed(clock.nanoTime()));
        assertEquals(lostAt, lease.confirmedUntilNs());
    }

    @Test
    void aShorterGrantedTimeoutShortensItAndALongerOneIsNotTrusted() {
        lease.negotiated(TimeUnit.SECONDS.toNanos(10));
        long sent = clock.advanceMillis(100);
        lease.answered(sent);
        assertEquals(sent + TIMEOUT_NS - MARGIN_NS, lease.confirmedUntilNs());

        SessionLease shorter = new SessionLease(TIMEOUT_NS, MARGIN_NS, clock.nanoTime());
        shorter.negotiated(TimeUnit.SECONDS.toNanos(1));
        long later = clock.advanceMillis(100);
        shorter.answered(later);
        assertEquals(later + TimeUnit.SECONDS.toNanos(1) - MARGIN_NS, shorter.confirmedUntilNs());
    }

    @Test
    void refusesAMarginThatLeavesNoLease() {
        assertThrows(IllegalArgumentException.class, () -> new SessionLease(TIMEOUT_NS, TIMEOUT_NS, 0));
        assertThrows(IllegalArgumentException.class, () -> new SessionLease(TIMEOUT_NS, -1, 0));
    }
}
