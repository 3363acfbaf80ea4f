package phoenix.pair;

/** The one source of time for the roles, so that tests can drive them with a settable clock. */
@FunctionalInterface
interface NanoClock {
    /**
     * The system's monotonic clock. A class, not a method reference: a JVM's first one costs its start the
     * method-handle machinery's set-up (about 10 ms on JDK 17), which nothing before a person's start's first number
     * needs otherwise.
     */
    NanoClock SYSTEM = new NanoClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }
    };

    /** Monotonic nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanoTime();
}
