package phoenix.pair;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The primary's outside world, recorded in order: every checkpoint write and every heartbeat. */
final class FakeIo implements Primary.Io {
    /** What the primary did, in order. */
    record Event(Kind kind, long seq, PairState state) {
        long step() {
            return state.snapshot().step();
        }

        @Override
        public String toString() {
            return kind == Kind.CHECKPOINT ? "checkpoint(step " + step() + ")"
                    : "heartbeat(seq " + seq + ", step " + step() + ")";
        }
    }

    /** The two kinds of output. */
    enum Kind {
        /** A checkpoint written to the state directory. */
        CHECKPOINT,
        /** A heartbeat sent to the standby. */
        HEARTBEAT
    }

    final List<Event> events = new ArrayList<>();
    long checkpointEpoch = -1;
    int checkpointEpochReads;
    /** Whether the primary's lease is confirmed ({@link Primary.Io#mayStep}). */
    boolean mayStep = true;
    /** Whether the last step is where another host's member would read it ({@link Primary.Io#lastStepKept}). */
    boolean kept = true;
    /** The states asked about by {@link Primary.Io#lastStepKept}. */
    final List<PairState> keptAsked = new ArrayList<>();

    @Override
    public void sendHeartbeat(long seq, PairState state) {
        events.add(new Event(Kind.HEARTBEAT, seq, state));
    }

    @Override
    public void writeCheckpoint(PairState state) {
        events.add(new Event(Kind.CHECKPOINT, 0, state));
    }

    @Override
    public long checkpointEpoch() {
        checkpointEpochReads++;
        return checkpointEpoch;
    }

    @Override
    public boolean mayStep(long nowNs) {
        return mayStep;
    }

    @Override
    public boolean lastStepKept(PairState last) {
        keptAsked.add(last);
        return kept;
    }

    List<Event> heartbeats() {
        return events.stream().filter(e -> e.kind() == Kind.HEARTBEAT).collect(Collectors.toList());
    }

    List<Event> checkpoints() {
        return events.stream().filter(e -> e.kind() == Kind.CHECKPOINT).collect(Collectors.toList());
    }

    /** @return the events since the last call, and forgets them */
    List<Event> drain() {
        List<Event> out = new ArrayList<>(events);
        events.clear();
        return out;
    }
}
