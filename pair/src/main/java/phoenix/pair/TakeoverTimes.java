package phoenix.pair;

import java.util.Locale;

/**
 * When each step of a takeover happened, on the member's clock, for the one log line that says where its
 * milliseconds went: the standby's loop saw the primary gone (and, before the takeover, read the stop mark), the
 * takeover began, listened for other hosts, read the newest epoch and the base, claimed its epoch, fenced the old
 * primary, read the state, handed the first step to the step thread, which took it up and did it; then the loop
 * finished the rest of the takeover. The parts of a step say "of which": they are inside the step before them.
 * Written by the loop thread only.
 */
final class TakeoverTimes {
    long detectedNs;
    /** How long the stop mark's read before the takeover took (inside detected->promote); 0 when none. */
    long stopMarkTookNs;
    long promoteNs;
    long listeningNs;
    long highestNs;
    long baseNs;
    long claimedNs;
    long fencedNs;
    long readNs;
    /** When the control socket was ready to be renamed onto the pair's path (before the signal handling's wait). */
    long preparedNs;
    /** When the primary's signal handling was in place (awaited after the control socket's preparation). */
    long signalsNs;
    /** When the control socket listened at the pair's path. */
    long listenedNs;
    long finishedNs;

    /**
     * @param beginNs when the first step was handed to the step thread
     * @param startNs when the step thread took it up
     * @param doneNs when it returned
     * @return the steps in microseconds, in order, and their sum
     */
    String describe(long beginNs, long startNs, long doneNs) {
        long restFrom = Math.max(beginNs, doneNs);
        // Steps the takeover skipped keep 0 and count as taking no time.
        long listening = listeningNs != 0 ? listeningNs : promoteNs;
        long highest = highestNs != 0 ? highestNs : listening;
        long base = baseNs != 0 ? baseNs : highest;
        long prepared = preparedNs != 0 ? preparedNs : readNs;
        long signals = signalsNs != 0 ? signalsNs : prepared;
        long listened = listenedNs != 0 ? listenedNs : signals;
        return String.format(Locale.ROOT, "%d us: detected->promote %d, of which stop mark %d, claim %d, of which "
                + "listening %d, newest epoch %d, base %d, claim's transaction %d, fence %d, read %d, "
                + "to step thread %d, of which control socket prepared %d, signal handling %d, control socket %d, "
                + "handoff %d, first step %d; the rest of the takeover %d after it",
                (doneNs - detectedNs) / 1000, (promoteNs - detectedNs) / 1000, stopMarkTookNs / 1000,
                (claimedNs - promoteNs) / 1000, (listening - promoteNs) / 1000, (highest - listening) / 1000,
                (base - highest) / 1000, (claimedNs - base) / 1000,
                (fencedNs - claimedNs) / 1000, (readNs - fencedNs) / 1000, (beginNs - readNs) / 1000,
                (prepared - readNs) / 1000, (signals - prepared) / 1000, (listened - signals) / 1000,
                (startNs - beginNs) / 1000, (doneNs - startNs) / 1000, (finishedNs - restFrom) / 1000);
    }
}
