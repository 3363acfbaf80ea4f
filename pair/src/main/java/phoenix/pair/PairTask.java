package phoenix.pair;

/**
 * The work a process pair protects. Only the primary calls it, from one thread, one step at a time.
 *
 * <p>A step either completes, and its snapshot is replicated before the next step starts, or it fails its
 * acceptance test by throwing {@link AcceptanceTestFailedException}: the primary then ends itself without
 * replicating anything, so that the standby takes over from the last snapshot that passed.
 */
public interface PairTask {
    /**
     * Called once on a new primary before its first step.
     *
     * @param from the snapshot to continue from: the last one replicated, or {@link Snapshot#INITIAL}
     */
    void resume(Snapshot from);

    /**
     * Does the next unit of work, checks that it succeeded, and returns the state to replicate.
     *
     * @param last the snapshot of the last completed step
     * @return the snapshot after this step; its step number must be {@code last.step() + 1}
     * @throws AcceptanceTestFailedException when the step's result is not sound; the primary ends itself
     */
    Snapshot step(Snapshot last);
}
