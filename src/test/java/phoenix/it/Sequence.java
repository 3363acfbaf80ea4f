package phoenix.it;

import java.util.List;

/**
 * What a pair printed, checked: numbers only, starting at 1, each one either the next new number or a repeat of
 * one already printed (the duplicate a takeover may cause). A number that jumps ahead is a skip: the one thing
 * phoenix must never do.
 */
public record Sequence(long max, int duplicates, String problem) {

    /**
     * Checks printed lines.
     *
     * @param lines what a pair printed, one number per line
     * @return the largest number, how many lines repeated one, and the first problem (empty when none)
     */
    public static Sequence of(List<String> lines) {
        long max = 0;
        int duplicates = 0;
        for (int i = 0; i < lines.size(); i++) {
            long n;
            try {
                n = Long.parseLong(lines.get(i));
            } catch (NumberFormatException e) {
                return new Sequence(max, duplicates, "line " + (i + 1) + " is not a number: '" + lines.get(i) + "'");
            }
            if (n > max + 1) {
                return new Sequence(max, duplicates, "line " + (i + 1) + " skips from " + max + " to " + n);
            }
            if (n < 1) {
                return new Sequence(max, duplicates, "line " + (i + 1) + " prints " + n);
            }
            if (n <= max) {
                duplicates++;
            } else {
                max = n;
            }
        }
        return new Sequence(max, duplicates, "");
    }

    /** @return whether the lines count from 1 without a gap */
    public boolean ok() {
        return problem.isEmpty();
    }
}
