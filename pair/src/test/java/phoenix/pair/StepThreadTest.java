package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The step thread driven on the test's thread ({@link StepThread#takeUp}), beside a primary passed as its loop
 * passes it: the lease is asked again, with the clock read anew, right before the task's step.
 */
class StepThreadTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long STEP_NS = 20 * MS;
    private static final long HEARTBEAT_NS = 10 * MS;
    private static final long TAKEOVER_NS = 500 * MS;
    private static final long SESSION_NS = 2000 * MS;
    private static final long MARGIN_NS = 500 * MS;
    private static final PairState START = new PairState(2, 1, 7, 0, Snapshot.ofStep(10));

    private final FakeClock clock = new FakeClock();
    private final FakeIo io = new FakeIo();
    private final FakeTask task = new FakeTask();
    private final SessionLease lease = new SessionLease(SESSION_NS, MARGIN_NS, clock.nanoTime());
    private int wakeups;

    private StepThread steps(SessionLease l) {
        return new StepThread(task, clock, "test", () -> wakeups++, l != null ? l::confirmed : null);
    }

    private Primary primary(StepThread steps) {
        return new Primary(task, io, steps, 10 * STEP_NS, START, STEP_NS, HEARTBEAT_NS, TAKEOVER_NS,
                clock.nanoTime());
    }

    /** One pass of the primary's loop at {@code nowNs}, as {@link PrimaryLoop} makes it; the loop's check reads it. */
    private Primary.State pass(StepThread steps, Primary p, long nowNs) {
        io.mayStep = lease.confirmed(nowNs);
        steps.deliver(p, nowNs);
        return p.doWork(nowNs, true);
    }

    @Test
    void doesNotBeginAStepWhoseLeaseLapsedAfterTheLoopsCheckAndStepsOnceItIsConfirmedAgain() {
        StepThread steps = steps(lease);
        Primary p = primary(steps);
        lease.answered(clock.at(0));
        long leaseEnd = lease.confirmedUntilNs();
        assertEquals(Primary.State.STEPPING, pass(steps, p, clock.at(0)));
        assertTrue(steps.takeUp());
        assertEquals(Primary.State.RUNNING, pass(steps, p, clock.at(MS)));
        assertEquals(11, p.current().snapshot().step());

        // The loop checks the lease 1 ns before its end and hands step 12 over; the process is paused before the
        // step thread takes it up, past the lease's end (its session expired; another host may print 12).
        long checkAt = leaseEnd - 1 - clock.startNs();
        assertEquals(Primary.State.STEPPING, pass(steps, p, clock.at(checkAt)));
        clock.at(checkAt + 1);
        assertTrue(steps.takeUp(), "the step handed over was taken up");
        assertEquals(1, task.steps(), "not begun: the lease had lapsed since the loop's check");
        assertEquals(2, wakeups, "the loop is woken to hear it");

        long resumedAt = checkAt + 1 + 6000 * MS;
        assertEquals(Primary.State.RUNNING, pass(steps, p, clock.at(resumedAt)), "no failure: waiting for the lease");
        assertEquals(11, p.current().snapshot().step(), "nothing counted");
        assertTrue(p.nextWakeNs() - clock.nanoTime() <= Primary.LEASE_RECHECK_NS, "it looks again soon");
        assertFalse(steps.takeUp(), "nothing handed over while the lease is unconfirmed");
        for (long t = resumedAt; t <= resumedAt + 100 * MS; t += 10 * MS) {
            assertEquals(Primary.State.RUNNING, pass(steps, p, clock.at(t)));
        }
        assertFalse(steps.takeUp());
        assertTrue(io.checkpoints().stream().allMatch(c -> c.step() == 11), "step 12 never replicated");

        long renewedAt = resumedAt + 110 * MS;
        lease.answered(clock.at(renewedAt));
        assertEquals(Primary.State.STEPPING, pass(steps, p, clock.at(renewedAt)), "steps once confirmed again");
        assertTrue(steps.takeUp());
        assertEquals(List.of(Snapshot.ofStep(10), Snapshot.ofStep(11)), task.steppedFrom, "12 follows 11, once");
        assertEquals(Primary.State.RUNNING, pass(steps, p, clock.at(renewedAt + MS)));
        assertEquals(12, p.current().snapshot().step());
    }

    @Test
    void stepsWhileTheLeaseIsConfirmedAtTheStepThreadsOwnRead() {
        StepThread steps = steps(lease);
        Primary p = primary(steps);
        lease.answered(clock.at(0));
        pass(steps, p, clock.at(0));
        clock.at(lease.confirmedUntilNs() - 1 - clock.startNs());
        assertTrue(steps.takeUp());
        assertEquals(1, task.steps(), "1 ns before the lease's end the step runs");
    }

    @Test
    void aPairWithoutALeaseReadsNoClockBeforeItsSteps() {
        int[] reads = new int[1];
        NanoClock counting = () -> {
            reads[0]++;
            return clock.nanoTime();
        };
        StepThread steps = new StepThread(task, counting, "test", () -> wakeups++, null);
        steps.begin(START.snapshot());
        assertTrue(steps.takeUp());
        int afterFirst = reads[0];
        for (int i = 0; i < 3; i++) {
            steps.begin(Snapshot.ofStep(11 + i));
            assertTrue(steps.takeUp());
        }
        assertEquals(4, task.steps());
        assertEquals(afterFirst, reads[0], "after the first step's times, no clock read on the way to a step");
    }

    @Test
    @Timeout(10)
    void aFirstStepNotBegunEndsTheTakeoversWaitForIt() {
        StepThread steps = steps(lease);
        Primary p = primary(steps);
        // The loop's check said yes; the lease, never answered on this session, says no at the step thread's read.
        io.mayStep = true;
        assertEquals(Primary.State.STEPPING, p.doWork(clock.at(0), true));
        assertTrue(steps.takeUp());
        assertEquals(0, task.steps(), "not begun");

        // Returns at once: with the fake clock standing still, a wait for a first step that never comes would not.
        steps.awaitFirstStep(SESSION_NS);
        assertEquals(0, steps.firstStartNs, "the first step is still to come");

        lease.answered(clock.at(MS));
        assertEquals(Primary.State.STEPPING, pass(steps, p, clock.at(MS)), "begun again once confirmed");
        assertTrue(steps.takeUp());
        assertEquals(List.of(Snapshot.ofStep(10)), task.steppedFrom);
        assertTrue(steps.firstStartNs != 0 && steps.firstDoneNs != 0, "the first step that ran is the first");
    }
}
