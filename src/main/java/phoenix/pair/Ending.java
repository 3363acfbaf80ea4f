package phoenix.pair;

/** How a member of a pair ended, with the exit code its program should return. */
public enum Ending {
    /** The pair was stopped on request. */
    STOPPED(0),
    /** A spawned standby was not needed: the pair already had a standby, or was stopped meanwhile. */
    NOT_NEEDED(0),
    /** The task's acceptance test failed: the primary ended itself so that its standby takes over. */
    ACCEPTANCE_TEST_FAILED(70),
    /** A crash loop went on for {@code 8} takeovers without progress: the pair gave up and ended. */
    GAVE_UP(71),
    /** The output is gone and the standby shared it: the pair ended rather than fail over into the void. */
    OUTPUT_LOST(74),
    /** A newer primary took over while this one was stalled: it ended without printing again. */
    FENCED(75);

    private final int exitCode;

    Ending(int exitCode) {
        this.exitCode = exitCode;
    }

    /** @return the exit code for a process that ends this way */
    public int exitCode() {
        return exitCode;
    }
}
