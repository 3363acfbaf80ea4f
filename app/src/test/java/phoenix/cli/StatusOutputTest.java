package phoenix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
}
