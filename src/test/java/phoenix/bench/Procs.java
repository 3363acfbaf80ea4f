package phoenix.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the benchmark reads from {@code /proc}, and the signals it sends with kill(1), always to one pid. */
final class Procs {
    private Procs() {
    }

    /** @return user plus system CPU time of the process in clock ticks, or -1 when it is gone */
    static long cpuTicks(long pid) {
        String[] f = statFields(pid);
        // Fields after the command name: state is field 3, utime field 14, stime field 15.
        return f.length > 12 ? Long.parseLong(f[11]) + Long.parseLong(f[12]) : -1;
    }

    /**
     * The CPU time of the process's threads by kind: {@code main} (the member's own thread, named
     * "phoenix PID"), {@code jit} (the compiler threads) and {@code all} (the whole process, ended threads too).
     *
     * @return clock ticks by kind; empty when the process is gone
     */
    static Map<String, Long> threadTicks(long pid) {
        Map<String, Long> out = new HashMap<>();
        long all = cpuTicks(pid);
        if (all < 0) {
            return out;
        }
        out.put("all", all);
        out.put("main", 0L);
        out.put("jit", 0L);
        Path tasks = Path.of("/proc", String.valueOf(pid), "task");
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path t : list.toList()) {
                String comm;
                String[] f;
                try {
                    comm = Files.readString(t.resolve("comm")).trim();
                    String stat = Files.readString(t.resolve("stat"));
                    f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                } catch (IOException | RuntimeException e) {
                    continue;
                }
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                String kind = comm.startsWith("phoenix") ? "main" : comm.startsWith("C1 ") || comm.startsWith("C2 ")
                        ? "jit" : null;
                if (kind != null) {
                    out.merge(kind, ticks, Long::sum);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new HashMap<>();
        }
        return out;
    }

    /** @return the process state letter (R, S, T, Z, ...), or an empty string when it is gone */
    static String state(long pid) {
        String[] f = statFields(pid);
        return f.length > 0 ? f[0] : "";
    }

    /** @return whether the process exists and is not a zombie waiting to be reaped */
    static boolean running(ProcessHandle h) {
        String s = state(h.pid());
        return h.isAlive() && !s.isEmpty() && !"Z".equals(s) && !"X".equals(s);
    }

    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        } catch (IOException | RuntimeException e) {
            return new String[0];
        }
    }

    /** @return the resident set size (VmRSS) in kB, or -1 when the process is gone */
    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** @return clock ticks per second, as {@code getconf CLK_TCK} says; 100 when it cannot be asked */
    static int clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return p.waitFor() == 0 ? Integer.parseInt(out) : 100;
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }

    /** Sends one signal to one pid with kill(1) and waits for it; throws when kill fails. */
    static void signal(long pid, String signal) throws InterruptedException {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new BenchException("kill -" + signal + " " + pid + " failed: " + out);
            }
        } catch (IOException e) {
            throw new BenchException("cannot run kill -" + signal + " " + pid + ": " + e.getMessage());
        }
    }

    /** @return the CPU's model name from /proc/cpuinfo */
    static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String line : lines) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown";
    }

    /** @return the first three fields of /proc/loadavg */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
