package phoenix.it;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import phoenix.pair.PairConfig;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;

/**
 * One real pair for an integration test: a unique name, port and state directory; its members started through
 * {@code run-phoenix.sh} under {@code test-scripts/subreaper.py}, so that every process the pair leaves behind
 * is reaped and can be found again by pid; its stdout read line by line with arrival times. {@link #close()}
 * kills every process it started, by pid.
 */
final class PairHarness implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("user.dir"));
    static final Duration PROTECTED_WITHIN = Duration.ofSeconds(30);

    final String name = "it-" + UUID.randomUUID().toString().substring(0, 8);
    final int port = freeUdpPort();
    final Path stateDir;
    final Path log;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> arrivalNs = Collections.synchronizedList(new ArrayList<>());
    private final Set<Long> seenPids = Collections.synchronizedSet(new LinkedHashSet<>());
    private final List<Process> previousRoots = new ArrayList<>();
    private Process root;
    private Thread reader;

    PairHarness() throws IOException {
        this(null);
    }

    PairHarness(String stateDirName) throws IOException {
        Path base = Files.createTempDirectory("phoenix-it-");
        stateDir = stateDirName == null ? base.resolve("state") : base.resolve(stateDirName);
        log = base.resolve("members.log");
    }

    /** Starts the first member with {@code --terminal none} and the given extra options. */
    PairHarness start(String... extra) throws IOException {
        if (root != null) {
            previousRoots.add(root);
        }
        List<String> cmd = new ArrayList<>(List.of("python3", ROOT.resolve("test-scripts/subreaper.py").toString(),
                ROOT.resolve("run-phoenix.sh").toString(), "run", "--name", name, "--port", String.valueOf(port),
                "--state-dir", stateDir.toString(), "--terminal", "none"));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        root = pb.start();
        reader = new Thread(this::readNumbers, "stdout of " + name);
        reader.setDaemon(true);
        reader.start();
        return this;
    }

    /** What a one-off command printed and returned. */
    record Result(int exit, String out, String err) {
    }

    /**
     * Runs {@code run-phoenix.sh COMMAND ARGS --name .. --port .. --state-dir ..} to its end, for commands
     * that must finish on their own (status, stop, a start that must be refused).
     */
    Result runOnce(String command, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("run-phoenix.sh").toString(), command));
        cmd.addAll(List.of(args));
        if (!"status".equals(command) && !"stop".equals(command)) {
            cmd.addAll(List.of("--port", String.valueOf(port), "--terminal", "none"));
        }
        cmd.addAll(List.of("--name", name, "--state-dir", stateDir.toString()));
        Path out = Files.createTempFile("phoenix-out", ".txt");
        Path err = Files.createTempFile("phoenix-err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                // A start that should have been refused became a pair: end all of it, by pid.
                try (Stream<ProcessHandle> d = p.descendants()) {
                    d.forEach(h -> {
                        seenPids.add(h.pid());
                        h.destroyForcibly();
                    });
                }
                p.destroyForcibly();
                p.waitFor();
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private void readNumbers() {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(root.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                synchronized (lines) {
                    lines.add(line);
                    arrivalNs.add(now);
                }
            }
        } catch (IOException e) {
            // The pipe closed with the last member.
        }
    }

    PairConfig config() {
        return PairConfig.builder(name).port(port).stateDir(stateDir).build();
    }

    Optional<PairStatus> status() {
        return status(config(), seenPids);
    }

    /** Asks a pair for its status and adds the member pids it names to {@code seen}, to be killed at the end. */
    static Optional<PairStatus> status(PairConfig config, Set<Long> seen) {
        Optional<PairStatus> s = ProcessPair.status(config);
        s.ifPresent(st -> {
            if (st.primaryPid() > 0) {
                seen.add(st.primaryPid());
            }
            if (st.standbyPid() > 0) {
                seen.add(st.standbyPid());
            }
        });
        return s;
    }

    /** Waits until a primary runs with an attached standby that acknowledges heartbeats. */
    PairStatus awaitProtected() {
        return awaitStatus(s -> s.isProtected() && s.primaryPid() > 0 && s.standbyPid() > 0, "protected");
    }

    PairStatus awaitStatus(java.util.function.Predicate<PairStatus> p, String what) {
        PairStatus[] last = new PairStatus[1];
        await(what + " pair " + name).atMost(PROTECTED_WITHIN).pollInterval(Duration.ofMillis(20))
                .ignoreExceptions().until(() -> {
                    Optional<PairStatus> s = status();
                    s.ifPresent(st -> last[0] = st);
                    return s.isPresent() && p.test(s.get());
                });
        return last[0];
    }

    /** Waits until the process is gone: ended, or a zombie waiting to be reaped. */
    static void awaitGone(long pid) {
        await("pid " + pid + " gone").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> procState(pid).isEmpty() || "Z".equals(procState(pid)));
    }

    /** Waits until at least {@code n} lines have been printed. */
    void awaitLines(int n) {
        await(n + " lines from " + name).atMost(PROTECTED_WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> lines.size() >= n);
    }

    /** Waits until the members' log has a line containing {@code text}. */
    void awaitLog(String text) {
        await("'" + text + "' in the log of " + name).atMost(PROTECTED_WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> memberLog().contains(text));
    }

    List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    List<Long> arrivals() {
        synchronized (lines) {
            return new ArrayList<>(arrivalNs);
        }
    }

    /** Sends a signal to one pid, with kill(1): the test's own member pids, never a pattern. */
    static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
    }

    /** Every process this pair started that is still there: the descendants of the subreaper. */
    List<ProcessHandle> members() {
        if (root == null) {
            return List.of();
        }
        try (Stream<ProcessHandle> d = root.descendants()) {
            return d.filter(ProcessHandle::isAlive).toList();
        }
    }

    /** Members that are java processes running phoenix and not zombies. */
    List<Long> liveMemberPids() {
        List<Long> out = new ArrayList<>();
        for (ProcessHandle h : members()) {
            String state = procState(h.pid());
            if (!"Z".equals(state) && !state.isEmpty()) {
                out.add(h.pid());
            }
        }
        return out;
    }

    /** Pids that this pair's processes left as zombies: seen members, and anything under the subreaper. */
    List<Long> zombies() {
        Set<Long> pids = new LinkedHashSet<>(seenPids);
        members().forEach(h -> pids.add(h.pid()));
        List<Long> out = new ArrayList<>();
        for (long pid : pids) {
            if ("Z".equals(procState(pid))) {
                out.add(pid);
            }
        }
        return out;
    }

    static String procState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    Process root() {
        return root;
    }

    String memberLog() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws IOException {
        List<ProcessHandle> all = new ArrayList<>(members());
        for (Process p : previousRoots) {
            try (Stream<ProcessHandle> d = p.descendants()) {
                d.forEach(all::add);
            }
            p.destroyForcibly();
        }
        for (long pid : seenPids) {
            ProcessHandle.of(pid).ifPresent(all::add);
        }
        for (ProcessHandle h : all) {
            h.destroyForcibly();
        }
        if (root != null) {
            try {
                // The subreaper reaps the members just killed and then ends by itself; killing it first
                // would hand them to PID 1, which on some machines never reaps them.
                if (!root.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    root.destroyForcibly();
                    root.waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> walk = Files.walk(stateDir.getParent())) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static int freeUdpPort() {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
