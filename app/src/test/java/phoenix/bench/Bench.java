package phoenix.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The takeover benchmark's entry point: parse the options, run the measurements, print the Markdown report
 * and write the JSON, and map the outcome to an exit code (0 done, 1 a gap in a printed sequence, an
 * acknowledged write the key-value example lost, or a measurement that could not be made, 2 a bad command
 * line). Every process it started is ended by pid before it exits, also on failure and on Ctrl+C.
 */
public final class Bench {
    private Bench() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args the options; see {@code --help}
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Path root = Path.of(System.getProperty("phoenix.root", System.getProperty("user.dir"))).toAbsolutePath();
        BenchOptions options;
        try {
            options = BenchOptions.parse(args, root);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            return 2;
        }
        if (options.help) {
            System.out.println(BenchOptions.USAGE);
            return 0;
        }
        if (!Files.isExecutable(root.resolve("run-phoenix.sh"))) {
            System.err.println("bench: " + root.resolve("run-phoenix.sh") + " is missing; run from the project root "
                    + "or set -Dphoenix.root");
            return 2;
        }
        if (options.replication) {
            try {
                return ReplicationBench.run(root);
            } catch (IOException e) {
                System.err.println("bench: " + e.getMessage());
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        if (options.hosts) {
            Optional<String> why = HostsBench.unavailableBecause();
            if (why.isPresent()) {
                System.err.println("bench --hosts: " + why.get());
                return 2;
            }
        }
        Cleanup cleanup = new Cleanup();
        Thread hook = new Thread(cleanup::closeAll, "bench cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        Results results = new Results(options);
        HostsBench hostsBench = null;
        try {
            clearLogs(root.resolve("app").resolve("target").resolve("bench-logs"));
            Build build = cleanup.register(Build.copy(root));
            results.code = build.describe;
            if (options.hosts) {
                hostsBench = new HostsBench(root, build, cleanup, results);
                hostsBench.run();
            } else {
                new Measure(root, build, cleanup, results).run();
            }
        } catch (BenchException | IOException e) {
            // After Ctrl+C the shutdown hook has ended the pairs, and the measurement in progress fails on that.
            System.err.println("bench: " + (cleanup.isClosed() ? "interrupted; every process it started was ended"
                    : e.getMessage()));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("bench: interrupted");
            return 1;
        } finally {
            cleanup.closeAll();
        }
        results.elapsedNs = System.nanoTime() - results.startedNs;
        results.loadAtEnd = Procs.loadAverage();
        if (hostsBench != null) {
            if (!report(hostsBench.markdown(), hostsBench.json(), options)) {
                return 1;
            }
            return hostsBench.ok() ? 0 : overlapOrGap();
        }
        Report report = new Report(results);
        if (!report(report.markdown(), report.json(), options)) {
            return 1;
        }
        if (!results.sequencesOk()) {
            System.err.println("bench: a pair skipped a number; see the printed sequences");
            return 1;
        }
        if (!results.kvWritesOk()) {
            System.err.println("bench: the key-value example lost an acknowledged write; see the LOST lines");
            return 1;
        }
        return 0;
    }

    /** Prints the table and writes the JSON; says so and answers false when the JSON cannot be written. */
    private static boolean report(String markdown, String json, BenchOptions options) {
        System.out.print(markdown);
        System.out.flush();
        try {
            Files.createDirectories(options.json.toAbsolutePath().getParent());
            Files.writeString(options.json, json);
            return true;
        } catch (IOException e) {
            System.err.println("bench: cannot write " + options.json + ": " + e.getMessage());
            return false;
        }
    }

    private static int overlapOrGap() {
        System.err.println("bench: across hosts, a number was skipped, repeated more than once a takeover, or two "
                + "hosts printed in overlapping epochs; see the table");
        return 1;
    }

    private static void clearLogs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
        }
    }
}
