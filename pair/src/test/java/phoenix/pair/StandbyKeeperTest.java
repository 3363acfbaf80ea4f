package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StandbyKeeperTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long ACK_TIMEOUT_NS = 2000 * MS;

    private final FakeClock clock = new FakeClock();
    private final FakeSpawner spawner = new FakeSpawner();
    private final StandbyKeeper keeper = new StandbyKeeper(spawner, ACK_TIMEOUT_NS, clock.nanoTime());

    private StandbyKeeper.State doWork() {
        return keeper.doWork(clock.nanoTime());
    }

    /** Spawns a standby and lets it attach and say it is ready now. */
    private long attach() {
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        long pid = spawner.last().pid();
        assertTrue(keeper.onAttached(pid, clock.nanoTime()));
        keeper.onReady(clock.nanoTime());
        return pid;
    }

    @Test
    void spawnsAStandbyAtOnceWhenUnprotected() {
        assertEquals(StandbyKeeper.State.UNPROTECTED, keeper.state());

        assertEquals(StandbyKeeper.State.SPAWNING, doWork());

        assertEquals(1, spawner.spawned.size());
        assertFalse(keeper.isProtected(clock.nanoTime()));
        clock.advanceMillis(50);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(1, spawner.spawned.size(), "one spawn at a time");
    }

    @Test
    void aPrimaryThatWasPausedWithItsStandbyDoesNotBlameTheStandby() {
        long pid = attach();
        clock.advanceMillis(4000);
        keeper.onLoopStalled(clock.nanoTime());
        assertEquals(StandbyKeeper.State.PROTECTED, doWork());
        assertEquals(List.of(), spawner.killedPids, "standby pid " + pid + " is not killed");
        clock.advance(ACK_TIMEOUT_NS);
        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork(), "a standby still silent after a whole window is");
        assertEquals(List.of(pid), spawner.killedPids);
    }

    @Test
    void aStandbyKilledForSilenceAfterItWasReadyIsReplacedAtOnceEveryTime() {
        for (int round = 0; round < 6; round++) {
            attach();
            clock.advance(ACK_TIMEOUT_NS);
            assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
            assertEquals(0, keeper.failures(), "round " + round + ": no failed spawn");
            assertEquals(StandbyKeeper.FIRST_BACKOFF_NS, keeper.backoffNs(), "round " + round + ": no backoff");
        }
    }

    @Test
    void isProtectedOnlyOnceTheAttachedStandbySaysItIsReady() {
        doWork();
        clock.advanceMillis(700);

        assertTrue(keeper.onAttached(9001, clock.nanoTime()));
        assertEquals(StandbyKeeper.State.SPAWNING, keeper.state(), "attached, still starting up");
        assertFalse(keeper.isProtected(clock.nanoTime()));
        clock.advanceMillis(30);
        keeper.onReady(clock.nanoTime());

        assertEquals(StandbyKeeper.State.PROTECTED, keeper.state());
        assertEquals(9001, keeper.standbyPid());
        assertTrue(keeper.isProtected(clock.nanoTime()));
        assertEquals(0, spawner.spawned.get(0).kills, "the attached standby's process is not killed");
        assertEquals(StandbyKeeper.State.PROTECTED, doWork());
    }

    @Test
    void backsOffDoublingUpToTheCapWhenSpawnedProcessesFailBeforeAttaching() {
        List<Long> waitsMs = new ArrayList<>();
        long lastSpawnNs = clock.nanoTime();
        doWork();
        for (int failure = 1; failure <= 12; failure++) {
            spawner.last().failedToStart = true;
            clock.advanceMillis(1);
            assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
            assertEquals(failure, keeper.failures());
            long failedNs = clock.nanoTime();
            int spawns = spawner.spawned.size();
            // Step 1 ms at a time until the next spawn.
            while (spawner.spawned.size() == spawns) {
                clock.advanceMillis(1);
                doWork();
                assertTrue(clock.nanoTime() - lastSpawnNs < 60_000 * MS, "no respawn within a minute");
            }
            waitsMs.add((clock.nanoTime() - failedNs) / MS);
            lastSpawnNs = clock.nanoTime();
        }

        assertEquals(List.of(100L, 200L, 400L, 800L, 1600L, 3200L, 6400L, 12800L, 25600L, 30000L, 30000L, 30000L),
                waitsMs);
        assertEquals(12, spawner.failures.size(), "the spawner hears of every failure: " + spawner.failures);
    }

    @Test
    void doesNotRespawnOneNanosecondBeforeTheBackoffHasPassed() {
        doWork();
        spawner.last().failedToStart = true;
        long failedNs = clock.advanceMillis(5);
        doWork();

        clock.advance(100 * MS - 1);
        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
        assertEquals(1, spawner.spawned.size());
        clock.advance(1);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(failedNs + 100 * MS, clock.nanoTime());
    }

    @Test
    void backsOffWhenTheSpawnerCannotStartAnything() {
        spawner.cannotStart = new IOException("xterm: not found");

        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
        assertEquals(1, keeper.failures());

        spawner.cannotStart = null;
        clock.advance(100 * MS - 1);
        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
        clock.advance(1);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
    }

    @Test
    void killsASpawnedProcessThatDoesNotAttachInTime() {
        doWork();
        FakeSpawner.FakeSpawned s = spawner.last();

        clock.advance(StandbyKeeper.ATTACH_TIMEOUT_NS - 1);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(0, s.kills);

        clock.advance(1);
        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
        assertEquals(1, s.kills);
        assertEquals(1, keeper.failures());
        assertEquals(1, spawner.failures.size());
        assertTrue(spawner.failures.get(0).contains("no standby was ready within 20 s"), spawner.failures.toString());
    }

    @Test
    void aStandbyThatDiesBeforeItIsReadyCountsAsAFailedSpawn() {
        doWork();
        assertTrue(keeper.onAttached(9001, clock.nanoTime()));

        keeper.onDetached(clock.advanceMillis(40), "watch connection closed");

        assertEquals(StandbyKeeper.State.UNPROTECTED, keeper.state());
        assertEquals(1, keeper.failures());
        assertEquals(0, keeper.standbyPid());
        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork(), "the backoff holds the next spawn");
        clock.advance(StandbyKeeper.FIRST_BACKOFF_NS);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
    }

    @Test
    void refusesASecondStandbyWhileTheFirstIsStartingUp() {
        doWork();
        assertTrue(keeper.onAttached(9001, clock.nanoTime()));

        assertFalse(keeper.onAttached(9002, clock.nanoTime()));

        assertEquals(9001, keeper.standbyPid());
    }

    @Test
    void refusesASecondStandbyWhileProtected() {
        long first = attach();

        assertFalse(keeper.onAttached(first + 1, clock.nanoTime()));

        assertEquals(StandbyKeeper.State.PROTECTED, keeper.state());
        assertEquals(first, keeper.standbyPid());
    }

    @Test
    void acceptsAStandbyNobodySpawnedWhileUnprotected() {
        spawner.cannotStart = new IOException("no terminal");
        doWork();

        assertTrue(keeper.onAttached(777, clock.advanceMillis(10)));
        keeper.onReady(clock.nanoTime());

        assertEquals(StandbyKeeper.State.PROTECTED, keeper.state());
        assertEquals(777, keeper.standbyPid());
    }

    @Test
    void countsAStandbyThatDiesSoonAfterItWasReadyAsAFailedSpawn() {
        attach();
        clock.advance(StandbyKeeper.HEALTHY_NS - 1);

        keeper.onDetached(clock.nanoTime(), "watch connection closed");

        assertEquals(StandbyKeeper.State.UNPROTECTED, keeper.state());
        assertEquals(1, keeper.failures());
        assertEquals(0, keeper.standbyPid());
        clock.advance(100 * MS - 1);
        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
        clock.advance(1);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(200 * MS, keeper.backoffNs(), "the next failure waits longer");
    }

    @Test
    void respawnsAtOnceWithAFreshBackoffWhenAHealthyStandbyDies() {
        // Two failed spawns first, so that the reset of the backoff shows.
        doWork();
        spawner.last().failedToStart = true;
        doWork();
        clock.advanceMillis(100);
        doWork();
        spawner.last().failedToStart = true;
        doWork();
        clock.advanceMillis(200);
        assertEquals(400 * MS, keeper.backoffNs());
        attach();

        clock.advance(StandbyKeeper.HEALTHY_NS);
        keeper.onAck(clock.nanoTime());
        keeper.onDetached(clock.nanoTime(), "watch connection closed");

        assertEquals(0, keeper.failures());
        assertEquals(StandbyKeeper.FIRST_BACKOFF_NS, keeper.backoffNs());
        int spawns = spawner.spawned.size();
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(spawns + 1, spawner.spawned.size());
    }

    @Test
    void ignoresADetachWhenNoStandbyIsAttached() {
        doWork();

        keeper.onDetached(clock.nanoTime(), "a stray connection closed");

        assertEquals(StandbyKeeper.State.SPAWNING, keeper.state());
        assertEquals(0, keeper.failures());
    }

    @Test
    void isNotProtectedOnceTheStandbyStopsAcknowledging() {
        attach();
        clock.advanceMillis(1500);
        keeper.onAck(clock.nanoTime());

        clock.advance(ACK_TIMEOUT_NS - 1);
        assertTrue(keeper.isProtected(clock.nanoTime()));
        clock.advance(1);
        assertFalse(keeper.isProtected(clock.nanoTime()));
        assertEquals(StandbyKeeper.State.PROTECTED, keeper.state(), "until the next pass");
    }

    @Test
    void killsAStandbyThatStopsAcknowledgingAndSpawnsAnother() {
        doWork();
        assertTrue(keeper.onAttached(4242, clock.nanoTime()));
        keeper.onReady(clock.nanoTime());
        clock.advanceMillis(500);
        keeper.onAck(clock.nanoTime());

        clock.advance(ACK_TIMEOUT_NS - 1);
        assertEquals(StandbyKeeper.State.PROTECTED, doWork());
        assertEquals(List.of(), spawner.killedPids);
        clock.advance(1);
        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
        assertEquals(List.of(4242L), spawner.killedPids, "the hung standby was killed by pid");
        assertEquals(0, keeper.failures(), "it had been ready for a whole acknowledgement window: not a failed spawn");
        assertEquals(StandbyKeeper.State.SPAWNING, doWork(), "the next one is spawned at once");
    }

    @Test
    void killsASpawnInFlightWhenStopped() {
        doWork();
        FakeSpawner.FakeSpawned s = spawner.last();

        keeper.stop(clock.nanoTime());

        assertEquals(StandbyKeeper.State.STOPPING, keeper.state());
        assertEquals(1, s.kills);
        clock.advance(StandbyKeeper.ATTACH_TIMEOUT_NS);
        assertEquals(StandbyKeeper.State.STOPPING, doWork());
        assertEquals(1, spawner.spawned.size(), "no spawn while stopping");
        assertEquals(1, s.kills);
        assertFalse(keeper.onAttached(s.pid(), clock.nanoTime()), "no standby attaches while stopping");
    }

    @Test
    void wakesWhenTheNextSpawnIsDueOrTheAckDeadlinePasses() {
        spawner.cannotStart = new IOException("no terminal");
        doWork();
        assertEquals(clock.nanoTime() + 100 * MS, keeper.nextWakeNs(clock.nanoTime()));

        spawner.cannotStart = null;
        clock.advanceMillis(100);
        attach();
        clock.advanceMillis(300);
        long ackNs = clock.nanoTime();
        keeper.onAck(ackNs);
        assertEquals(ackNs + ACK_TIMEOUT_NS, keeper.nextWakeNs(clock.advanceMillis(50)));
    }

    @Test
    void aTakeoversKeeperWaitsForTheSpareInsteadOfSpawning() {
        keeper.expectSpare(spawner.existing(7001), true, clock.nanoTime());
        assertEquals(StandbyKeeper.State.SPAWNING, keeper.state());
        clock.advanceMillis(2000);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(List.of(), spawner.spawned, "nothing spawned while the spare attaches");

        assertTrue(keeper.onAttached(7001, clock.nanoTime()));
        keeper.onReady(clock.nanoTime());
        assertEquals(StandbyKeeper.State.PROTECTED, keeper.state());
        assertEquals(7001, keeper.standbyPid());
        assertEquals(List.of(), spawner.spawned);
    }

    @Test
    void aSpareThatDoesNotAttachInTimeIsKilledAndAStandbySpawnedWithoutGivingUpOnTheTerminal() {
        keeper.expectSpare(spawner.existing(7001), true, clock.nanoTime());
        clock.advance(StandbyKeeper.SPARE_ATTACH_TIMEOUT_NS - MS);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        clock.advance(MS);
        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
        assertEquals(1, spawner.existing.get(7001L).kills, "the late spare is killed");
        assertEquals(List.of(), spawner.failures, "a spare's failure says nothing about the way of spawning");
        clock.advance(StandbyKeeper.FIRST_BACKOFF_NS);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(1, spawner.spawned.size(), "a standby spawned instead");
    }

    @Test
    void aSpareThatEndsBeforeItAttachesMeansASpawn() {
        keeper.expectSpare(spawner.existing(7001), true, clock.nanoTime());
        spawner.existing(7001).kill();
        ((FakeSpawner.FakeSpawned) spawner.existing(7001)).failedToStart = true;
        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
        assertEquals(List.of(), spawner.failures);
        clock.advance(StandbyKeeper.FIRST_BACKOFF_NS);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
    }

    @Test
    void aSpareStillStartingAtTheTakeoverHasTheWholeAttachTimeout() {
        keeper.expectSpare(spawner.existing(7001), false, clock.nanoTime());
        clock.advance(StandbyKeeper.ATTACH_TIMEOUT_NS - MS);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(List.of(), spawner.spawned);
        clock.advance(MS);
        assertEquals(StandbyKeeper.State.UNPROTECTED, doWork());
        assertEquals(1, spawner.existing.get(7001L).kills);
    }

    @Test
    void whenTheStandbyEndsItsSpareIsWaitedForAndAnEndedSpareIsNot() {
        long first = attach();
        keeper.onSpare(7001);
        assertEquals(7001, keeper.sparePid());
        clock.advanceMillis(5000);
        keeper.onDetached(clock.nanoTime(), "standby pid " + first + " closed its watch connection");
        assertEquals(StandbyKeeper.State.SPAWNING, keeper.state(), "its spare takes its place");
        assertEquals(0, keeper.sparePid(), "the spare is the standby now, not a spare");
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(1, spawner.spawned.size(), "only the first standby was spawned");
        assertTrue(keeper.onAttached(7001, clock.nanoTime()));
        keeper.onReady(clock.nanoTime());
        assertEquals(StandbyKeeper.State.PROTECTED, keeper.state());

        // The new standby's spare has ended by the time the standby does: a standby is spawned.
        keeper.onSpare(7002);
        ((FakeSpawner.FakeSpawned) spawner.existing(7002)).failedToStart = true;
        clock.advanceMillis(5000);
        keeper.onDetached(clock.nanoTime(), "standby pid 7001 closed its watch connection");
        assertEquals(StandbyKeeper.State.UNPROTECTED, keeper.state());
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(2, spawner.spawned.size());

        // A standby that says its spare is gone (SPARE 0): none is waited for.
        assertTrue(keeper.onAttached(spawner.last().pid(), clock.nanoTime()));
        keeper.onReady(clock.nanoTime());
        keeper.onSpare(7003);
        keeper.onSpare(0);
        clock.advanceMillis(5000);
        keeper.onDetached(clock.nanoTime(), "closed");
        assertEquals(StandbyKeeper.State.UNPROTECTED, keeper.state());
    }

    @Test
    void aHungStandbyKilledForSilenceIsReplacedByItsSpare() {
        attach();
        keeper.onSpare(7001);
        clock.advance(ACK_TIMEOUT_NS);
        assertEquals(StandbyKeeper.State.SPAWNING, doWork());
        assertEquals(1, spawner.killedPids.size(), "the hung standby is killed");
        assertTrue(keeper.onAttached(7001, clock.nanoTime()));
        keeper.onReady(clock.nanoTime());
        assertEquals(StandbyKeeper.State.PROTECTED, keeper.state());
    }

    @Test
    void aSparesKeeperKeepsOneSpareAndSpawnsTheNextWhenItEnds() {
        FakeSpawner spares = new FakeSpawner();
        StandbyKeeper k = StandbyKeeper.forSpare(spares, clock.nanoTime());
        assertEquals(StandbyKeeper.State.SPAWNING, k.doWork(clock.nanoTime()));
        long pid = spares.last().pid();
        assertTrue(k.onAttached(pid, clock.nanoTime()));
        k.onReady(clock.nanoTime());
        for (int i = 0; i < 100; i++) {
            clock.advanceMillis(100);
            k.onAck(clock.nanoTime());
            assertEquals(StandbyKeeper.State.PROTECTED, k.doWork(clock.nanoTime()), "alive while connected");
        }
        k.onDetached(clock.nanoTime(), "spare pid " + pid + " closed its connection");
        assertEquals(StandbyKeeper.State.UNPROTECTED, k.state());
        assertEquals(StandbyKeeper.State.SPAWNING, k.doWork(clock.nanoTime()), "a healthy spare's end: at once");
        assertEquals(2, spares.spawned.size());
        assertTrue(k.onAttached(pid + 100, clock.nanoTime()), "the new spare attaches");
        assertFalse(k.onAttached(pid + 101, clock.nanoTime()), "one spare at a time");
    }
}
