package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TakeoverTimesTest {
    private static final long MS = 1_000_000L;

    @Test
    void everyStepInMicrosecondsInOrder() {
        TakeoverTimes t = new TakeoverTimes();
        t.detectedNs = 1000 * MS;
        t.stopMarkTookNs = 50_000;
        t.promoteNs = t.detectedNs + 400_000;
        t.listeningNs = t.promoteNs + 10_000;
        t.highestNs = t.listeningNs + 190_000;
        t.baseNs = t.highestNs + 10_999;
        t.claimedNs = t.baseNs + 340_000;
        t.fencedNs = t.claimedNs + 10_000;
        t.readNs = t.fencedNs + 220_000;
        t.preparedNs = t.readNs + 100_000;
        t.signalsNs = t.preparedNs + 1_000;
        t.listenedNs = t.signalsNs + 80_000;
        long begin = t.listenedNs + 5_000;
        long start = begin + 90_000;
        long done = start + 120_000;
        t.finishedNs = done + 810_000;
        assertEquals("1576 us: detected->promote 400, of which stop mark 50, claim 550, of which listening 10, "
                + "newest epoch 190, base 10, claim's transaction 340, fence 10, read 220, to step thread 186, of "
                + "which control socket prepared 100, signal handling 1, control socket 80, handoff 90, first step "
                + "120; the rest of the takeover 810 after it", t.describe(begin, start, done));
    }

    @Test
    void stepsATakeoverSkippedTakeNoTime() {
        TakeoverTimes t = new TakeoverTimes();
        t.detectedNs = 5 * MS;
        t.promoteNs = 6 * MS;
        t.claimedNs = 7 * MS;
        t.fencedNs = 7 * MS;
        t.readNs = 8 * MS;
        long begin = 9 * MS;
        long start = begin;
        long done = 10 * MS + 999;
        t.finishedNs = 12 * MS;
        assertEquals("5000 us: detected->promote 1000, of which stop mark 0, claim 1000, of which listening 0, "
                + "newest epoch 0, base 0, claim's transaction 1000, fence 0, read 1000, to step thread 1000, of "
                + "which control socket prepared 0, signal handling 0, control socket 0, handoff 0, first step "
                + "1000; the rest of the takeover 1999 after it", t.describe(begin, start, done));
    }

    @Test
    void aRestThatEndedBeforeTheFirstStepReturnedIsNegative() {
        // The loop finishes the takeover while the step thread still prints: the rest ended before the step did.
        TakeoverTimes t = new TakeoverTimes();
        t.detectedNs = 0;
        t.promoteNs = 100_000;
        t.claimedNs = 200_000;
        t.fencedNs = 200_000;
        t.readNs = 300_000;
        long begin = 400_000;
        long start = 450_000;
        long done = 900_000;
        t.finishedNs = 780_000;
        assertEquals("900 us: detected->promote 100, of which stop mark 0, claim 100, of which listening 0, "
                + "newest epoch 0, base 0, claim's transaction 100, fence 0, read 100, to step thread 100, of "
                + "which control socket prepared 0, signal handling 0, control socket 0, handoff 50, first step "
                + "450; the rest of the takeover -120 after it", t.describe(begin, start, done));
    }
}
