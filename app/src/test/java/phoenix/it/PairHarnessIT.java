package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;
import phoenix.testing.Awaits;
import phoenix.testing.ProcStat;

/** The harness itself: what a test starts ends with it, also when the test is cut short by a timeout. */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PairHarnessIT extends WithPair {
    @Test
    void aTestCutShortByItsTimeoutWhileACommandRunsLeavesNoProcess() throws Exception {
        pair = new PairHarness();
        // "run" where none runs is not refused: it becomes a pair and never ends. The timeout interrupts the
        // wait in runOnce, as JUnit's @Timeout does.
        assertThrows(AssertionFailedError.class, () -> assertTimeoutPreemptively(Duration.ofSeconds(3),
                () -> pair.runOnce("run", "--interval", "50ms")));
        // Asked here, not through the harness: it must know the members without having been told their pids.
        PairStatus s = Awaits.await("the accidental pair protected", PairHarness.PROTECTED_WITHIN)
                .ignoreExceptions().until(() -> ProcessPair.status(pair.config()),
                        st -> st.isPresent() && st.get().isProtected()).orElseThrow();

        pair.close();

        assertFalse(ProcStat.running(s.primaryPid()), "primary pid " + s.primaryPid() + " killed");
        assertFalse(ProcStat.running(s.standbyPid()), "standby pid " + s.standbyPid() + " killed");
        assertFalse(ProcessPair.status(pair.config()).isPresent(), "no member answers");
    }
}
