package phoenix.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import phoenix.testing.Kill;
import phoenix.testing.ProcStat;

/**
 * What the benchmark alone reads from {@code /proc} (threads, memory, the machine), on top of {@link ProcStat}, and
 * the signals it sends through {@link Kill}, always to one pid.
 */
final class Procs {
    private Procs() {
    }

    /** @return user plus system CPU time of the process in clock ticks, or -1 when it is gone */
    static long cpuTicks(long pid) {
        return ProcStat.of(pid).map(ProcStat::cpuTicks).orElse(-1L);
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
                try {
                    comm = Files.readString(t.resolve("comm")).trim();
                } catch (IOException e) {
                    continue;
                }
                Optional<ProcStat> stat = ProcStat.read(t.resolve("stat"));
                if (stat.isEmpty()) {
                    continue;
                }
                long ticks = stat.get().cpuTicks();
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

    /**
     * The CPU time of each live thread of the process, from {@code /proc/PID/task/TID/schedstat} (ns, the kernel's
     * own account, finer than clock ticks): for a process that is almost always blocked. Compare two readings
     * thread by thread ({@link #cpuNsBetween}): a thread that ended in between takes its time with it.
     *
     * @return nanoseconds by thread id; empty when the process is gone
     */
    static Map<String, Long> threadCpuNs(long pid) {
        Map<String, Long> out = new HashMap<>();
        try (Stream<Path> list = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : list.toList()) {
                try {
                    out.put(t.getFileName().toString(),
                            Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]));
                } catch (IOException | RuntimeException e) {
                    // A thread that ended meanwhile.
                }
            }
        } catch (IOException | RuntimeException e) {
            return new HashMap<>();
        }
        return out;
    }

    /** @return the CPU the threads alive at both readings spent in between, in ns (a thread new since: all) */
    static long cpuNsBetween(Map<String, Long> before, Map<String, Long> after) {
        long sum = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
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
            if (!Kill.signal(pid, signal)) {
                throw new BenchException("kill -" + signal + " " + pid + " failed: the process is gone");
            }
        } catch (IOException | IllegalStateException e) {
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
