package phoenix.bench;

import java.util.ArrayList;
import java.util.List;

/** A configuration under test: the options its pairs run with and the takeover timeout they imply. */
enum Setup {
    /** Phoenix as shipped: heartbeat 100 ms, 5 misses (500 ms), a dead primary noticed by its watch socket. */
    DEFAULT("default", List.of(), 500),
    /** Like simpler process pairs: heartbeat 1 s, 3 misses (3 s), a dead primary noticed by silence alone. */
    PEER("peer-like", List.of("--heartbeat", "1s", "--misses", "3", "--heartbeat-only"), 3000);

    final String label;
    final List<String> options;
    final long timeoutMs;

    Setup(String label, List<String> options, long timeoutMs) {
        this.label = label;
        this.options = options;
        this.timeoutMs = timeoutMs;
    }

    /** @return the options of a member that prints a number every {@code interval} */
    List<String> withInterval(String interval) {
        List<String> all = new ArrayList<>(List.of("--interval", interval));
        all.addAll(options);
        return all;
    }
}
