package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import phoenix.testing.ModuleProbe;

/**
 * The module {@code phoenix.pair} exports its API alone and opens nothing: a program on the class path, with the
 * library on the module path, can use the public types, cannot make an engine class accessible by reflection, and
 * cannot reach the engine's package by putting classes of that package on the class path. The control runs the
 * same probe with everything on the class path, where all of it works, so that the test can fail.
 */
class ModuleBoundaryTest {
    private static final Path CLASSES = Path.of(System.getProperty("phoenix.pair.classes", "target/classes"));
    private static final Path TEST_CLASSES = CLASSES.resolveSibling("test-classes");

    @Test
    void engineIsOutOfReachFromOutsideTheModule() throws Exception {
        List<String> out = probe("--module-path", CLASSES + File.pathSeparator + slf4jApi(), "--add-modules",
                "phoenix.pair", "-cp", TEST_CLASSES.toString());
        assertEquals(List.of("module phoenix.pair", "api ok Builder", "reflect InaccessibleObjectException",
                "split ClassNotFoundException"), out);
    }

    @Test
    void controlOnTheClassPathReachesEverything() throws Exception {
        List<String> out = probe("-cp", CLASSES + File.pathSeparator + TEST_CLASSES + File.pathSeparator + slf4jApi());
        assertEquals(List.of("module null", "api ok Builder", "reflect ok", "split ok"), out);
    }

    private static String slf4jApi() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> Path.of(p).getFileName().toString().startsWith("slf4j-api-")).findFirst()
                .orElseThrow(() -> new AssertionError("no slf4j-api jar in " + System.getProperty("java.class.path")));
    }

    private static List<String> probe(String... jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmArgs));
        cmd.add(ModuleProbe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe did not end within 60 s: " + cmd);
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "the probe failed: " + cmd + "\n" + text);
            return text.lines().toList();
        } finally {
            p.destroyForcibly();
        }
    }
}
