package phoenix.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import phoenix.pair.PairConfig;
import phoenix.pair.ProcessPair;
import phoenix.testing.Ports;

/**
 * The replication rows of the benchmark ({@code run-phoenix.sh bench --replication}): starts a service pair of
 * {@link ReplicationBenchProgram}, whose primary measures synchronous replicates of 1 KiB and 1 MiB to its standby
 * over the watch connection, and prints them as a Markdown table against the goals of issue 9. The pair is
 * stopped at the end, and every process it started is killed by pid whatever happens.
 */
final class ReplicationBench {
    private ReplicationBench() {
    }

    static int run(Path root) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("phoenix-bench-repl-");
        String name = "bench-repl-" + UUID.randomUUID().toString().substring(0, 6);
        int port = Ports.freeUdpPort();
        String cp = root.resolve("app/target/phoenix.jar") + ":" + root.resolve("app/target/lib") + "/*:"
                + root.resolve("app/target/test-classes");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx128m", "-cp", cp, ReplicationBenchProgram.class.getName(), name,
                dir.resolve("state").toString(), String.valueOf(port))
                .redirectInput(new File("/dev/null"))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("members.log").toFile()));
        Process primary = pb.start();
        Map<String, String[]> rows = new HashMap<>();
        long started = System.nanoTime();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(primary.getInputStream(),
                StandardCharsets.US_ASCII))) {
            String line;
            while ((line = out.readLine()) != null) {
                String[] w = line.split(" ");
                if (w[0].equals("BENCH")) {
                    System.err.println("bench: " + line);
                    rows.put(w[1], w);
                    if (w[1].equals("done") || w[1].equals("failed")) {
                        break;
                    }
                }
            }
            PairConfig config = PairConfig.builder(name).port(port).stateDir(dir.resolve("state")).build();
            ProcessPair.stop(config, Duration.ofSeconds(15));
        } finally {
            List<ProcessHandle> all = primary.descendants().toList();
            primary.destroyForcibly();
            all.forEach(ProcessHandle::destroyForcibly);
        }
        if (!rows.containsKey("done")) {
            System.err.println("bench: the replication measurement did not finish; see " + dir.resolve("members.log"));
            return 1;
        }
        System.out.print(table(rows, (System.nanoTime() - started) / 1_000_000_000L));
        return 0;
    }

    static String table(Map<String, String[]> rows, long seconds) {
        String[] k = rows.get("latency1k");
        String[] m = rows.get("latency1m");
        long t1 = Long.parseLong(rows.get("throughput1")[2]);
        long t4 = Long.parseLong(rows.get("throughput4")[2]);
        long t16 = Long.parseLong(rows.get("throughput16")[2]);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nReplication of a service pair (%d s, %s, load %s)%n%n", seconds,
                Procs.cpuModel(), Procs.loadAverage()));
        sb.append("| measure | n | p50 | p99 | max | goal | result |\n|---|---:|---:|---:|---:|---|:-:|\n");
        long p50 = Long.parseLong(k[3]);
        long p99 = Long.parseLong(k[4]);
        sb.append(String.format(Locale.ROOT, "| sync replicate, 1 KiB, one thread (us) | %s | %d | %d | %s | "
                + "p50 <= 100, p99 <= 1000 | %s |%n", k[2], p50, p99, k[5], p50 <= 100 && p99 <= 1000 ? "ok" : "MISS"));
        sb.append(String.format(Locale.ROOT, "| sync replicate, 1 MiB, one thread (ms) | %s | %.2f | %.2f | %.2f |"
                + "  |  |%n", m[2], Long.parseLong(m[3]) / 1000.0, Long.parseLong(m[4]) / 1000.0,
                Long.parseLong(m[5]) / 1000.0));
        long best = Math.max(t1, Math.max(t4, t16));
        sb.append(String.format(Locale.ROOT, "| sync replicates of 1 KiB answered per second, 1 / 4 / 16 threads "
                + "| | %d / %d / %d | | | >= 20000 | %s |%n", t1, t4, t16, best >= 20_000 ? "ok" : "MISS"));
        return sb.toString();
    }
}
