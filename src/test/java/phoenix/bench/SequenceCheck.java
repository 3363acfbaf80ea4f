package phoenix.bench;

import java.util.List;

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
        long max = 0;
        int duplicates = 0;
        for (int i = 0; i < lines.size(); i++) {
            long n;
            try {
                n = Long.parseLong(lines.get(i));
            } catch (NumberFormatException e) {
                return new SequenceCheck(pair, lines.size(), max, duplicates,
                        "line " + (i + 1) + " is not a number: '" + lines.get(i) + "'");
            }
            if (n < 1 || n > max + 1) {
                return new SequenceCheck(pair, lines.size(), max, duplicates,
                        "line " + (i + 1) + " jumps from " + max + " to " + n);
            }
            if (n <= max) {
                duplicates++;
            } else {
                max = n;
            }
        }
        return new SequenceCheck(pair, lines.size(), max, duplicates, "");
    }

    boolean ok() {
        return problem.isEmpty();
    }
}
