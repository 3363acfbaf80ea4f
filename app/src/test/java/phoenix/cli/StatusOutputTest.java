package phoenix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import phoenix.pair.PairMember;
import phoenix.pair.PairStatus;

/** The command line says "count" where the library says "step": its status output is the one the README shows. */
class StatusOutputTest {
    private static final Path ROOT = Path.of(System.getProperty("phoenix.root", ".."));

    @Test
    void printsTheReadmesJsonExampleToTheByte() throws IOException {
        PairStatus status = new PairStatus("default", 57, 3, true, 4039, "running", 4093, 2, 0, Map.of(), "");
        String readme = Files.readString(ROOT.resolve("README.md"));
        String intro = "`status --json` prints, for example:\n`";
        int from = readme.indexOf(intro);
        assertTrue(from >= 0, "README.md has the JSON example after '" + intro.strip() + "'");
        from += intro.length();
        String example = readme.substring(from, readme.indexOf('`', from));

        assertEquals(example + "\n", Main.statusOutput(status, true));
    }

    @Test
    void namesTheStepCountInTextAndInTheCrashLoop() {
        PairStatus status = new PairStatus("p", 41, 3, true, 100, "backing_off", 200, 1, 2, Map.of(), "");

        String json = Main.statusOutput(status, true);
        String text = Main.statusOutput(status, false);

        assertTrue(json.startsWith("{\"name\":\"p\",\"count\":41,") && json.contains("\"crashLoop\":{\"count\":42,"),
                json);
        assertTrue(text.startsWith("pair 'p': count 41, epoch 3") && text.contains("crash loop suspected at count 42"),
                text);
    }

    @Test
    void listsTheCoordinatorsMembersInJsonAndText() {
        PairStatus status = new PairStatus("p", 41, 3, true, 100, "running", 200, 1, 0, Map.of(), "");
        List<PairMember> members = List.of(new PairMember(100, "a", "10.0.0.1", "primary"),
                new PairMember(7, "b\"q", "10.0.0.2", "standby"));

        String json = Main.statusOutput(status, true, members);
        String text = Main.statusOutput(status, false, members);

        assertTrue(json.endsWith(",\"members\":[{\"pid\":100,\"host\":\"a\",\"bind\":\"10.0.0.1\","
                + "\"role\":\"primary\"},{\"pid\":7,\"host\":\"b\\\"q\",\"bind\":\"10.0.0.2\","
                + "\"role\":\"standby\"}]}\n"), json);
        assertEquals(Main.statusOutput(status, true).strip(), json.substring(0, json.indexOf(",\"members\"")) + "}");
        assertTrue(text.contains("  members (coordinator):\n    primary pid 100 on a (10.0.0.1)\n"
                + "    standby pid 7 on b\"q (10.0.0.2)\n"), text);
        assertTrue(Main.statusOutput(status, true, List.of()).endsWith(",\"members\":[]}\n"));
        assertTrue(Main.statusOutput(status, false, List.of()).contains("members (coordinator): none listed"));
    }

    @Test
    void onAHostWithAStandbyOnlyNamesWhereThePrimaryRunsAndWhomTheStandbyWatches() {
        PairStatus standbyOnly = new PairStatus("p", 41, 3, false, 0, "", 7, 1, 0, Map.of(), "");
        List<PairMember> members = List.of(new PairMember(100, "a", "10.0.0.1", "primary"),
                new PairMember(7, "b", "10.0.0.2", "standby", 100));

        String text = Main.statusOutput(standbyOnly, false, members);

        assertTrue(text.contains("(this host runs a standby only: the primary is pid 100 on a; 'status' there says "
                + "whether it is protected)"), text);
        assertTrue(text.contains("    standby pid 7 on b (10.0.0.2), watching pid 100 over TCP\n"), text);
        assertTrue(Main.statusOutput(standbyOnly, true, members).contains(",\"watching\":100}"));
    }
}
