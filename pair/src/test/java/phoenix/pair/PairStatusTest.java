package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PairStatusTest {

    private static Status primary() {
        return new Status().put("role", "primary").put("pid", 100).put("epoch", 3).put("step", 41)
                .put("takeovers", 2).put("protected", true).put("standbyPid", 200).put("state", "running")
                .put("streak", 0).put("checkpointError", "");
    }

    private static Status standby(Map<Rejection, Long> rejected) {
        return new Status().put("role", "standby").put("pid", 200).put("epoch", 3).put("step", 41)
                .put("rejected", Standby.labels(rejected));
    }

    @Test
    void statusLinesReadBackAsTheSameValues() {
        Status sent = primary().put("checkpointError", "disk full\nreally");

        Status read = Status.parse(sent.lines());

        assertEquals(sent.lines(), read.lines());
        assertEquals(41, read.getLong("step"));
        assertEquals("disk full really", read.get("checkpointError"), "a value stays on its line");
        assertEquals(0, read.getLong("missing"));
    }

    @Test
    void combinesTheAnswersOfBothMembers() {
        Map<Rejection, Long> rejected = new EnumMap<>(Rejection.class);
        rejected.put(Rejection.BAD_MAC, 3L);
        rejected.put(Rejection.REPLAYED, 1L);

        PairStatus s = PairStatus.of("p", Status.parse(primary().lines()), Status.parse(standby(rejected).lines()));

        assertEquals(new PairStatus("p", 41, 3, true, 100, "running", 200, 2, 0,
                Map.of("bad-mac", 3L, "replayed", 1L), ""), s);
    }

    @Test
    void reportsAStandbyAloneAsUnprotectedWithoutAPrimary() {
        PairStatus s = PairStatus.of("p", null, Status.parse(standby(Map.of()).lines()));

        assertEquals(new PairStatus("p", 41, 3, false, 0, "", 200, 0, 0, Map.of(), ""), s);
        assertTrue(s.toText().contains("NOT protected"), s.toText());
    }

    @Test
    void writesJsonWithEscapedStringsAndTheCrashLoop() {
        PairStatus s = new PairStatus("p", 41, 3, false, 100, "backing_off", 0, 2, 2, Map.of(),
                "cannot write \"checkpoint\"\n\\");

        assertEquals("{\"name\":\"p\",\"step\":41,\"epoch\":3,\"protected\":false,"
                + "\"primary\":{\"pid\":100,\"state\":\"backing_off\"},\"standby\":null,\"spare\":null,\"takeovers\":2,"
                + "\"crashLoop\":{\"step\":42,\"streak\":2},"
                + "\"checkpointError\":\"cannot write \\\"checkpoint\\\"\\u000a\\\\\"}", s.toJson());
    }

    @Test
    void saysInTextWhereTheCrashLoopIs() {
        PairStatus s = new PairStatus("p", 41, 3, true, 100, "backing_off", 200, 1, 2,
                Map.of("short", 4L), "");

        List<String> lines = s.toText().lines().toList();

        assertEquals("pair 'p': step 41, epoch 3, 1 takeover", lines.get(0));
        assertTrue(lines.contains("  crash loop suspected at step 42: 3 takeovers in a row without progress; "
                + "backing off"), lines.toString());
        assertTrue(lines.contains("  rejected on the heartbeat port: short=4"), lines.toString());
    }

    @Test
    void namesTheJsonStepFieldInTheProgramsWord() {
        PairStatus s = new PairStatus("p", 41, 3, true, 100, "backing_off", 200, 1, 2, Map.of("short", 4L), "", 300);

        assertEquals("{\"name\":\"p\",\"count\":41,\"epoch\":3,\"protected\":true,"
                + "\"primary\":{\"pid\":100,\"state\":\"backing_off\"},\"standby\":{\"pid\":200,"
                + "\"rejected\":{\"short\":4}},\"spare\":{\"pid\":300},\"takeovers\":1,"
                + "\"crashLoop\":{\"count\":42,\"streak\":2},"
                + "\"checkpointError\":null}", s.toJson("count"));
        assertEquals(s.toJson("step"), s.toJson(), "the library's own word by default");
    }

    @Test
    void readsTheStepAMemberStoppedAt() {
        assertEquals(41, ControlProtocol.parseStopped(List.of(ControlProtocol.stopped(41))).getAsLong());
        assertTrue(ControlProtocol.parseStopped(List.of("ERROR unknown request")).isEmpty());
    }

    @Test
    void speaksTheProgramsWordForItsSteps() {
        PairStatus s = new PairStatus("p", 41, 3, true, 100, "backing_off", 200, 1, 2, Map.of(), "");

        List<String> lines = s.toText("count").lines().toList();

        assertEquals("pair 'p': count 41, epoch 3, 1 takeover", lines.get(0));
        assertTrue(lines.contains("  crash loop suspected at count 42: 3 takeovers in a row without progress; "
                + "backing off"), lines.toString());
    }
}
