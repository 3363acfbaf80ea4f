package phoenix.it;

import java.util.List;

/**
 * {@link phoenix.testing.Sequence} under the name {@code DesktopIT} still uses; it goes when DesktopIT moves to
 * {@code phoenix.testing}. The rule itself lives there only.
 */
record Sequence(long max, int duplicates, String problem) {

    static Sequence of(List<String> lines) {
        phoenix.testing.Sequence s = phoenix.testing.Sequence.of(lines);
        return new Sequence(s.max(), s.duplicates(), s.problem());
    }

    boolean ok() {
        return problem.isEmpty();
    }
}
