package phoenix.bench;

/** A measurement that could not be made: a pair did not come up, a takeover did not happen in time. */
final class BenchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BenchException(String message) {
        super(message);
    }
}
