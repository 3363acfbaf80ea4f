package phoenix.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code /proc/PID/stat} (or {@code /proc/PID/task/TID/stat}) says about a process, read in one place. The
 * command name in parentheses may itself hold spaces and parentheses, so the fields are counted from the last
 * {@code ')'}.
 *
 * @param state the state letter: R, S, D, T (stopped), t, Z (zombie), X (dead), ...
 * @param ppid the parent's pid
 * @param processGroup the process group
 * @param session the session
 * @param tty the controlling terminal's device number, 0 for none
 * @param foregroundGroup the foreground process group of that terminal, -1 for none
 * @param userTicks user CPU time in clock ticks
 * @param systemTicks system CPU time in clock ticks
 */
public record ProcStat(String state, long ppid, long processGroup, long session, long tty, long foregroundGroup,
        long userTicks, long systemTicks) {

    /**
     * Reads one process's stat file.
     *
     * @param pid the process
     * @return what it says; empty when the process is gone or the file cannot be read
     */
    public static Optional<ProcStat> of(long pid) {
        return read(Path.of("/proc", String.valueOf(pid), "stat"));
    }

    /**
     * Reads a stat file: a process's or one of its threads'.
     *
     * @param statFile {@code /proc/PID/stat} or {@code /proc/PID/task/TID/stat}
     * @return what it says; empty when it is gone or cannot be read
     */
    public static Optional<ProcStat> read(Path statFile) {
        try {
            return Optional.of(parse(Files.readString(statFile)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Parses the text of a stat file.
     *
     * @param stat the text, e.g. {@code 4039 (java) S 1 4039 4039 0 -1 ...}
     * @return its fields
     * @throws IllegalArgumentException when the text is not a stat line
     */
    public static ProcStat parse(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 > stat.length()) {
            throw new IllegalArgumentException("not a /proc stat line: '" + stat + "'");
        }
        // The fields after the command name: state is field 3 of stat(5), so f[0]; tty_nr 7, tpgid 8; utime 14,
        // stime 15.
        String[] f = stat.substring(close + 2).trim().split(" ");
        if (f.length < 13) {
            throw new IllegalArgumentException("a /proc stat line with " + f.length + " fields: '" + stat + "'");
        }
        return new ProcStat(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[11]), Long.parseLong(f[12]));
    }

    /**
     * The state letter of a process.
     *
     * @param pid the process
     * @return R, S, T, Z, ...; an empty string when it is gone
     */
    public static String state(long pid) {
        return of(pid).map(ProcStat::state).orElse("");
    }

    /**
     * Whether a process is still there and can still run: it exists and is neither a zombie nor dead.
     *
     * @param pid the process
     * @return true when it exists and is not a zombie
     */
    public static boolean running(long pid) {
        String s = state(pid);
        return !s.isEmpty() && !"Z".equals(s) && !"X".equals(s);
    }

    /** @return user plus system CPU time in clock ticks */
    public long cpuTicks() {
        return userTicks + systemTicks;
    }

    /** @return whether the process is stopped (SIGSTOP or a tracer) */
    public boolean stopped() {
        return "T".equals(state) || "t".equals(state);
    }
}
