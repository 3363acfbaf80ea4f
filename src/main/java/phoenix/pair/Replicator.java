package phoenix.pair;

/**
 * Replicates a {@link PairService}'s state from the primary to its standby. Each call replicates the whole
 * state (a snapshot of at most {@link #MAX_STATE_BYTES} bytes) and gives it the next version; the standby applies
 * versions in order and a takeover starts from the newest one it holds. Thread-safe: calls from many threads are
 * ordered by the version each one is given.
 *
 * <p>Since the newest version wins, it must carry the newest state: a service whose threads change one state
 * gives each snapshot its version in the order it made them (make the snapshot and call under the lock that
 * orders the changes). Synchronous calls that overlap are answered together by one acknowledgement.
 */
public interface Replicator {
    /** The largest state one call can replicate: 1 MiB. */
    int MAX_STATE_BYTES = 1 << 20;

    /**
     * Replicates {@code state} and returns once the standby holds it (or a newer version): a service that
     * answers a client after this returned never loses that answer through a takeover. With no standby ready
     * (right after a takeover, while a new one starts) it waits for one, at most the pair's attach timeout.
     *
     * @param state the service's whole state
     * @return the version given to {@code state}
     * @throws NotReplicatedException when no standby holds it in time, or this member is no longer the primary;
     *     the caller must not acknowledge the change to anyone
     * @throws IllegalArgumentException when {@code state} is larger than {@link #MAX_STATE_BYTES}
     */
    long replicate(byte[] state) throws NotReplicatedException;

    /**
     * Replicates {@code state} without waiting: returns its version at once. A takeover may lose the newest
     * versions replicated this way (those the standby had not received), never an older one after a newer.
     *
     * @param state the service's whole state
     * @return the version given to {@code state}
     * @throws NotReplicatedException when this member is no longer the primary
     * @throws IllegalArgumentException when {@code state} is larger than {@link #MAX_STATE_BYTES}
     */
    long replicateAsync(byte[] state) throws NotReplicatedException;
}
