package phoenix.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Measurements in milliseconds: order statistics by nearest rank (p99 of 30 samples is the largest one) and a
 * histogram drawn with ASCII bars. Empty samples answer NaN.
 */
final class Samples {
    private static final int MAX_BINS = 12;
    private static final int MIN_BINS = 4;
    private static final int BAR_WIDTH = 40;

    private final List<Double> values = new ArrayList<>();

    static Samples of(List<Double> values) {
        Samples s = new Samples();
        values.stream().filter(v -> !Double.isNaN(v)).forEach(s.values::add);
        return s;
    }

    int size() {
        return values.size();
    }

    List<Double> values() {
        return List.copyOf(values);
    }

    double min() {
        return percentile(0);
    }

    double median() {
        return percentile(50);
    }

    double max() {
        return percentile(100);
    }

    /** The nearest-rank percentile: the smallest sample with at least {@code p} % of the samples at or below it. */
    double percentile(double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** The histogram: one line per bin of a round width, bars scaled to the fullest bin, with the counts. */
    List<String> histogram(String title) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%s (n=%d): min %s, p50 %s, p99 %s, max %s ms", title, size(),
                Report.ms(min()), Report.ms(median()), Report.ms(percentile(99)), Report.ms(max())));
        if (values.isEmpty()) {
            return out;
        }
        // About two bins per square root of the sample count: a few samples do not spread over a dozen empty bins.
        int bins0 = Math.max(MIN_BINS, Math.min(MAX_BINS, (int) Math.ceil(2 * Math.sqrt(size()))));
        double width = niceWidth(max() - min(), bins0);
        double start = Math.floor(min() / width) * width;
        int bins = Math.max(1, (int) Math.floor((max() - start) / width) + 1);
        int[] counts = new int[bins];
        for (double v : values) {
            counts[Math.min(bins - 1, (int) Math.floor((v - start) / width))]++;
        }
        int fullest = 0;
        for (int c : counts) {
            fullest = Math.max(fullest, c);
        }
        int decimals = width >= 1 ? 0 : width >= 0.1 ? 1 : 2;
        for (int b = 0; b < bins; b++) {
            String lo = String.format(Locale.ROOT, "%." + decimals + "f", start + b * width);
            String hi = String.format(Locale.ROOT, "%." + decimals + "f", start + (b + 1) * width);
            int len = counts[b] == 0 ? 0 : Math.max(1, Math.round((float) counts[b] * BAR_WIDTH / fullest));
            out.add(String.format(Locale.ROOT, "  %8s - %-8s ms |%-" + BAR_WIDTH + "s %d", lo, hi,
                    "#".repeat(len), counts[b]));
        }
        return out;
    }

    /** The smallest width of 1, 2 or 5 times a power of ten that covers the range in about {@code bins} bins. */
    static double niceWidth(double range, int bins) {
        double raw = range / bins;
        if (!(raw > 0)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5}) {
            if (m * magnitude >= raw) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
