package phoenix.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's example is the code the build compiles, to the letter: the quote cannot rot. */
class ReadmeExampleTest {
    private static final Path ROOT = Path.of(System.getProperty("phoenix.root", ".."));

    /** The text between two marker lines, without them. */
    private static String between(String text, String begin, String end, String where) {
        int from = text.indexOf(begin);
        assertTrue(from >= 0, "'" + begin.strip() + "' in " + where);
        from += begin.length();
        int to = text.indexOf(end, from);
        assertTrue(to >= 0, "'" + end.strip() + "' after '" + begin.strip() + "' in " + where);
        return text.substring(from, to);
    }

    @Test
    void quotesHelloPairAsTheBuildCompilesIt() throws IOException {
        String source = Files.readString(ROOT.resolve("app/src/test/java/phoenix/example/HelloPair.java"));
        String readme = Files.readString(ROOT.resolve("README.md"));

        String code = between(source, "// README begin\n", "// README end\n", "HelloPair.java");
        String section = between(readme, "## Make your program a process pair\n", "\n## ", "README.md");
        String quoted = between(section, "```java\n", "```\n", "the README's section");

        assertEquals(code, quoted, "README.md's HelloPair must be the region of HelloPair.java between its "
                + "'// README begin' and '// README end' lines");
    }
}
