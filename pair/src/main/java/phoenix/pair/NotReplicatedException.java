package phoenix.pair;

/**
 * A state was not replicated: no standby held it within the attach timeout, or this member is no longer the
 * primary. The change it carried must not be acknowledged to anyone.
 */
public final class NotReplicatedException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * An exception that says why.
     *
     * @param message why the state was not replicated
     */
    public NotReplicatedException(String message) {
        super(message);
    }
}
