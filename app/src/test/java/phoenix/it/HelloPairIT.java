package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.example.HelloPair;
import phoenix.pair.PairConfig;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;
import phoenix.testing.Awaits;
import phoenix.testing.Kill;

/**
 * The README's example, {@link HelloPair}, run as the README runs it (its own command line, no options but a
 * name, the port derived from it, the state directory under {@code XDG_STATE_HOME}): it greets, survives a
 * SIGKILL of its primary without repeating a greeting, and stops.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HelloPairIT extends WithPair {
    @Test
    void greetsAsAPairAndGoesOnAfterItsPrimaryIsKilled() throws Exception {
        pair = new PairHarness("xdg");
        Path xdg = pair.stateDir;
        String cp = System.getProperty("phoenix.jar") + ":" + System.getProperty("phoenix.lib") + "/*:"
                + PairHarness.ROOT.resolve("app/target/test-classes");
        // The standby runs in the background whatever the test's own terminal is: no window, no tmux.
        pair.startCommand(List.of("env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", "-u", "TMUX",
                "XDG_STATE_HOME=" + xdg, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx32m", "-cp", cp, HelloPair.class.getName(), pair.name));
        PairConfig config = PairConfig.builder(pair.name).stateDir(xdg.resolve("phoenix").resolve(pair.name)).build();
        PairStatus before = awaitStatus(config, PairStatus::isProtected, "protected");
        pair.awaitLines(2);

        Kill.signal(before.primaryPid(), "KILL");
        awaitStatus(config, s -> s.takeovers() == 1 && s.primaryPid() != before.primaryPid() && s.isProtected(),
                "taken over and protected again");
        int printed = pair.lines().size();
        pair.awaitLines(printed + 2);

        assertTrue(ProcessPair.stop(config, Duration.ofSeconds(15)).isPresent(), "stop found the pair");
        assertTrue(pair.root().waitFor(15, TimeUnit.SECONDS), "every member ended after stop");
        List<Long> numbers = new ArrayList<>();
        for (String line : pair.lines()) {
            assertTrue(line.startsWith("hello #"), "only greetings on stdout: " + line);
            numbers.add(Long.parseLong(line.substring("hello #".length())));
        }
        for (int i = 1; i < numbers.size(); i++) {
            assertTrue(numbers.get(i) > numbers.get(i - 1), "no greeting repeated or going back: " + numbers);
        }
        assertEquals(1L, numbers.get(0), "the first greeting is #1");
    }

    private PairStatus awaitStatus(PairConfig config, java.util.function.Predicate<PairStatus> p, String what) {
        PairStatus[] last = new PairStatus[1];
        Awaits.await("hello pair " + what, PairHarness.PROTECTED_WITHIN).ignoreExceptions().until(() -> {
            Optional<PairStatus> s = ProcessPair.status(config);
            s.ifPresent(st -> last[0] = st);
            return s.isPresent() && p.test(s.get());
        });
        return last[0];
    }
}
