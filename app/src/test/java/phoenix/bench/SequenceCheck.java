package phoenix.bench;

import java.util.List;
import phoenix.testing.Sequence;

/**
 * What one pair printed, checked: numbers only, starting at 1, each either the next new number or a repeat of
 * one already printed (the duplicate a takeover may cause). A number that jumps ahead is a gap, the one thing
 * phoenix must never do.
 *
 * @param pair which pair of the run
 * @param lines how many lines it printed
 * @param max the largest number
 * @param duplicates how many lines repeated a number already printed
 * @param problem the first gap or non-number, empty when there is none
 */
record SequenceCheck(String pair, int lines, long max, int duplicates, String problem) {

    static SequenceCheck of(String pair, List<String> lines) {
        Sequence s = Sequence.of(lines);
        return new SequenceCheck(pair, lines.size(), s.max(), s.duplicates(), s.problem());
    }

    boolean ok() {
        return problem.isEmpty();
    }
}
