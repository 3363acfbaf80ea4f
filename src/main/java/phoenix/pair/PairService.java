package phoenix.pair;

/**
 * An event-driven program that a process pair protects: a service that runs in the primary and replicates its
 * state whenever that changes, from any thread, instead of stepping on a timer like a {@link PairTask}.
 *
 * <p>The library calls {@link #start} once on the member that becomes the primary, with the last state the
 * standby held (or the one kept in the state directory when both members were gone), and {@link #stop} once when
 * that member stops being the primary: it hands over, is stopped, or is fenced by a newer primary. Neither is
 * called on a standby.
 */
public interface PairService {
    /**
     * Starts serving from {@code from}. Returns once the service runs (it serves on its own threads); a service
     * that cannot start throws, and the pair handles that as a failed acceptance test.
     *
     * @param from the last replicated state: its version and bytes; {@link Replica#INITIAL} for a new pair
     * @param replicator replicates this service's state to the standby; thread-safe
     * @throws Exception when the service cannot start
     */
    void start(Replica from, Replicator replicator) throws Exception;

    /**
     * Stops serving, at once: after it returns nothing this service does may reach a client, since another
     * member may already serve. Calls to the replicator made after it fail with {@link NotReplicatedException}.
     */
    void stop();
}
