package phoenix.pair;

/**
 * A failed acceptance test of a particular kind: the task's output is gone (a closed pipe or terminal). When
 * the standby writes to the same place, as a standby in the background does, failing over would fail again at
 * once, so the pair ends instead, with the last step kept in the checkpoint.
 */
public final class OutputLostException extends AcceptanceTestFailedException {
    private static final long serialVersionUID = 1L;

    /**
     * The output is gone.
     *
     * @param message what could not be written, and where
     */
    public OutputLostException(String message) {
        super(message);
    }
}
