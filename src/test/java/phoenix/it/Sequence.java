package phoenix.it;

import java.util.List;

/**
 * Checks what a pair printed: numbers only, starting at 1, each one either the next new number or a repeat of
 * one already printed (the duplicate a takeover may cause). A number that jumps ahead is a skip: the one thing
 * phoenix must never do.
 */
record Sequence(long max, int duplicates, String problem) {

    static Sequence of(List<String> lines) {
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

    boolean ok() {
        return problem.isEmpty();
    }
}
