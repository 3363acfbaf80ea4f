package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpawnersTest {
    private static final List<String> TERMINALS = List.of("xterm", "x-terminal-emulator", "gnome-terminal",
            "konsole", "xfce4-terminal", "kitty", "alacritty");
    private static final String TITLE = "phoenix p1 standby";
    private static final List<String> MEMBER = List.of("/usr/bin/java", "-cp", "/opt/phoenix/phoenix-1.jar",
            "phoenix.cli.Main", "run", "--state-dir", "a b 'c' \"d\" $(touch PWNED) `touch PWNED2` \\ $HOME *", "");

    @Test
    void aTerminalsCommandLineNamesNeitherPhoenixNorTheMembersCommand() {
        for (String terminal : TERMINALS) {
            List<String> cmd = Spawners.commandFor(terminal, TITLE, MEMBER);
            String line = String.join(" ", cmd);
            assertFalse(line.toLowerCase(java.util.Locale.ROOT).contains("phoenix"), terminal + ": " + line);
            assertEquals(List.of("/bin/sh", "-c", Spawners.TRAMPOLINE), cmd.subList(cmd.size() - 3, cmd.size()),
                    terminal + ": " + line);
            Map<String, String> env = Spawners.environmentFor(terminal, TITLE, MEMBER);
            assertEquals(String.valueOf(MEMBER.size()), env.get(Spawners.ARGC_ENV));
            assertEquals(TITLE, env.get(Spawners.TITLE_ENV));
            assertEquals("1", env.get(Spawners.OWN_WINDOW_ENV));
            for (String key : env.keySet()) {
                assertFalse(key.toLowerCase(java.util.Locale.ROOT).contains("phoenix")
                        && !key.equals(Spawners.OWN_WINDOW_ENV), key);
            }
        }
    }

    @Test
    void theBackgroundAndTmuxRunTheCommandAsItIs() {
        assertEquals(MEMBER, Spawners.commandFor("none", TITLE, MEMBER));
        List<String> tmux = Spawners.commandFor("tmux", TITLE, MEMBER);
        assertEquals(MEMBER, tmux.subList(tmux.size() - MEMBER.size(), tmux.size()));
        assertTrue(tmux.contains(Spawners.OWN_WINDOW_ENV + "=tmux"), tmux.toString());
        assertEquals(Map.of(), Spawners.environmentFor("tmux", TITLE, MEMBER));
    }

    @Test
    void theTrampolineRunsTheArgumentsAsTheyAreAndEvaluatesNone(@TempDir Path dir) throws Exception {
        // The command stands in for the member: it prints each argument it got between brackets, and what is
        // left of the trampoline's variables.
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c",
                "for a; do printf '[%s]\\n' \"$a\"; done; env | grep -c '^PAIR_' || true", "$0"));
        command.addAll(MEMBER);
        Map<String, String> env = Spawners.environmentFor("xterm", "a title", command);
        List<String> terminal = Spawners.commandFor("xterm", "a title", command);
        ProcessBuilder pb = new ProcessBuilder(terminal.subList(terminal.size() - 3, terminal.size()))
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        // A stale argument beyond the count must be ignored.
        pb.environment().put(Spawners.ARG_ENV + command.size(), "$(touch PWNED3)");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        StringBuilder expected = new StringBuilder("\033]0;a title\007");
        for (String arg : MEMBER) {
            expected.append('[').append(arg).append("]\n");
        }
        // The stale one is still there: the trampoline removes only what it read.
        expected.append("1\n");
        assertEquals(expected.toString(), out);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "no shell ran an argument");
        }
    }

    @Test
    void aMemberRenamesOnlyATmuxWindowOfItsOwn() {
        String title = "phoenix p1 primary";
        assertEquals(Optional.of(List.of("tmux", "rename-window", "-t", "%3", title)), WindowTitle.renameCommand(
                Map.of(Spawners.OWN_WINDOW_ENV, "tmux", "TMUX_PANE", "%3", "TMUX", "/tmp/t,1,0"), title));
        // Started by hand in a pane of the user's, or in a terminal window from a primary that ran in tmux.
        assertEquals(Optional.empty(), WindowTitle.renameCommand(Map.of("TMUX_PANE", "%3", "TMUX", "x"), title));
        assertEquals(Optional.empty(), WindowTitle.renameCommand(
                Map.of(Spawners.OWN_WINDOW_ENV, "1", "TMUX_PANE", "%3", "TMUX", "x"), title));
        assertEquals(Optional.empty(), WindowTitle.renameCommand(Map.of(Spawners.OWN_WINDOW_ENV, "tmux"), title));
    }
}
