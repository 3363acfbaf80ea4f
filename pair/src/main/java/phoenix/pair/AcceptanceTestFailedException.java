package phoenix.pair;

/**
 * Thrown by a {@link PairTask} whose step did not pass its acceptance test. The primary ends itself
 * instead of repairing anything, so that the standby restarts the work from the last sound snapshot.
 */
public class AcceptanceTestFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A failed acceptance test.
     *
     * @param message what was checked and what was found, with the values
     */
    public AcceptanceTestFailedException(String message) {
        super(message);
    }
}
