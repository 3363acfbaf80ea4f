package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.testing.Awaits;
import phoenix.pair.PairConfig;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;
import phoenix.testing.Kill;
import phoenix.testing.ProcStat;
import phoenix.testing.Ports;
import phoenix.testing.ProcessTracker;

/**
 * The pair in tmux, on a tmux server of the test's own ({@code tmux -L} with a unique socket name, killed at
 * the end): the first member runs in the session's first window, every standby opens in a new tmux window
 * named {@code phoenix NAME standby}, and a standby that takes over renames its window {@code phoenix NAME
 * primary}. The server runs under a subreaper, so that every process it starts is found again and killed by pid.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TmuxIT {
    private static final Path ROOT = PairHarness.ROOT;
    private static final Duration WITHIN = Duration.ofSeconds(30);

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String socket = "pair-it-" + id;
    private final String name = "tmux-" + id;
    private final int port = Ports.freeUdpPort();
    private final ProcessTracker processes = new ProcessTracker("TmuxIT " + id);
    private Path work;
    private Path stateDir;
    private Process root;

    @BeforeEach
    void requireTmux() throws IOException {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            found |= !dir.isEmpty() && Files.isExecutable(Path.of(dir, "tmux"));
        }
        if (!found) {
            String message = "the tmux test needs tmux on the PATH (Debian package tmux)";
            if (Boolean.getBoolean("phoenix.requireTools")) {
                fail(message + " (phoenix.requireTools=true: missing tools fail the build)");
            }
            Assumptions.assumeTrue(false, message);
        }
        work = Files.createTempDirectory("phoenix-tmux-");
        stateDir = work.resolve("state");
    }

    @AfterEach
    void killEverything() throws Exception {
        try {
            if (root != null) {
                // Only this test's server: its socket name is unique.
                tmux("kill-server");
            }
        } finally {
            processes.close();
            if (work != null) {
                phoenix.testing.Trees.remove(work);
            }
        }
    }

    /** Starts the pair's first member in a tmux server of the test's own, with {@code extra} options. */
    private void start(String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("python3", ROOT.resolve("test-scripts/subreaper.py").toString(),
                "tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "pair", "-x", "160", "-y", "40",
                "--", ROOT.resolve("run-phoenix.sh").toString(), "run", "--name", name, "--port", String.valueOf(port),
                "--state-dir", stateDir.toString(), "--terminal", "tmux", "--interval", "100ms"));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("tmux.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // A server of its own, whatever tmux the test runs in.
        pb.environment().remove("TMUX");
        pb.environment().remove("TMUX_PANE");
        root = processes.startSubreaper(pb);
    }

    @Test
    void aStandbyThatTakesOverInItsTmuxWindowRenamesIt() throws Exception {
        start();
        PairStatus s = awaitStatus(st -> st.isProtected() && st.standbyPid() > 0, "protected");
        awaitWindows(s, "phoenix " + name + " standby");
        for (int i = 1; i <= 2; i++) {
            PairStatus before = s;
            Kill.signal(before.primaryPid(), "KILL");
            s = awaitStatus(st -> st.takeovers() > before.takeovers() && st.primaryPid() == before.standbyPid()
                    && st.isProtected() && st.standbyPid() > 0, "taken over by standby pid " + before.standbyPid());
            List<String> w = awaitWindows(s, "phoenix " + name + " primary");
            assertEquals(2, w.size(), "the killed primary's window closed: " + w);
        }

        Optional<PairStatus> stopped = ProcessPair.stop(config(), Duration.ofSeconds(15));
        assertTrue(stopped.isPresent(), "stop found the pair");
        PairStatus last = s;
        awaitTrue("both members ended after stop", () -> Stream.of(last.primaryPid(), last.standbyPid())
                .allMatch(pid -> ProcStat.state(pid).isEmpty() || "Z".equals(ProcStat.state(pid))));
    }

    /**
     * With a spare: its window is named after it, renamed after the standby's role when it takes the slot, and the
     * next spare opens a window of its own; stop ends all three.
     */
    @Test
    void aSpareInItsTmuxWindowBecomesTheStandbyAndIsRenamed() throws Exception {
        start("--spare", "on");
        PairStatus s = awaitStatus(st -> st.isProtected() && st.standbyPid() > 0 && st.sparePid() > 0,
                "protected with a spare");
        String spareWindow = "phoenix " + name + " spare|" + s.sparePid();
        awaitTrue("window '" + spareWindow + "'", () -> windows().contains(spareWindow));
        for (int i = 1; i <= 2; i++) {
            PairStatus before = s;
            Kill.signal(before.primaryPid(), "KILL");
            s = awaitStatus(st -> st.takeovers() > before.takeovers() && st.primaryPid() == before.standbyPid()
                    && st.isProtected() && st.standbyPid() == before.sparePid() && st.sparePid() > 0,
                    "taken over, the spare the standby, and a new spare, round " + i);
            PairStatus now = s;
            awaitTrue("the spare's window renamed after its new role, and the next spare's window", () -> {
                List<String> w = windows();
                return w.contains("phoenix " + name + " standby|" + now.standbyPid())
                        && w.contains("phoenix " + name + " spare|" + now.sparePid())
                        && w.contains("phoenix " + name + " primary|" + now.primaryPid());
            });
        }
        Optional<PairStatus> stopped = ProcessPair.stop(config(), Duration.ofSeconds(15));
        assertTrue(stopped.isPresent(), "stop found the pair");
        PairStatus last = s;
        awaitTrue("all three members ended after stop", () -> Stream.of(last.primaryPid(), last.standbyPid(),
                last.sparePid()).allMatch(pid -> ProcStat.state(pid).isEmpty() || "Z".equals(ProcStat.state(pid))));
    }

    private List<String> windows() throws IOException, InterruptedException {
        return List.of(tmux("list-windows", "-a", "-F", "#{window_name}|#{pane_pid}").strip().split("\n"));
    }

    /**
     * Waits until the primary's window has the given name and the standby's is a new standby window; both found
     * by the pid that tmux started in them, which is the member itself. Returns every window as NAME|PID.
     */
    private List<String> awaitWindows(PairStatus s, String primaryWindow) {
        List<List<String>> last = new ArrayList<>(List.of(List.of()));
        String wantPrimary = primaryWindow + "|" + s.primaryPid();
        String wantStandby = "phoenix " + name + " standby|" + s.standbyPid();
        try {
            awaitTrue("windows '" + wantStandby + "'" + (primaryWindow.endsWith("primary") ? " and '"
                    + wantPrimary + "'" : ""), () -> {
                        List<String> w = List.of(tmux("list-windows", "-a", "-F", "#{window_name}|#{pane_pid}")
                                .strip().split("\n"));
                        last.set(0, w);
                        return w.contains(wantStandby)
                                && (!primaryWindow.endsWith("primary") || w.contains(wantPrimary));
                    });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; windows: " + last.get(0) + "\n" + readQuietly("tmux.log"), e);
        }
        return last.get(0);
    }

    private PairConfig config() {
        return PairConfig.builder(name).port(port).stateDir(stateDir).build();
    }

    private PairStatus awaitStatus(java.util.function.Predicate<PairStatus> p, String what) {
        return PairHarness.awaitStatus(config(), processes::track, p, what, WITHIN,
                () -> "\n" + readQuietly("tmux.log"));
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("TMUX");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
        }
        return out;
    }

    private void awaitTrue(String what, java.util.concurrent.Callable<Boolean> condition) {
        try {
            Awaits.await(what, WITHIN).ignoreExceptions().until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out waiting for " + what, e);
        }
    }

    private String readQuietly(String file) {
        try {
            return Files.readString(work.resolve(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }
}
