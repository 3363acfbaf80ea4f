package phoenix.pair;

/**
 * A pair cannot start or be reached: bad configuration, a port or state directory that cannot be used, a
 * pair of the same name already running. The message says what was wrong and what to do.
 */
public class PairException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An error whose message names the values involved.
     *
     * @param message one line: what was wrong and what to do about it
     */
    public PairException(String message) {
        super(message);
    }

    /**
     * An error with its cause.
     *
     * @param message one line: what was wrong and what to do about it
     * @param cause the underlying error
     */
    public PairException(String message, Throwable cause) {
        super(message, cause);
    }
}
