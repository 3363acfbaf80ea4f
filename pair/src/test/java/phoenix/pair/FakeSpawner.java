package phoenix.pair;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Spawns {@link FakeSpawned} processes with pids from 9001 up, and records what the keeper says about them. */
final class FakeSpawner implements StandbyKeeper.Spawner {
    final List<FakeSpawned> spawned = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    final List<Long> killedPids = new ArrayList<>();
    /** When set, the next spawns throw it. */
    IOException cannotStart;
    private long nextPid = 9001;

    @Override
    public StandbyKeeper.Spawned spawn() throws IOException {
        if (cannotStart != null) {
            throw cannotStart;
        }
        FakeSpawned s = new FakeSpawned(nextPid++);
        spawned.add(s);
        return s;
    }

    @Override
    public void failed(StandbyKeeper.Spawned s, String why) {
        failures.add((s == null ? "not started" : String.valueOf(s.pid())) + ": " + why);
    }

    @Override
    public void kill(long standbyPid) {
        killedPids.add(standbyPid);
    }

    /** The processes not spawned here that the keeper asked about by pid (spares), by pid. */
    final java.util.Map<Long, FakeSpawned> existing = new java.util.HashMap<>();

    @Override
    public StandbyKeeper.Spawned existing(long pid) {
        return existing.computeIfAbsent(pid, FakeSpawned::new);
    }

    FakeSpawned last() {
        return spawned.get(spawned.size() - 1);
    }

    /** A process that is not real: it fails to start or is killed when a test says so. */
    static final class FakeSpawned implements StandbyKeeper.Spawned {
        private final long pid;
        boolean failedToStart;
        int kills;

        FakeSpawned(long pid) {
            this.pid = pid;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public boolean failedToStart() {
            return failedToStart;
        }

        @Override
        public void kill() {
            kills++;
        }
    }
}
