package phoenix.pair;

/** How a member of a pair ended, with the exit code its program should return. */
public enum Ending {
    /** The pair was stopped on request. */
    STOPPED(0),
    /** A spawned standby was not needed: the pair already had a standby, or was stopped meanwhile. */
    NOT_NEEDED(0),
    /** The task's acceptance test failed: the primary ended itself so that its standby takes over. */
    ACCEPTANCE_TEST_FAILED(70),
    /**
     * The pair gave up: a crash loop went on for 8 takeovers without progress, or the step number reached the
     * largest a long can hold. The checkpoint keeps the last step.
     */
    GAVE_UP(71),
    /** The output is gone and the standby shared it: the pair ended rather than fail over into the void. */
    OUTPUT_LOST(74),
    /** A newer primary took over while this one was stalled: it ended without printing again. */
    FENCED(75),
    /** Ended on SIGHUP (its terminal closed), after handing over when it was the primary. */
    HUNG_UP(129),
    /** Ended on SIGINT (Ctrl+C), after handing over to its standby. */
    INTERRUPTED(130),
    /** Ended on SIGTERM, after handing over to its standby. */
    TERMINATED(143);

    private final int exitCode;

    Ending(int exitCode) {
        this.exitCode = exitCode;
    }

    /**
     * The ending for a signal a member ended on.
     *
     * @param number the signal's number
     * @return the matching ending
     */
    static Ending ofSignal(int number) {
        return number == 1 ? HUNG_UP : number == 2 ? INTERRUPTED : TERMINATED;
    }

    /** {@return the exit code for a process that ends this way} */
    public int exitCode() {
        return exitCode;
    }
}
