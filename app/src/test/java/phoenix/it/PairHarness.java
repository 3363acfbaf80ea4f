package phoenix.it;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import phoenix.pair.PairConfig;
import phoenix.pair.PairStatus;
import phoenix.testing.Awaits;
import phoenix.testing.PairStatuses;
import phoenix.testing.Ports;
import phoenix.testing.ProcStat;
import phoenix.testing.ProcessTracker;

/**
 * One real pair for an integration test: a unique name, port and state directory; its members started through
 * {@code run-phoenix.sh} under {@code test-scripts/subreaper.py}, so that every process the pair leaves behind
 * is reaped and can be found again by pid; its stdout read line by line with arrival times. Every process it
 * starts is tracked from the moment it starts ({@link ProcessTracker}), and {@link #close()} kills all of them
 * and their descendants by pid, also after JUnit's timeout cut a test short.
 */
final class PairHarness implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("phoenix.root", System.getProperty("user.dir")));
    static final Duration PROTECTED_WITHIN = Duration.ofSeconds(30);
    private static final File NO_INPUT = new File("/dev/null");

    final String name;
    final int port = Ports.freeUdpPort();
    final Path stateDir;
    final Path log;
    private final Path base;
    private final ProcessTracker processes;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> arrivalNs = Collections.synchronizedList(new ArrayList<>());
    private final List<List<String>> starts = Collections.synchronizedList(new ArrayList<>());
    private Process root;
    private final java.util.Map<String, String> environment = new java.util.HashMap<>();
    private final java.util.concurrent.atomic.AtomicReference<Runnable> onNextLine =
            new java.util.concurrent.atomic.AtomicReference<>();

    PairHarness() throws IOException {
        this(null);
    }

    PairHarness(String stateDirName) throws IOException {
        this(stateDirName, "it-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /**
     * A pair of the given name, with a state directory and port of its own: another start of a pair that keeps
     * its state elsewhere than in a state directory (a coordinator), as from another host.
     */
    PairHarness(String stateDirName, String name) throws IOException {
        this.name = name;
        processes = new ProcessTracker("pair " + name);
        base = Files.createTempDirectory("phoenix-it-");
        stateDir = stateDirName == null ? base.resolve("state") : base.resolve(stateDirName);
        log = base.resolve("members.log");
    }

    /** Sets an environment variable for the members started from now on (and the standbys they spawn). */
    PairHarness environment(String variable, String value) {
        environment.put(variable, value);
        return this;
    }

    /** Starts the first member with {@code --terminal none} and the given extra options. */
    PairHarness start(String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("run-phoenix.sh").toString(), "run", "--name", name,
                "--port", String.valueOf(port), "--state-dir", stateDir.toString(), "--terminal", "none"));
        cmd.addAll(List.of(extra));
        return startCommand(cmd);
    }

    /**
     * Starts {@link phoenix.example.LibraryProgram}, a program on the library, as the pair's first member.
     *
     * @param mode how its steps misbehave
     */
    PairHarness startProgram(String mode) throws IOException {
        String cp = System.getProperty("phoenix.jar") + ":" + System.getProperty("phoenix.lib") + "/*:"
                + ROOT.resolve("app/target/test-classes");
        return startCommand(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp", cp,
                phoenix.example.LibraryProgram.class.getName(), name, stateDir.toString(), String.valueOf(port), mode));
    }

    /**
     * Starts {@link phoenix.example.LibraryProgram} from its runnable jar, {@code java -jar phoenix-example.jar}, as
     * the pair's first member.
     *
     * @param mode how its steps misbehave
     */
    PairHarness startProgramJar(String mode) throws IOException {
        return startCommand(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx32m", "-XX:TieredStopAtLevel=1", "-jar",
                System.getProperty("phoenix.exampleJar"), name, stateDir.toString(), String.valueOf(port), mode));
    }

    /**
     * Starts {@link phoenix.example.ServiceProgram}, a service on the library, as the pair's first member.
     *
     * @param writers how many threads replicate synchronously
     * @param stateBytes the size of their states
     */
    PairHarness startService(int writers, int stateBytes) throws IOException {
        String cp = System.getProperty("phoenix.jar") + ":" + System.getProperty("phoenix.lib") + "/*:"
                + ROOT.resolve("app/target/test-classes");
        return startCommand(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", cp,
                phoenix.example.ServiceProgram.class.getName(), name, stateDir.toString(), String.valueOf(port),
                String.valueOf(writers), String.valueOf(stateBytes)));
    }

    /** Starts {@code command} as the pair's first member, under the subreaper; its stdout is read line by line. */
    PairHarness startCommand(List<String> command) throws IOException {
        ProcessBuilder builder = underSubreaper(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        root = processes.startSubreaper(builder);
        List<String> own = Collections.synchronizedList(new ArrayList<>());
        starts.add(own);
        Process started = root;
        Thread reader = new Thread(() -> readNumbers(started, own), "stdout of " + name);
        reader.setDaemon(true);
        reader.start();
        return this;
    }

    /** @return what the members of the {@code i}-th start (from 0) printed, in order */
    List<String> linesOfStart(int i) {
        List<String> own = starts.get(i);
        synchronized (own) {
            return new ArrayList<>(own);
        }
    }

    /** {@code subreaper.py COMMAND}, with no input: the pair ends with the test, whatever happens. */
    private static ProcessBuilder underSubreaper(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("python3", ROOT.resolve("test-scripts/subreaper.py").toString()));
        cmd.addAll(command);
        return new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(NO_INPUT));
    }

    /** What a one-off command printed and returned. */
    record Result(int exit, String out, String err) {
    }

    /** Asserts that a command was refused the way users are told: exit 2, one line, no stack trace. */
    static void assertOneLineError(Result r, String... fragments) {
        org.junit.jupiter.api.Assertions.assertEquals(2, r.exit(), "exit code; stderr: " + r.err());
        org.junit.jupiter.api.Assertions.assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        org.junit.jupiter.api.Assertions.assertTrue(last.startsWith("phoenix: "),
                "one line saying what was wrong: " + r.err());
        for (String f : fragments) {
            org.junit.jupiter.api.Assertions.assertTrue(last.contains(f), "message mentions '" + f + "': " + last);
        }
    }

    /**
     * Runs {@code run-phoenix.sh COMMAND ARGS --name .. --port .. --state-dir ..} to its end, for commands
     * that must finish on their own (status, stop, a start that must be refused). It runs under the subreaper
     * and is tracked from its start: a start that became a pair, or a test cut short by its timeout while this
     * waits, is ended by {@link #close()}.
     */
    Result runOnce(String command, String... args) throws IOException, InterruptedException {
        return runOnce(java.util.Map.of(), name, command, args);
    }

    /** As {@link #runOnce(String, String...)}, with another pair name and more environment. */
    Result runOnce(java.util.Map<String, String> env, String asName, String command, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("run-phoenix.sh").toString(), command));
        cmd.addAll(List.of(args));
        if (!"status".equals(command) && !"stop".equals(command)) {
            cmd.addAll(List.of("--port", String.valueOf(port), "--terminal", "none"));
        }
        cmd.addAll(List.of("--name", asName, "--state-dir", stateDir.toString()));
        Path out = Files.createTempFile(base, "out", ".txt");
        Path err = Files.createTempFile(base, "err", ".txt");
        ProcessBuilder pb = underSubreaper(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = processes.startSubreaper(pb);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            // A start that should have been refused became a pair: the caller's close() ends all of it.
            return new Result(-1, Files.readString(out), Files.readString(err) + "\n(still running after 60 s)");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Starts a helper process for the test, tracked like the members: it cannot outlive the test either. */
    Process spawn(ProcessBuilder builder) throws IOException {
        return processes.start(builder);
    }

    private void readNumbers(Process p, List<String> own) {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                synchronized (lines) {
                    lines.add(line);
                    arrivalNs.add(now);
                }
                Runnable action = onNextLine.getAndSet(null);
                if (action != null) {
                    action.run();
                }
                own.add(line);
            }
        } catch (IOException e) {
            // The pipe closed with the last member.
        }
    }

    /**
     * Runs {@code action} once, on the thread that reads the pair's stdout, as soon as the next line has arrived
     * (before the line after it is read): to act the moment a number appears.
     */
    void onNextLine(Runnable action) {
        onNextLine.set(action);
    }

    PairConfig config() {
        return PairConfig.builder(name).port(port).stateDir(stateDir).build();
    }

    /** Asks the pair for its status; the member pids it names are tracked, to be killed at the end. */
    Optional<PairStatus> status() {
        return PairStatuses.ask(config(), processes::track);
    }

    /**
     * Waits until a primary runs with an attached standby that acknowledges heartbeats, and both processes the
     * status names exist: a primary starved on a busy machine may not yet have noticed that its standby was
     * killed a moment ago, and still call itself protected.
     */
    PairStatus awaitProtected() {
        return awaitStatus(s -> s.isProtected() && s.primaryPid() > 0 && s.standbyPid() > 0
                && ProcStat.running(s.primaryPid()) && ProcStat.running(s.standbyPid()), "protected");
    }

    /** Polls the status until it satisfies {@code p}, and returns that status. */
    PairStatus awaitStatus(Predicate<PairStatus> p, String what) {
        return awaitStatus(config(), processes::track, p, what, PROTECTED_WITHIN, () -> "\n" + memberLog());
    }

    /**
     * Asks a pair again and again until its status satisfies {@code p}: the one status poll of the integration
     * tests (here, not in phoenix.testing, whose classes the benchmark loads without Awaitility).
     *
     * @param memberPids told each member pid a status names, to be killed at the test's end
     * @param more what to add to the failure message (a log), asked for only on failure
     * @return the first status that satisfies {@code p}
     */
    static PairStatus awaitStatus(PairConfig config, LongConsumer memberPids, Predicate<PairStatus> p, String what,
            Duration within, Supplier<String> more) {
        PairStatus[] last = new PairStatus[1];
        try {
            Awaits.await(what + " pair " + config.name(), within).ignoreExceptions().until(() -> {
                Optional<PairStatus> s = PairStatuses.ask(config, memberPids);
                s.ifPresent(st -> last[0] = st);
                return s.isPresent() && p.test(s.get());
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("pair " + config.name() + " not " + what + " within " + within.toSeconds()
                    + " s; last status: " + (last[0] == null ? "none" : last[0].toJson()) + more.get(), e);
        }
        return last[0];
    }

    /** Waits until the process is gone: ended, or a zombie waiting to be reaped. */
    static void awaitGone(long pid) {
        Awaits.await("pid " + pid + " gone", Duration.ofSeconds(10)).until(() -> !ProcStat.running(pid));
    }

    /** Waits until at least {@code n} lines have been printed. */
    void awaitLines(int n) {
        Awaits.await(n + " lines from " + name, PROTECTED_WITHIN).until(() -> lines.size() >= n);
    }

    /** Waits until the members' log has a line containing {@code text}. */
    void awaitLog(String text) {
        Awaits.await("'" + text + "' in the log of " + name, PROTECTED_WITHIN).until(() -> memberLog().contains(text));
    }

    /** Waits until the members' log holds one of {@code texts}: one event that is logged by one of two paths. */
    void awaitLogAny(String... texts) {
        Awaits.await("one of " + List.of(texts) + " in the log of " + name, PROTECTED_WITHIN).until(() -> {
            String log = memberLog();
            return java.util.Arrays.stream(texts).anyMatch(log::contains);
        });
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

    /** Every process this pair started that is still there: the descendants of the subreapers. */
    List<ProcessHandle> members() {
        return processes.descendants();
    }

    /** Members that are running and not zombies. */
    List<Long> liveMemberPids() {
        return members().stream().map(ProcessHandle::pid).filter(ProcStat::running).toList();
    }

    /** Pids that this pair's processes left as zombies: members a status named, and anything under a subreaper. */
    List<Long> zombies() {
        Set<Long> pids = new LinkedHashSet<>(processes.trackedPids());
        members().forEach(h -> pids.add(h.pid()));
        return pids.stream().filter(pid -> "Z".equals(ProcStat.state(pid))).toList();
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
        processes.close();
        if (!Files.exists(base)) {
            return;
        }
        phoenix.testing.Trees.remove(base);
    }
}
