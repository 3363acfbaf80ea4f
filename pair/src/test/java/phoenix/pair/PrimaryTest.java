package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PrimaryTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long STEP_NS = 1000 * MS;
    private static final long HEARTBEAT_NS = 100 * MS;
    private static final long TAKEOVER_NS = 500 * MS;
    private static final long STALL_NS = TAKEOVER_NS / 2;
    private static final PairState START = new PairState(2, 1, 7, 0, Snapshot.ofStep(10));

    private final FakeClock clock = new FakeClock();
    private final FakeIo io = new FakeIo();
    private final FakeTask task = new FakeTask();

    private Primary primary(PairState start) {
        return new Primary(task, io, start, STEP_NS, HEARTBEAT_NS, TAKEOVER_NS, clock.nanoTime());
    }

    private static FakeIo.Event checkpoint(long step) {
        return new FakeIo.Event(FakeIo.Kind.CHECKPOINT, 0, START.withSnapshot(Snapshot.ofStep(step)));
    }

    private static FakeIo.Event heartbeat(long seq, long step) {
        return new FakeIo.Event(FakeIo.Kind.HEARTBEAT, seq, START.withSnapshot(Snapshot.ofStep(step)));
    }

    @Test
    void resumesTheTaskFromTheStartStateAndStepsAtOnce() {
        Primary p = primary(START);
        assertEquals(List.of(Snapshot.ofStep(10)), task.resumedFrom);
        assertEquals(Primary.State.RUNNING, p.state());

        assertEquals(Primary.State.RUNNING, p.doWork(clock.nanoTime(), false));

        assertEquals(List.of(Snapshot.ofStep(10)), task.steppedFrom);
        assertEquals(List.of(checkpoint(11), heartbeat(1, 11)), io.events);
        assertEquals(START.withSnapshot(Snapshot.ofStep(11)), p.current());
    }

    @Test
    void stepsOncePerIntervalAndNotOneNanosecondEarlier() {
        Primary p = primary(START);
        List<Long> stepsAtMs = new ArrayList<>();
        for (long t = 0; t <= 5 * STEP_NS; t += 10 * MS) {
            int before = task.steps();
            p.doWork(clock.at(t), true);
            if (task.steps() > before) {
                stepsAtMs.add(t / MS);
            }
        }
        assertEquals(List.of(0L, 1000L, 2000L, 3000L, 4000L, 5000L), stepsAtMs);

        p.doWork(clock.at(6 * STEP_NS - 1), true);
        assertEquals(6, task.steps());
        p.doWork(clock.at(6 * STEP_NS), true);
        assertEquals(7, task.steps());
        assertEquals(17, p.current().snapshot().step());
    }

    @Test
    void writesTheCheckpointBeforeTheHeartbeatThatCarriesANewStep() {
        Primary p = primary(START);
        for (long t = 0; t <= 3 * STEP_NS; t += 50 * MS) {
            p.doWork(clock.at(t), true);
        }

        long checkpointed = START.snapshot().step();
        int stepHeartbeats = 0;
        for (int i = 0; i < io.events.size(); i++) {
            FakeIo.Event e = io.events.get(i);
            if (e.kind() == FakeIo.Kind.CHECKPOINT) {
                assertEquals(checkpointed + 1, e.step(), "checkpoints follow the steps one by one");
                checkpointed = e.step();
                FakeIo.Event next = io.events.get(i + 1);
                assertEquals(FakeIo.Kind.HEARTBEAT, next.kind(), "the step's heartbeat follows its checkpoint");
                assertEquals(e.state(), next.state());
                stepHeartbeats++;
            } else {
                assertTrue(e.step() <= checkpointed, e + " carries a step not yet checkpointed");
            }
        }
        assertEquals(4, stepHeartbeats);
        assertEquals(14, checkpointed);
    }

    @Test
    void sendsAHeartbeatEveryHeartbeatIntervalBetweenSteps() {
        Primary p = primary(START);
        List<Long> heartbeatsAtMs = new ArrayList<>();
        for (long t = 0; t < 2 * STEP_NS; t += MS) {
            int before = io.heartbeats().size();
            p.doWork(clock.at(t), true);
            if (io.heartbeats().size() > before) {
                heartbeatsAtMs.add(t / MS);
            }
        }

        List<Long> expected = new ArrayList<>();
        for (long ms = 0; ms < 2000; ms += 100) {
            expected.add(ms);
        }
        assertEquals(expected, heartbeatsAtMs);
        List<FakeIo.Event> sent = io.heartbeats();
        for (int i = 0; i < sent.size(); i++) {
            assertEquals(i + 1, sent.get(i).seq(), "sequence numbers count up by one");
            assertEquals(i < 10 ? 11 : 12, sent.get(i).step(), "heartbeat " + (i + 1) + " carries the last step");
        }
        assertEquals(20, p.seq());
    }

    @Test
    void keepsTheRhythmAfterFallingBehindInsteadOfCatchingUpInABurst() {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);

        p.doWork(clock.at(3 * STEP_NS + 500 * MS), true);
        assertEquals(2, task.steps());
        p.doWork(clock.at(3 * STEP_NS + 600 * MS), true);
        assertEquals(2, task.steps(), "no catching up");
        p.doWork(clock.at(4 * STEP_NS + 500 * MS - 1), true);
        assertEquals(2, task.steps());
        p.doWork(clock.at(4 * STEP_NS + 500 * MS), true);
        assertEquals(3, task.steps());
    }

    @Test
    void aFenceWithANewerEpochEndsItBeforeTheNextStep() {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);
        io.drain();

        p.onFence(3, 5150, clock.at(300 * MS));

        assertEquals(Primary.State.FENCED, p.state());
        assertEquals(3, p.fencedBy());
        assertTrue(p.reason().contains("pid 5150"), p.reason());
        assertEquals(Primary.State.FENCED, p.doWork(clock.at(STEP_NS), true));
        assertEquals(Primary.State.FENCED, p.doWork(clock.at(5 * STEP_NS), true));
        assertEquals(1, task.steps());
        assertEquals(List.of(), io.events);
    }

    @ParameterizedTest
    @ValueSource(longs = {2, 1, 0})
    void ignoresAFenceOfAnOlderOrEqualEpoch(long epoch) {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);

        p.onFence(epoch, 5150, clock.at(300 * MS));

        assertEquals(Primary.State.RUNNING, p.state());
        assertEquals(Primary.State.RUNNING, p.doWork(clock.at(STEP_NS), true));
        assertEquals(2, task.steps());
    }

    @Test
    void fencesItselfWithoutSteppingWhenAfterAStallTheCheckpointHoldsANewerEpoch() {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);
        io.drain();
        io.checkpointEpoch = 3;

        assertEquals(Primary.State.FENCED, p.doWork(clock.at(1500 * MS), true));

        assertEquals(1, task.steps());
        assertEquals(List.of(), io.events);
        assertEquals(3, p.fencedBy());
        assertTrue(p.reason().contains("epoch 3"), p.reason());
    }

    @Test
    void readsTheCheckpointOnlyAfterAStallOfHalfTheTakeoverTimeout() {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);
        io.checkpointEpoch = 3;

        assertEquals(Primary.State.RUNNING, p.doWork(clock.at(STALL_NS - 1), true));
        assertEquals(0, io.checkpointEpochReads);

        assertEquals(Primary.State.FENCED, p.doWork(clock.at(2 * STALL_NS - 1), true));
        assertEquals(1, io.checkpointEpochReads);
    }

    @ParameterizedTest
    @ValueSource(longs = {2, 1, -1})
    void stepsOnAfterAStallWhenTheCheckpointHoldsNoNewerEpoch(long checkpointEpoch) {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);
        io.checkpointEpoch = checkpointEpoch;

        assertEquals(Primary.State.RUNNING, p.doWork(clock.at(1500 * MS), true));

        assertEquals(1, io.checkpointEpochReads);
        assertEquals(2, task.steps());
    }

    @Test
    void failsWithoutReplicatingAStepWhoseAcceptanceTestFails() {
        Primary p = primary(START);
        task.behaviour = last -> {
            if (last.step() == 11) {
                throw new AcceptanceTestFailedException("12 is not what was expected");
            }
            return Snapshot.ofStep(last.step() + 1);
        };
        p.doWork(clock.at(0), true);
        io.drain();

        assertEquals(Primary.State.FAILED, p.doWork(clock.at(STEP_NS), true));

        assertEquals(List.of(), io.events);
        assertEquals(11, p.current().snapshot().step());
        assertTrue(p.reason().contains("acceptance test failed at step 12: 12 is not what was expected"),
                p.reason());
        p.doWork(clock.at(2 * STEP_NS), true);
        assertEquals(2, task.steps(), "a failed primary does not try again");
        assertEquals(List.of(), io.events);
        assertFalse(p.outputLost(), "a plain failed acceptance test is not a lost output");
    }

    @Test
    void aStepWhoseOutputIsLostFailsAndSaysSoForTheOutputLostEnding() {
        Primary p = primary(START);
        task.behaviour = last -> {
            throw new OutputLostException("stdout did not take number " + (last.step() + 1));
        };

        assertEquals(Primary.State.FAILED, p.doWork(clock.at(0), true));

        assertTrue(p.outputLost(), "the pair's loop ends with OUTPUT_LOST on this, not ACCEPTANCE_TEST_FAILED");
        assertTrue(p.reason().contains("acceptance test failed at step 11: stdout did not take number 11"),
                p.reason());
        assertEquals(List.of(), io.events);
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 0, 2, 1000})
    void failsWithoutReplicatingWhenTheTaskReturnsTheWrongStep(long offset) {
        Primary p = primary(START);
        task.behaviour = last -> Snapshot.ofStep(last.step() + offset);

        assertEquals(Primary.State.FAILED, p.doWork(clock.at(0), true));

        assertEquals(List.of(), io.events);
        assertEquals(10, p.current().snapshot().step());
        assertTrue(p.reason().contains("returned step " + (10 + offset) + " after step 10"), p.reason());
    }

    @Test
    void stopsStepping() {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);

        p.stop(clock.at(10 * MS), "stop requested");

        assertEquals(Primary.State.STOPPED, p.state());
        assertEquals(Primary.State.STOPPED, p.doWork(clock.at(STEP_NS), true));
        assertEquals(1, task.steps());
    }

    // ---- crash loops -------------------------------------------------------------------------------------

    private static PairState inStreak(int streak) {
        return new PairState(5, 4, 10, streak, Snapshot.ofStep(10));
    }

    @Test
    void backsOffInACrashLoopUntilTheBackoffHasPassedAndAStandbyIsReady() {
        Primary p = primary(inStreak(1));
        assertEquals(Primary.State.BACKING_OFF, p.state());
        assertEquals(clock.nanoTime() + 100 * MS, p.resumeAtNs());

        assertEquals(Primary.State.BACKING_OFF, p.doWork(clock.at(0), true));
        assertEquals(Primary.State.BACKING_OFF, p.doWork(clock.at(100 * MS - 1), true));
        assertEquals(Primary.State.BACKING_OFF, p.doWork(clock.at(100 * MS), false));
        assertEquals(Primary.State.BACKING_OFF, p.doWork(clock.at(150 * MS), false));
        assertEquals(0, task.steps());
        assertEquals(List.of(), io.checkpoints());

        assertEquals(Primary.State.RUNNING, p.doWork(clock.at(160 * MS), true));
        assertEquals(1, task.steps());
        assertEquals(11, io.checkpoints().get(0).step());
        assertTrue(p.reason().contains("standby ready"), p.reason());
    }

    @Test
    void sendsHeartbeatsWithTheHeldStateWhileBackingOff() {
        Primary p = primary(inStreak(3));
        for (long t = 0; t < 400 * MS; t += 10 * MS) {
            p.doWork(clock.at(t), false);
        }

        assertEquals(4, io.heartbeats().size());
        assertTrue(io.heartbeats().stream().allMatch(e -> e.state().equals(inStreak(3))), io.events.toString());
        assertEquals(List.of(), io.checkpoints());
    }

    @Test
    void stepsWithoutAStandbyOnceTheMaxStandbyWaitHasPassed() {
        Primary p = primary(inStreak(1));
        for (long t = 0; t < StandbyKeeper.ATTACH_TIMEOUT_NS; t += 100 * MS) {
            assertEquals(Primary.State.BACKING_OFF, p.doWork(clock.at(t), false), "at " + t / MS + " ms");
        }
        assertEquals(Primary.State.BACKING_OFF, p.doWork(clock.at(StandbyKeeper.ATTACH_TIMEOUT_NS - 1), false));
        assertEquals(0, task.steps());

        assertEquals(Primary.State.RUNNING, p.doWork(clock.at(StandbyKeeper.ATTACH_TIMEOUT_NS), false));
        assertEquals(1, task.steps());
        assertTrue(p.reason().contains("no standby"), p.reason());
    }

    @Test
    void theCrashLoopBackoffDoublesPerStreakAndIsCapped() {
        assertEquals(100 * MS, Primary.crashLoopBackoffNs(1));
        assertEquals(200 * MS, Primary.crashLoopBackoffNs(2));
        assertEquals(400 * MS, Primary.crashLoopBackoffNs(3));
        assertEquals(6400 * MS, Primary.crashLoopBackoffNs(7));
        assertEquals(Primary.CRASH_LOOP_MAX_BACKOFF_NS, Primary.crashLoopBackoffNs(8));
        assertEquals(Primary.CRASH_LOOP_MAX_BACKOFF_NS, Primary.crashLoopBackoffNs(21));
        assertEquals(Primary.CRASH_LOOP_MAX_BACKOFF_NS, Primary.crashLoopBackoffNs(64));
        assertEquals(Primary.CRASH_LOOP_MAX_BACKOFF_NS, Primary.crashLoopBackoffNs(Integer.MAX_VALUE));
    }

    @Test
    void aLongStreakWaitsTheCappedBackoff() {
        Primary p = primary(inStreak(40));

        assertEquals(clock.nanoTime() + Primary.CRASH_LOOP_MAX_BACKOFF_NS, p.resumeAtNs());
        assertEquals(Primary.State.BACKING_OFF, p.doWork(clock.at(Primary.CRASH_LOOP_MAX_BACKOFF_NS - 1), true));
        assertEquals(Primary.State.RUNNING, p.doWork(clock.at(Primary.CRASH_LOOP_MAX_BACKOFF_NS), true));
    }

    @Test
    void canBeStoppedWhileBackingOff() {
        Primary p = primary(inStreak(1));

        p.stop(clock.at(0), "stop requested");

        assertEquals(Primary.State.STOPPED, p.doWork(clock.at(STEP_NS), true));
        assertEquals(0, task.steps());
    }

    // ---- when to wake -------------------------------------------------------------------------------------

    @Test
    void wakesForTheNextHeartbeatOrStepWhicheverComesFirst() {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);
        assertEquals(clock.at(100 * MS), p.nextWakeNs());

        p.doWork(clock.at(950 * MS), true);
        assertEquals(clock.at(STEP_NS), p.nextWakeNs());
    }

    @Test
    void waitsForAStandbyWithoutSpinningOnceTheBackoffIsOver() {
        FakeClock c = new FakeClock(1_000_000_000L);
        Primary p = new Primary(task, io, inStreak(1), STEP_NS, HEARTBEAT_NS, TAKEOVER_NS, c.nanoTime());
        p.doWork(c.nanoTime(), false);

        long now = c.advance(150 * MS);
        p.doWork(now, false);

        assertEquals(Primary.State.BACKING_OFF, p.state());
        assertTrue(p.nextWakeNs() - now > 0, "next wake " + (p.nextWakeNs() - now) / MS + " ms from now");
    }

    @Test
    void wakesForTheNextHeartbeatWhileBackingOffAcrossTheWrapOfTheClock() {
        FakeClock nearWrap = new FakeClock(Long.MAX_VALUE - 150 * MS);
        Primary p = new Primary(task, io, inStreak(2), STEP_NS, HEARTBEAT_NS, TAKEOVER_NS, nearWrap.nanoTime());

        p.doWork(nearWrap.nanoTime(), false);

        assertEquals(100 * MS, p.nextWakeNs() - nearWrap.nanoTime(), "the heartbeat is due before the backoff ends");
    }

    // ---- steps on the task's own thread -------------------------------------------------------------------

    /** Steps that start when the primary asks and end when the test says, as on the member's step thread. */
    private static final class LateSteps implements Primary.Steps {
        final List<Snapshot> begun = new ArrayList<>();

        @Override
        public void begin(Snapshot last) {
            begun.add(last);
        }
    }

    private Primary primaryWithLateSteps(LateSteps steps, long stepTimeoutNs) {
        return new Primary(task, io, steps, stepTimeoutNs, START, STEP_NS, HEARTBEAT_NS, TAKEOVER_NS,
                clock.nanoTime());
    }

    @Test
    void keepsSendingHeartbeatsWhileALongStepRunsAndReplicatesItWhenItReturns() {
        LateSteps steps = new LateSteps();
        Primary p = primaryWithLateSteps(steps, 10 * STEP_NS);
        assertEquals(Primary.State.STEPPING, p.doWork(clock.at(0), true));
        assertEquals(List.of(Snapshot.ofStep(10)), steps.begun);
        for (long t = 0; t <= 2000 * MS; t += 50 * MS) {
            p.doWork(clock.at(t), true);
        }
        assertEquals(21, io.heartbeats().size(), "a heartbeat every 100 ms for the 2 s the step took");
        assertTrue(io.heartbeats().stream().allMatch(h -> h.step() == 10), "none carries the unfinished step");

        p.onStepDone(Snapshot.ofStep(11), null, clock.at(2000 * MS));

        assertEquals(Primary.State.RUNNING, p.state());
        assertEquals(11, p.current().snapshot().step());
        assertEquals(List.of(checkpoint(11), heartbeat(22, 11)), io.events.subList(21, 23));
        assertEquals(1, steps.begun.size(), "one step at a time");
    }

    @Test
    void aStepThatDoesNotReturnWithinTheStepTimeoutFails() {
        LateSteps steps = new LateSteps();
        Primary p = primaryWithLateSteps(steps, 3 * STEP_NS);
        p.doWork(clock.at(0), true);
        for (long t = 50 * MS; t < 3 * STEP_NS; t += 50 * MS) {
            p.doWork(clock.at(t), true);
        }

        assertEquals(Primary.State.STEPPING, p.doWork(clock.at(3 * STEP_NS - 1), true));
        assertEquals(Primary.State.FAILED, p.doWork(clock.at(3 * STEP_NS), true));
        assertTrue(p.reason().contains("step 11 did not return within 3000 ms"), p.reason());

        p.onStepDone(Snapshot.ofStep(11), null, clock.at(4 * STEP_NS));
        assertEquals(Primary.State.FAILED, p.state(), "a late result is not replicated");
        assertTrue(io.checkpoints().isEmpty());
    }

    @Test
    void aPauseOfTheWholeMemberLongerThanTheStepTimeoutDoesNotFailTheStepUnderWay() {
        LateSteps steps = new LateSteps();
        Primary p = primaryWithLateSteps(steps, 3 * STEP_NS);
        p.doWork(clock.at(0), true);
        p.doWork(clock.at(50 * MS), true);

        // SIGSTOP for 12 s, then SIGCONT: the loop's first pass finds the step still under way, as the step thread
        // did not run either. It gets the step timeout anew.
        assertEquals(Primary.State.STEPPING, p.doWork(clock.at(12_050 * MS), true));
        p.onStepDone(Snapshot.ofStep(11), null, clock.at(12_060 * MS));
        assertEquals(Primary.State.RUNNING, p.state());
        assertEquals(11, p.current().snapshot().step());
    }

    @Test
    void aStepStillHungAStepTimeoutAfterAPauseFails() {
        LateSteps steps = new LateSteps();
        Primary p = primaryWithLateSteps(steps, 3 * STEP_NS);
        p.doWork(clock.at(0), true);
        p.doWork(clock.at(12_000 * MS), true);
        for (long t = 12_050 * MS; t < 15_000 * MS; t += 50 * MS) {
            assertEquals(Primary.State.STEPPING, p.doWork(clock.at(t), true));
        }
        assertEquals(Primary.State.FAILED, p.doWork(clock.at(15_000 * MS), true));
    }

    @Test
    void aHungStepBesideALoopThatStallsNowAndThenStillFails() {
        LateSteps steps = new LateSteps();
        Primary p = primaryWithLateSteps(steps, 3 * STEP_NS);
        p.doWork(clock.at(0), true);
        long t = 0;
        Primary.State state = Primary.State.STEPPING;
        // A pass every 50 ms, and every second one 300 ms late (a GC pause): only those 300 ms are forgiven.
        while (state == Primary.State.STEPPING && t < 10 * STEP_NS) {
            t += t % STEP_NS == STEP_NS - 50 * MS ? 300 * MS : 50 * MS;
            state = p.doWork(clock.at(t), true);
        }
        assertEquals(Primary.State.FAILED, state);
        assertTrue(t <= 3 * STEP_NS + 4 * 300 * MS, "failed at " + t / MS + " ms");
    }

    @ParameterizedTest
    @ValueSource(strings = {"java.lang.IllegalArgumentException", "java.lang.NullPointerException",
        "java.lang.StackOverflowError", "phoenix.pair.AcceptanceTestFailedException"})
    void anyExceptionFromAStepFailsItsAcceptanceTest(String type) throws Exception {
        Throwable thrown = (Throwable) Class.forName(type).getConstructor(String.class).newInstance("bad");
        task.behaviour = last -> {
            if (thrown instanceof RuntimeException) {
                throw (RuntimeException) thrown;
            }
            throw (Error) thrown;
        };
        Primary p = primary(START);

        assertEquals(Primary.State.FAILED, p.doWork(clock.at(0), true));
        assertTrue(p.reason().contains("at step 11: bad"), p.reason());
        assertTrue(io.events.isEmpty(), "nothing replicated: " + io.events);
    }

    @Test
    void aStopDuringAStepWaitsForItAndReplicatesItsNumber() {
        LateSteps steps = new LateSteps();
        Primary p = primaryWithLateSteps(steps, 10 * STEP_NS);
        p.doWork(clock.at(0), true);

        p.stop(clock.at(10 * MS), "stop requested");
        assertEquals(Primary.State.STEPPING, p.state(), "the number under way is printed: it must be replicated");
        p.onStepDone(Snapshot.ofStep(11), null, clock.at(20 * MS));

        assertEquals(Primary.State.STOPPED, p.state());
        assertEquals(List.of(checkpoint(11), heartbeat(1, 11)), io.events);
        assertEquals(Primary.State.STOPPED, p.doWork(clock.at(STEP_NS), true));
        assertEquals(1, steps.begun.size());
    }

    @Test
    void aFenceDuringAStepKeepsItsResultFromBeingReplicated() {
        LateSteps steps = new LateSteps();
        Primary p = primaryWithLateSteps(steps, 10 * STEP_NS);
        p.doWork(clock.at(0), true);

        p.onFence(START.epoch() + 1, 99, clock.at(10 * MS));
        p.onStepDone(Snapshot.ofStep(11), null, clock.at(20 * MS));

        assertEquals(Primary.State.FENCED, p.state());
        assertTrue(io.checkpoints().isEmpty());
    }

    @Test
    void aStepNotBegunForItsLeaseWaitsForTheLeaseAndBeginsTheSameStepOnceItIsConfirmed() {
        LateSteps steps = new LateSteps();
        Primary p = primaryWithLateSteps(steps, 10 * STEP_NS);
        assertEquals(Primary.State.STEPPING, p.doWork(clock.at(0), true));
        io.mayStep = false;

        p.onStepNotBegun(clock.at(10 * MS));
        assertEquals(Primary.State.RUNNING, p.state(), "no failure, no fence: it waits");
        for (long t = 10 * MS; t <= 2 * STEP_NS; t += 10 * MS) {
            assertEquals(Primary.State.RUNNING, p.doWork(clock.at(t), true));
            assertTrue(p.nextWakeNs() - clock.nanoTime() <= Primary.LEASE_RECHECK_NS, "looks again soon at " + t);
        }
        assertEquals(1, steps.begun.size(), "nothing handed over while the lease is unconfirmed");
        assertTrue(io.checkpoints().isEmpty(), "nothing counted");
        assertTrue(io.heartbeats().size() >= 19 && io.heartbeats().stream().allMatch(h -> h.step() == 10),
                "heartbeats go on with the last step: " + io.heartbeats());

        io.mayStep = true;
        assertEquals(Primary.State.STEPPING, p.doWork(clock.at(2 * STEP_NS + 10 * MS), true));
        assertEquals(List.of(Snapshot.ofStep(10), Snapshot.ofStep(10)), steps.begun, "the same step, begun anew");
        p.onStepDone(Snapshot.ofStep(11), null, clock.at(2 * STEP_NS + 20 * MS));
        assertEquals(11, p.current().snapshot().step());
    }

    @Test
    void aStepNotBegunAfterAStopOrAFenceChangesNothingElse() {
        LateSteps steps = new LateSteps();
        Primary stopped = primaryWithLateSteps(steps, 10 * STEP_NS);
        stopped.doWork(clock.at(0), true);
        stopped.stop(clock.at(5 * MS), "stop requested");
        stopped.onStepNotBegun(clock.at(10 * MS));
        assertEquals(Primary.State.STOPPED, stopped.state(), "no step under way any more: stopped");

        Primary fenced = primaryWithLateSteps(steps, 10 * STEP_NS);
        fenced.doWork(clock.at(0), true);
        fenced.onFence(START.epoch() + 1, 99, clock.at(5 * MS));
        fenced.onStepNotBegun(clock.at(10 * MS));
        assertEquals(Primary.State.FENCED, fenced.state());
        assertTrue(io.checkpoints().isEmpty());
    }

    @Test
    void endsAtTheLargestStepNumberInsteadOfWrapping() {
        PairState last = START.withSnapshot(Snapshot.ofStep(Long.MAX_VALUE - 1));
        Primary p = new Primary(task, io, last, STEP_NS, HEARTBEAT_NS, TAKEOVER_NS, clock.at(0));

        p.doWork(clock.at(0), true);
        assertEquals(Long.MAX_VALUE, p.current().snapshot().step());
        assertEquals(Primary.State.EXHAUSTED, p.doWork(clock.at(STEP_NS), true));
        assertEquals(1, task.steps(), "no step was asked for past the largest number");
    }

    @Test
    void beginsNoStepWhileItsLeaseIsUnconfirmedButKeepsSendingHeartbeats() {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);
        assertEquals(1, task.steps());
        io.mayStep = false;
        io.drain();
        for (long t = 10 * MS; t <= 3 * STEP_NS; t += 10 * MS) {
            long now = clock.at(t);
            p.doWork(now, true);
            assertTrue(p.nextWakeNs() - now <= Primary.LEASE_RECHECK_NS || t < STEP_NS,
                    "looks again soon while the step waits on the lease, at " + t / MS + " ms");
        }
        assertEquals(1, task.steps(), "no step while the lease is unconfirmed");
        assertEquals(Primary.State.RUNNING, p.state());
        assertTrue(io.checkpoints().isEmpty(), "nothing new to checkpoint");
        assertTrue(io.heartbeats().size() >= 29, "heartbeats go on: " + io.heartbeats().size());
        assertTrue(io.heartbeats().stream().allMatch(h -> h.step() == 11), "they carry the last step");

        io.mayStep = true;
        p.doWork(clock.at(3 * STEP_NS + 10 * MS), true);
        assertEquals(2, task.steps(), "steps at once when the lease is confirmed again");
        assertEquals(12, p.current().snapshot().step());
    }

    @Test
    void beginsNoStepUntilTheLastOneIsKeptWhereAnotherHostReadsIt() {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);
        assertEquals(1, task.steps());
        io.kept = false;
        io.drain();
        for (long t = 10 * MS; t <= 3 * STEP_NS; t += 10 * MS) {
            p.doWork(clock.at(t), true);
        }
        assertEquals(1, task.steps(), "no step while step 11 is not kept: a cut-off primary prints one number more");
        assertEquals(11, io.keptAsked.get(io.keptAsked.size() - 1).snapshot().step(), "it asks about its last step");
        assertTrue(io.heartbeats().size() >= 29, "heartbeats go on: " + io.heartbeats().size());
        assertTrue(p.nextWakeNs() - clock.at(3 * STEP_NS) <= Primary.LEASE_RECHECK_NS, "it looks again soon");

        io.kept = true;
        p.doWork(clock.at(3 * STEP_NS + 10 * MS), true);
        assertEquals(2, task.steps(), "steps once it is kept");
    }

    @Test
    void endsAsFencedWhenItsLeaseIsLostForGood() {
        Primary p = primary(START);
        p.doWork(clock.at(0), true);
        p.onLeaseLost(clock.at(10 * MS));
        assertEquals(Primary.State.FENCED, p.state());
        assertTrue(p.reason().contains("session expired"), p.reason());
        p.doWork(clock.at(2 * STEP_NS), true);
        assertEquals(1, task.steps(), "no step after the lease is lost");
    }
}
