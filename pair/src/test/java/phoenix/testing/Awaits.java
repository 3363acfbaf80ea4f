package phoenix.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * The one way tests wait for an outcome: Awaitility with a name, an explicit upper bound and short polls, the
 * first one at once. No test sleeps to wait; the machine may be slow and shared, so bounds are generous and
 * only ever bound a wait, never measure one.
 */
public final class Awaits {
    /** How often a condition is checked. */
    public static final Duration POLL = Duration.ofMillis(10);

    private Awaits() {
    }

    /**
     * Starts a wait.
     *
     * @param what what is awaited, named in the failure
     * @param atMost how long it may take at most
     * @return the condition factory: add {@code .until(...)}, or {@code .ignoreExceptions()} for conditions that
     *     may throw while the thing awaited is not there yet
     */
    public static ConditionFactory await(String what, Duration atMost) {
        return Awaitility.await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(POLL);
    }
}
