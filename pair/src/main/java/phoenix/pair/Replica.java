package phoenix.pair;

import java.util.Arrays;

/**
 * A replicated state of a {@link PairService}: its version (0 before the first replicate, then 1, 2, ...) and
 * its bytes.
 *
 * @param version the version the replicator gave this state
 * @param state the service's state
 */
public record Replica(long version, byte[] state) {
    /** The state of a service that has replicated nothing yet. */
    public static final Replica INITIAL = new Replica(0, new byte[0]);

    /**
     * A replica.
     *
     * @param version the version, not negative
     * @param state the bytes, at most {@link Replicator#MAX_STATE_BYTES}
     */
    public Replica {
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative, was " + version);
        }
        if (state.length > Replicator.MAX_STATE_BYTES) {
            throw new IllegalArgumentException("state is " + state.length + " bytes; at most "
                    + Replicator.MAX_STATE_BYTES + " can be replicated");
        }
        state = state.clone();
    }

    /** {@return a copy of the state's bytes} */
    @Override
    public byte[] state() {
        return state.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Replica r && r.version == version && Arrays.equals(r.state, state);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(version) * 31 + Arrays.hashCode(state);
    }

    @Override
    public String toString() {
        return "Replica[version=" + version + ", " + state.length + " bytes]";
    }
}
