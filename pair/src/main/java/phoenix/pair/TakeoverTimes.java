package phoenix.pair;

import java.util.Locale;

/**
 * When each step of a takeover happened, on the member's clock, for the one log line that says where its
 * milliseconds went: the standby's loop saw the primary gone, the takeover began, claimed its epoch, fenced
 * the old primary, read the state, handed the first step to the step thread, which took it up and did it;
 * then the loop finished the rest of the takeover. Written by the loop thread only.
 */
final class TakeoverTimes {
    long detectedNs;
    long promoteNs;
    long claimedNs;
    long fencedNs;
    long readNs;
    long finishedNs;

    /**
     * @param beginNs when the first step was handed to the step thread
     * @param startNs when the step thread took it up
     * @param doneNs when it returned
     * @return the steps in microseconds, in order, and their sum
     */
    String describe(long beginNs, long startNs, long doneNs) {
        long restFrom = Math.max(beginNs, doneNs);
        return String.format(Locale.ROOT, "%d us: detected->promote %d, claim %d, fence %d, read %d, "
                + "to step thread %d, handoff %d, first step %d; the rest of the takeover %d after it",
                (doneNs - detectedNs) / 1000, (promoteNs - detectedNs) / 1000, (claimedNs - promoteNs) / 1000,
                (fencedNs - claimedNs) / 1000, (readNs - fencedNs) / 1000, (beginNs - readNs) / 1000,
                (startNs - beginNs) / 1000, (doneNs - startNs) / 1000, (finishedNs - restFrom) / 1000);
    }
}
