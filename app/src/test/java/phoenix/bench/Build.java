package phoenix.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private copy of the build that every pair of one run uses: {@code run-phoenix.sh}, {@code app/target/phoenix.jar},
 * {@code app/target/lib}, {@code app/target/lib-zk} and {@code test-scripts/subreaper.py}, copied once at the start.
 * The copied script finds no sources next to it, so it never rebuilds in the middle of a run when someone edits
 * {@code src/main}, and every member of the run runs the same code. Removed at the end.
 */
final class Build implements AutoCloseable {
    final Path dir;
    final String describe;

    private Build(Path dir, String describe) {
        this.dir = dir;
        this.describe = describe;
    }

    static Build copy(Path root) throws IOException {
        Path jar = root.resolve("app").resolve("target").resolve("phoenix.jar");
        Path lib = root.resolve("app").resolve("target").resolve("lib");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(lib)) {
            throw new BenchException(jar + " or " + lib + " is missing; build first with "
                    + "./mvnw -B -DskipTests package (test-scripts/bench.sh does)");
        }
        Path dir = Files.createTempDirectory("phoenix-bench-build-");
        Files.createDirectories(dir.resolve("app").resolve("target").resolve("lib"));
        Files.copy(root.resolve("run-phoenix.sh"), dir.resolve("run-phoenix.sh"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(jar, dir.resolve("app").resolve("target").resolve("phoenix.jar"));
        copyJars(lib, dir.resolve("app").resolve("target").resolve("lib"));
        // The coordinator's jars, which run-phoenix.sh adds for --coordinator (the --hosts rows), and the subreaper
        // the hosts' members run under.
        Path libZk = root.resolve("app").resolve("target").resolve("lib-zk");
        if (Files.isDirectory(libZk)) {
            copyJars(libZk, dir.resolve("app").resolve("target").resolve("lib-zk"));
        }
        Files.createDirectories(dir.resolve("test-scripts"));
        Files.copy(root.resolve("test-scripts").resolve("subreaper.py"),
                dir.resolve("test-scripts").resolve("subreaper.py"), StandardCopyOption.COPY_ATTRIBUTES);
        return new Build(dir, describe(root));
    }

    private static void copyJars(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> jars = Files.list(from)) {
            for (Path p : jars.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
    }

    /** @return the commit and whether src/main differs from it, as git says; "unknown" without git */
    private static String describe(Path root) {
        String head = git(root, "rev-parse", "--short", "HEAD");
        String changed = git(root, "status", "--porcelain", "--", "pair/src/main", "app/src/main", "pom.xml",
                "pair/pom.xml", "app/pom.xml").lines()
                .map(l -> l.length() > 3 ? l.substring(3) : l).reduce((a, b) -> a + ", " + b).orElse("");
        if (head.isEmpty()) {
            return "unknown (no git)";
        }
        return "commit " + head + (changed.isEmpty() ? ", src/main unchanged" : " + uncommitted changes in " + changed);
    }

    private static String git(Path root, String... args) {
        try {
            List<String> cmd = new ArrayList<>(List.of("git", "-C", root.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            // Porcelain lines begin with a two-letter status and may begin with a space: keep the start as it is.
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).stripTrailing();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    Path launcher() {
        return dir.resolve("run-phoenix.sh");
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    public String toString() {
        return "build copy " + dir;
    }
}
