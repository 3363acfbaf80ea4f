package phoenix.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
    // What a new primary logs after "takeover took " (TakeoverTimesTest pins the same text to TakeoverTimes#describe).
    private static final String NEGATIVE_REST = "takeover took 900 us: detected->promote 100, of which stop mark 0, "
            + "claim 100, of which listening 0, newest epoch 0, base 0, claim's transaction 100, fence 0, read 100, "
            + "to step thread 100, of which control socket prepared 0, signal handling 0, control socket 0, handoff "
            + "50, first step 450; the rest of the takeover -120 after it";

    @Test
    void everyStepOfATakeoverLineIsReadInOrderAndANegativeOneIsKept() {
        Map<String, List<Double>> steps = Report.stepsOf(List.of(NEGATIVE_REST), "its first number");
        assertEquals(List.of("total: the loop sees the primary gone -> its first number", "detected->promote",
                "of which stop mark", "claim", "of which listening", "newest epoch", "base", "claim's transaction",
                "fence", "read", "to step thread", "of which control socket prepared", "signal handling",
                "control socket", "handoff", "first step", "the rest of the takeover"), List.copyOf(steps.keySet()));
        assertEquals(List.of(0.9), steps.get("total: the loop sees the primary gone -> its first number"));
        assertEquals(List.of(0.45), steps.get("first step"));
        assertEquals(List.of(-0.12), steps.get("the rest of the takeover"));
    }

    @Test
    void aLineWithoutStepsIsSkipped() {
        assertEquals(Map.of(), Report.stepsOf(List.of("takeover took long"), "its first number"));
    }
}
