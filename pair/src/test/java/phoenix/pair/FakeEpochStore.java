package phoenix.pair;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An {@link EpochStore} in memory, with the state directory's rules (a record per epoch, the base, the newest
 * count), for unit tests of the code that claims, fences and reads. Handles made by {@link #another()} share
 * one store, as members share a directory; every call is recorded in order ({@link #calls()}), so that a test
 * can check what a takeover did first.
 */
final class FakeEpochStore implements EpochStore {
    /** What the handles of one store share. */
    private static final class Shared {
        final TreeMap<Long, PairState> records = new TreeMap<>();
        final List<String> calls = new ArrayList<>();
        boolean stopped;
        String name;
        int failingWrites;
        long refusingAs;
    }

    private final Shared shared;

    FakeEpochStore() {
        this(new Shared());
    }

    private FakeEpochStore(Shared shared) {
        this.shared = shared;
    }

    /** @return another handle on the same store */
    FakeEpochStore another() {
        return new FakeEpochStore(shared);
    }

    /**
     * @return the calls made through every handle so far, such as {@code claim 3}, {@code read takeover} or
     *     {@code stopped?}
     */
    List<String> calls() {
        synchronized (shared) {
            return List.copyOf(shared.calls);
        }
    }

    @Override
    public boolean claimEpoch(PairState state) {
        synchronized (shared) {
            shared.calls.add("claim " + state.epoch());
            return shared.records.putIfAbsent(state.epoch(), state) == null;
        }
    }

    @Override
    public long maxCheckpointEpoch() {
        synchronized (shared) {
            shared.calls.add("max");
            return shared.records.isEmpty() ? 0 : shared.records.lastKey();
        }
    }

    @Override
    public long baseAt(long epoch) {
        synchronized (shared) {
            shared.calls.add("base " + epoch);
            PairState s = shared.records.get(epoch);
            return s == null ? 0 : s.base();
        }
    }

    @Override
    public Optional<PairState> readCheckpoint(boolean takeover) {
        synchronized (shared) {
            shared.calls.add(takeover ? "read takeover" : "read");
            if (shared.records.isEmpty()) {
                return Optional.empty();
            }
            long base = shared.records.lastEntry().getValue().base();
            PairState newest = null;
            for (Map.Entry<Long, PairState> e : shared.records.tailMap(base, true).entrySet()) {
                newest = newest == null ? e.getValue() : PairState.newest(newest, e.getValue());
            }
            return Optional.ofNullable(newest).map(n -> n.withBase(base));
        }
    }

    @Override
    public void writeCheckpoint(PairState state) throws java.io.IOException {
        synchronized (shared) {
            shared.calls.add("write " + state.epoch());
            if (shared.failingWrites > 0) {
                shared.failingWrites--;
                throw new java.io.IOException("not answered");
            }
            if (shared.refusingAs > state.epoch()) {
                throw new StaleEpochException("holds epoch " + shared.refusingAs, shared.refusingAs);
            }
            shared.records.put(state.epoch(), state);
        }
    }

    /** Makes the next {@code n} checkpoint writes fail, as a coordinator out of reach does. */
    void failWrites(int n) {
        synchronized (shared) {
            shared.failingWrites = n;
        }
    }

    /** Makes every later write of an epoch below {@code epoch} fail as stale, as a coordinator that holds it does. */
    void refuseWritesBelow(long epoch) {
        synchronized (shared) {
            shared.refusingAs = epoch;
        }
    }

    /** @return the record of {@code epoch}, or null */
    PairState record(long epoch) {
        synchronized (shared) {
            return shared.records.get(epoch);
        }
    }

    @Override
    public void deleteCheckpointsBefore(long epoch) {
        synchronized (shared) {
            shared.calls.add("delete before " + epoch);
            shared.records.headMap(epoch).clear();
        }
    }

    @Override
    public void markStopped() {
        synchronized (shared) {
            shared.stopped = true;
        }
    }

    @Override
    public boolean isStopped() {
        synchronized (shared) {
            shared.calls.add("stopped?");
            return shared.stopped;
        }
    }

    @Override
    public void clearStopped() {
        synchronized (shared) {
            shared.stopped = false;
        }
    }

    @Override
    public void claimName(String name) {
        synchronized (shared) {
            if (shared.name != null && !shared.name.equals(name)) {
                throw new PairException("the fake store holds pair '" + shared.name + "', not '" + name + "'");
            }
            shared.name = name;
        }
    }

    @Override
    public Optional<String> pairName() {
        synchronized (shared) {
            return Optional.ofNullable(shared.name);
        }
    }

    @Override
    public String where() {
        return "memory";
    }

    @Override
    public String recordOf(long epoch) {
        return "memory epoch " + epoch;
    }
}
