package phoenix.pair;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Names the window a member runs in after its role, where the window is its own. A terminal window gets its
 * title from the escape sequence OSC 0 (the spawner's trampoline writes the standby's, {@link Takeover} the
 * primary's); a tmux window has a name of its own, which only tmux can change: a member that takes over in a
 * tmux window renames it with {@code tmux rename-window}, on a thread of its own after its first step.
 */
final class WindowTitle {
    private static final long TMUX_WAIT_S = 10;

    private WindowTitle() {
    }

    /**
     * In a tmux window opened for this member: renames it {@code LABEL primary}, without waiting.
     *
     * @param label the first words of the title ({@link PairConfig#windowLabel()})
     */
    static void primaryAfterFirstStep(String label) {
        renameOwnTmuxWindow(label + " primary");
    }

    /**
     * In a tmux window opened for this member: renames it {@code title}, on a thread of its own.
     *
     * @param title the window's new name
     */
    static void renameOwnTmuxWindow(String title) {
        renameCommand(System.getenv(), title).ifPresent(cmd -> {
            // Same name as the loop's thread: the log tags every line with it, and it stands for the pid.
            Thread t = new Thread(() -> run(cmd), Thread.currentThread().getName());
            t.setDaemon(true);
            t.start();
        });
    }

    /** The tmux command that renames this member's own window, when it runs in one. */
    static Optional<List<String>> renameCommand(Map<String, String> env, String title) {
        String pane = env.get("TMUX_PANE");
        if (!"tmux".equals(env.get(Spawners.OWN_WINDOW_ENV)) || pane == null || pane.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(List.of("tmux", "rename-window", "-t", pane, title));
    }

    private static void run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(TMUX_WAIT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                Log.LOG.warn("'{}' did not end within {} s; the window keeps its name", String.join(" ", cmd),
                        TMUX_WAIT_S);
            } else if (p.exitValue() != 0) {
                Log.LOG.warn("'{}' exited with {}; the window keeps its name", String.join(" ", cmd), p.exitValue());
            }
        } catch (IOException e) {
            Log.LOG.warn("cannot rename the tmux window ({}); it keeps its name", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The logger, created on first use (see {@link Member}): made with this class, a fresh primary's first spawn
     * waited 45 ms for the logger's set-up, which another thread had begun.
     */
    private static final class Log {
        static final Logger LOG = Logs.of(WindowTitle.class);
    }
}
