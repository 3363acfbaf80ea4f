package phoenix.pair;

/** The one source of time for the roles, so that tests can drive them with a settable clock. */
@FunctionalInterface
interface NanoClock {
    /** The system's monotonic clock. */
    NanoClock SYSTEM = System::nanoTime;

    /** Monotonic nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanoTime();
}
