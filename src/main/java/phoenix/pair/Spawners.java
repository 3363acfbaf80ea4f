package phoenix.pair;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Starts standbys: in a new terminal window where there is a desktop, in a new tmux window inside tmux, in
 * Terminal on macOS, and otherwise in the background sharing this process's stdout and stderr. Always with an
 * argument list: no shell reads the arguments, except on macOS, where Terminal takes a shell line and every
 * argument is quoted for it.
 */
final class Spawners implements StandbyKeeper.Spawner {
    private static final Logger LOG = Logs.of(Spawners.class);
    /** The terminal programs tried, in order, when there is a desktop. */
    static final List<String> DESKTOP_TERMINALS = List.of(
            "x-terminal-emulator", "gnome-terminal", "konsole", "xfce4-terminal", "kitty", "alacritty", "xterm");

    /** Set in the environment of a standby spawned into a window of its own, where nobody else writes. */
    static final String OWN_WINDOW_ENV = "PHOENIX_OWN_WINDOW";

    private final List<String> command;
    private final String title;
    private final Map<String, String> environment;
    private String terminal;

    /**
     * @param command the standby's command line
     * @param title the window title
     * @param terminal {@code none} or a terminal program, already resolved from {@code auto}
     * @param environment set in every standby's environment (the marker that says who spawned it)
     */
    Spawners(List<String> command, String title, String terminal, Map<String, String> environment) {
        this.command = List.copyOf(command);
        this.title = title;
        this.terminal = terminal;
        this.environment = Map.copyOf(environment);
    }

    /** Resolves {@code auto}: tmux when inside tmux, a terminal window when there is a desktop, else none. */
    static String resolve(String requested, Map<String, String> env) {
        if (!"auto".equals(requested)) {
            return requested;
        }
        if (env.containsKey("TMUX") && onPath("tmux", env)) {
            return "tmux";
        }
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac")) {
            return "Terminal";
        }
        if (env.containsKey("DISPLAY") || env.containsKey("WAYLAND_DISPLAY")) {
            for (String t : DESKTOP_TERMINALS) {
                if (onPath(t, env)) {
                    return t;
                }
            }
            LOG.warn("there is a desktop but none of {} is installed; the standby runs in the background",
                    DESKTOP_TERMINALS);
        }
        return "none";
    }

    static boolean onPath(String program, Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** The full command line that starts the standby with the given terminal. */
    static List<String> commandFor(String terminal, String title, List<String> command) {
        List<String> out = new ArrayList<>();
        if (!List.of("none", "tmux", "Terminal").contains(terminal) && onPath("setsid", System.getenv())) {
            // A session of its own: Ctrl+C in the primary's terminal reaches the primary's process group, and
            // the standby's terminal must not be in it. setsid execs in place here, so the pid stays the same.
            out.add("setsid");
        }
        switch (terminal) {
            case "none":
                return List.copyOf(command);
            case "tmux":
                // A tmux window takes the server's environment, not this process's: what the standby needs from
                // it is passed on explicitly.
                out.addAll(List.of("tmux", "new-window", "-d", "-e", OWN_WINDOW_ENV + "=1", "-n", title, "--"));
                break;
            case "gnome-terminal":
                out.addAll(List.of("gnome-terminal", "--title=" + title, "--"));
                break;
            case "konsole":
                out.addAll(List.of("konsole", "-p", "tabtitle=" + title, "-e"));
                break;
            case "xfce4-terminal":
                out.addAll(List.of("xfce4-terminal", "-T", title, "-x"));
                break;
            case "kitty":
                out.addAll(List.of("kitty", "-T", title));
                break;
            case "alacritty":
                out.addAll(List.of("alacritty", "-t", title, "-e"));
                break;
            case "Terminal":
                return List.of("osascript", "-e", "tell application \"Terminal\" to do script \""
                        + appleScriptEscape(shellLine(command)) + "\"");
            default:
                // xterm, x-terminal-emulator and most others: -T title, -e program and its arguments.
                out.addAll(List.of(terminal, "-T", title, "-e"));
                break;
        }
        out.addAll(command);
        return out;
    }

    /** Quotes every argument for a POSIX shell, for the one terminal that only takes a shell line. */
    static String shellLine(List<String> command) {
        StringBuilder sb = new StringBuilder("exec");
        for (String arg : command) {
            sb.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        }
        return sb.toString();
    }

    private static String appleScriptEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public StandbyKeeper.Spawned spawn() throws IOException {
        List<String> full = commandFor(terminal, title, command);
        ProcessBuilder pb = new ProcessBuilder(full).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(environment);
        boolean background = "none".equals(terminal);
        if (background) {
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        } else {
            // The terminal's own chatter is not ours to show; the standby writes into its window.
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put(OWN_WINDOW_ENV, "1");
        }
        Process process = pb.start();
        LOG.info("spawned standby {} pid {}", background ? "in the background as" : "in " + terminal + " as",
                process.pid());
        return new Started(process, background);
    }

    @Override
    public void failed(StandbyKeeper.Spawned spawned, String why) {
        if (!"none".equals(terminal)) {
            LOG.warn("terminal {} did not start a standby ({}); standbys now run in the background", terminal, why);
            terminal = "none";
        }
    }

    @Override
    public void kill(long standbyPid) {
        ProcessHandle.of(standbyPid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** @return whether the standbys this primary starts write to its own stdout and stderr */
    boolean sharesOutput() {
        return "none".equals(terminal);
    }

    String terminal() {
        return terminal;
    }

    /** A started process; the JDK reaps it when it ends, so no zombie is left. */
    private static final class Started implements StandbyKeeper.Spawned {
        private final Process process;
        private final boolean background;

        Started(Process process, boolean background) {
            this.process = process;
            this.background = background;
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public boolean failedToStart() {
            // A terminal client may hand the window to a server and exit 0 at once; only an error counts.
            return !process.isAlive() && (background || process.exitValue() != 0);
        }

        @Override
        public void kill() {
            process.destroyForcibly();
        }
    }
}
