package phoenix.pair;

import java.util.Arrays;

/**
 * The state a pair replicates from its primary to its standby: the number of the last step the primary
 * completed, and up to {@link #MAX_DATA_BYTES} bytes the task chooses to carry with it.
 *
 * <p>Every heartbeat carries the primary's latest snapshot, and so does the checkpoint in the state
 * directory. A promoted standby resumes from the newest snapshot it holds.
 */
public final class Snapshot {
    /** The most task data one snapshot can carry; it has to fit in one heartbeat datagram. */
    public static final int MAX_DATA_BYTES = 512;

    /** The snapshot of a task that has not done anything yet. */
    public static final Snapshot INITIAL = new Snapshot(0, new byte[0]);

    private final long step;
    private final byte[] data;

    /**
     * A snapshot after {@code step} completed steps.
     *
     * @param step the number of the last completed step, 0 before the first
     * @param data what the task needs besides the step number to resume; at most {@link #MAX_DATA_BYTES}
     */
    public Snapshot(long step, byte[] data) {
        if (step < 0) {
            throw new IllegalArgumentException("step must not be negative, was " + step);
        }
        if (data.length > MAX_DATA_BYTES) {
            throw new IllegalArgumentException(
                    "snapshot data is " + data.length + " bytes; at most " + MAX_DATA_BYTES + " fit in a heartbeat");
        }
        this.step = step;
        this.data = data.clone();
    }

    /**
     * A snapshot without task data.
     *
     * @param step the number of the last completed step
     * @return the snapshot
     */
    public static Snapshot ofStep(long step) {
        return step == 0 ? INITIAL : new Snapshot(step, new byte[0]);
    }

    /** {@return the number of the last completed step, 0 before the first} */
    public long step() {
        return step;
    }

    /** {@return a copy of the task's data} */
    public byte[] data() {
        return data.clone();
    }

    int dataLength() {
        return data.length;
    }

    byte[] dataUnsafe() {
        return data;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Snapshot && ((Snapshot) o).step == step && Arrays.equals(((Snapshot) o).data, data);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(step) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Snapshot[step=" + step + ", data=" + data.length + " bytes]";
    }
}
