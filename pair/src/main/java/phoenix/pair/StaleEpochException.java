package phoenix.pair;

import java.io.IOException;

/**
 * A checkpoint write refused because the store holds a newer epoch's checkpoint: the writer has been fenced by
 * a member that took over. Nothing was written.
 */
final class StaleEpochException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long storedEpoch;

    StaleEpochException(String message, long storedEpoch) {
        super(message);
        this.storedEpoch = storedEpoch;
    }

    /** @return the newer epoch the store holds */
    long storedEpoch() {
        return storedEpoch;
    }
}
