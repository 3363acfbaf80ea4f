package phoenix.pair;

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
        // By hand, not String.format: a JVM's first formatter loads a regular expression and the locale data (CLDR),
        // about 13 ms of a new primary right after its takeover (its class-load log, JDK 17 with the archive),
        // beside its new standby's start; 22-38 ms in a JVM without an archive.
        StringBuilder b = new StringBuilder(400);
        b.append((doneNs - detectedNs) / 1000).append(" us");
        part(b, ": detected->promote ", promoteNs - detectedNs);
        part(b, ", of which stop mark ", stopMarkTookNs);
        part(b, ", claim ", claimedNs - promoteNs);
        part(b, ", of which listening ", listening - promoteNs);
        part(b, ", newest epoch ", highest - listening);
        part(b, ", base ", base - highest);
        part(b, ", claim's transaction ", claimedNs - base);
        part(b, ", fence ", fencedNs - claimedNs);
        part(b, ", read ", readNs - fencedNs);
        part(b, ", to step thread ", beginNs - readNs);
        part(b, ", of which control socket prepared ", prepared - readNs);
        part(b, ", signal handling ", signals - prepared);
        part(b, ", control socket ", listened - signals);
        part(b, ", handoff ", startNs - beginNs);
        part(b, ", first step ", doneNs - startNs);
        part(b, "; the rest of the takeover ", finishedNs - restFrom);
        return b.append(" after it").toString();
    }

    private static void part(StringBuilder b, String name, long ns) {
        b.append(name).append(ns / 1000);
    }
}
