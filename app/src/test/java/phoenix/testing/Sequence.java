package phoenix.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a pair printed, checked: numbers only, starting at 1, each one either the next new number or a repeat of
 * one already printed (the duplicate a takeover may cause). A number that jumps ahead is a skip: the one thing
 * phoenix must never do. The only copy of that rule: the tests, the benchmark and {@code
 * test-scripts/verify-sequence.sh} (through {@link #main(String[])}) all use it.
 *
 * @param lines how many lines were checked
 * @param max the largest number
 * @param duplicates how many lines repeated a number already printed
 * @param problem the first problem, empty when there is none
 */
public record Sequence(int lines, long max, int duplicates, String problem) {

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
            String line = lines.get(i);
            long n;
            try {
                n = line.chars().allMatch(c -> c >= '0' && c <= '9') ? Long.parseLong(line) : -1;
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0) {
                return new Sequence(lines.size(), max, duplicates, "line " + (i + 1) + " is not a number: '"
                        + line + "'");
            }
            if (n > max + 1) {
                return new Sequence(lines.size(), max, duplicates, "line " + (i + 1) + " skips from " + max
                        + " to " + n);
            }
            if (n < 1) {
                return new Sequence(lines.size(), max, duplicates, "line " + (i + 1) + " prints " + n);
            }
            if (n <= max) {
                duplicates++;
            } else {
                max = n;
            }
        }
        return new Sequence(lines.size(), max, duplicates, "");
    }

    /** @return whether the lines count from 1 without a gap */
    public boolean ok() {
        return problem.isEmpty();
    }

    /**
     * Checks a saved output: {@code Sequence FILE [MAX_DUPLICATES]}. Prints one line saying what it found and
     * exits 0 when the sequence is sound, 1 when it is not (or has more duplicates than allowed), 2 on a bad
     * command line or an unreadable file.
     *
     * @param args the file, and optionally the most duplicates allowed
     */
    public static void main(String[] args) {
        System.exit(check(args));
    }

    static int check(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: verify-sequence.sh FILE [MAX_DUPLICATES]");
            return 2;
        }
        List<String> lines;
        int maxDuplicates;
        try {
            maxDuplicates = args.length == 2 ? Integer.parseInt(args[1]) : Integer.MAX_VALUE;
            lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.US_ASCII);
        } catch (NumberFormatException e) {
            System.err.println("verify-sequence: MAX_DUPLICATES must be a whole number, not '" + args[1] + "'");
            return 2;
        } catch (IOException e) {
            System.err.println("verify-sequence: cannot read " + args[0] + ": " + e);
            return 2;
        }
        Sequence s = of(lines);
        if (!s.ok()) {
            System.out.println(s.problem());
            return 1;
        }
        System.out.println(s.lines() + " lines, from 1 to " + s.max() + ", no gap, " + s.duplicates()
                + " duplicates");
        if (s.duplicates() > maxDuplicates) {
            System.out.println("more than " + maxDuplicates + " duplicates");
            return 1;
        }
        return 0;
    }
}
