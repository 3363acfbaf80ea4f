package phoenix.pair;

/**
 * An event-driven program that a process pair protects: a service that runs in the primary and replicates its
 * state whenever that changes, from any thread, instead of stepping on a timer like a {@link PairTask}.
 *
 * <p>The library calls {@link #start} once on the member that becomes the primary, with the last state the
 * standby held, and {@link #stop} once when that member stops being the primary: it hands over on a signal, is
 * stopped, is fenced by a newer primary, or fails; on a hand-over and a stop, before its standby can take over.
 * Neither is called on a standby. A pair started when no member runs starts the service from {@link
 * Replica#INITIAL}: the states live in the members' memory, not in the state directory, so a service pair keeps
 * no state across the loss of both members (its versions still go on above the last one the directory knows).
 */
public interface PairService {
    /**
     * Starts serving from {@code from}. Returns once the service runs (it serves on its own threads); a service
     * that cannot start throws, and the pair handles that as a failed acceptance test (the member ends, and a
     * start that keeps failing is backed off and ends the pair as a crash loop). It runs on the library's step
     * thread and must return within {@link PairConfig#stepTimeout()}; it may replicate already.
     *
     * @param from the last replicated state: its version and bytes; {@link Replica#INITIAL} for a new pair
     * @param replicator replicates this service's state to the standby; thread-safe
     * @throws Exception when the service cannot start
     */
    void start(Replica from, Replicator replicator) throws Exception;

    /**
     * Stops serving, at once: after it returns nothing this service does may reach a client, since another
     * member may already serve. The replicator is closed just before it is called: calls waiting in it, and
     * every later call, fail with {@link NotReplicatedException}. Called on the library's loop thread, also when
     * {@link #start} threw (it may have begun to serve).
     */
    void stop();
}
