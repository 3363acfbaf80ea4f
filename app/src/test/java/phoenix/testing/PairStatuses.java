package phoenix.testing;

import java.util.Optional;
import java.util.function.LongConsumer;
import phoenix.pair.PairConfig;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;

/** Asking a pair under test for its status, and keeping the member pids it names so that they can be killed. */
public final class PairStatuses {
    private PairStatuses() {
    }

    /**
     * Asks the pair, in this process.
     *
     * @param config names the pair and its state directory
     * @param memberPids told each member pid the status names (primary, standby, spare), e.g. {@link
     *     ProcessTracker#track(long)}, so that the test can kill it at its end
     * @return the status, or empty when no member answers
     */
    public static Optional<PairStatus> ask(PairConfig config, LongConsumer memberPids) {
        Optional<PairStatus> s = ProcessPair.status(config);
        s.ifPresent(st -> {
            if (st.primaryPid() > 0) {
                memberPids.accept(st.primaryPid());
            }
            if (st.standbyPid() > 0) {
                memberPids.accept(st.standbyPid());
            }
            if (st.sparePid() > 0) {
                memberPids.accept(st.sparePid());
            }
        });
        return s;
    }
}
