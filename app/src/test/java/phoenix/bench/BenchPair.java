package phoenix.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import phoenix.pair.PairConfig;
import phoenix.pair.PairException;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;
import phoenix.testing.PairStatuses;
import phoenix.testing.Ports;
import phoenix.testing.ProcessTracker;

/**
 * One real pair under measurement: a unique name, a free UDP port and a temporary state directory; its first
 * member started through {@code run-phoenix.sh run --terminal none} (the run's {@link Build} copy of it) under
 * {@code test-scripts/subreaper.py}, in a session of its own so that a Ctrl+C in the terminal reaches only the
 * benchmark. Both of its pipes are read as they arrive: stdout line by line with the arrival time of each
 * number, stderr into a log file and a list of the events the breakdown needs, with their arrival times.
 * {@link #close()} kills every process of the pair by pid.
 */
final class BenchPair implements AutoCloseable {
    // Time, thread (the main thread is "phoenix PID"; a signal handler runs on "SIGTERM handler"), level, text.
    private static final Pattern LOG_LINE = Pattern.compile("^\\S+ \\[([^\\]]*)\\] \\w+ (.*)$");
    private static final Pattern MEMBER_THREAD = Pattern.compile("^\\S+ (\\d{1,18})$");
    private static final int MAX_POLLS_IN_FLIGHT = 64;
    private static final Pattern PRIMARY = Pattern.compile(
            "^pid \\d+ is the primary of pair .*, continuing after step (\\d+)$");

    /** The member log lines the benchmark times. */
    enum EventKind {
        /** A primary logs that it ends on SIGTERM, SIGINT or SIGHUP. */
        PRIMARY_SIGNALLED,
        /** The standby decides to take over: {@code standby WATCHING -> PROMOTED}. */
        PROMOTED,
        /** The promoted member is the primary now; the value is the count it continues after. */
        PRIMARY,
        /** The primary spawned a new standby. */
        SPAWNED,
        /** A new standby attached: the pair is protected again. */
        ATTACHED,
        /** A primary learned that a newer one exists and ends. */
        FENCED,
        /** The primary killed a standby that stopped acknowledging heartbeats. */
        STANDBY_HUNG
    }

    /**
     * One timed member log line.
     *
     * @param kind what it says
     * @param arrivalNs when it arrived, {@link System#nanoTime()}
     * @param pid the member that wrote it
     * @param value the count a new primary continues after, 0 for other kinds
     */
    record Event(EventKind kind, long arrivalNs, long pid, long value) {
    }

    /**
     * A member's log line as it arrived.
     *
     * @param pid the member whose main thread wrote it, 0 for another thread
     * @param arrivalNs when it arrived, {@link System#nanoTime()}
     * @param text the message, without time, thread and level
     */
    record LogLine(long pid, long arrivalNs, String text) {
    }

    /**
     * The moment an action was taken right after a number arrived.
     *
     * @param index the index the next line will have
     * @param atNs {@link System#nanoTime()} just before the action
     */
    record Mark(int index, long atNs) {
    }

    /**
     * A status and when it was asked for.
     *
     * @param status the pair's status
     * @param sentNs {@link System#nanoTime()} when the request was sent: the primary answered after this
     * @param atNs {@link System#nanoTime()} when the whole answer was in (a busy or starting standby answers late)
     */
    record Seen(PairStatus status, long sentNs, long atNs) {
    }

    final String label;
    final String name = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    final int port = Ports.freeUdpPort();
    final Path logFile;
    private final Path root;
    private final Path launcher;
    private final Path base;
    private final Path stateDir;
    private final List<String> options;
    private final Map<String, String> environment;
    private final Object lock = new Object();
    private final List<String> lines = new ArrayList<>();
    private final List<Long> arrivals = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private final List<String> takeoverTimes = new ArrayList<>();
    private final List<LogLine> log = new ArrayList<>();
    private boolean eof;
    private final ProcessTracker processes;
    private Process subreaper;
    private Thread outReader;
    private Thread errReader;
    private boolean closed;

    BenchPair(Path root, Path launcher, Path logDir, String label, List<String> options) throws IOException {
        this(root, launcher, logDir, label, options, Map.of());
    }

    /**
     * A pair of another program on the launcher: {@code environment} names it, e.g. {@code PHOENIX_MAIN_CLASS}
     * (the key-value example); its members log under its own tag ("kv PID").
     */
    BenchPair(Path root, Path launcher, Path logDir, String label, List<String> options,
            Map<String, String> environment) throws IOException {
        this.environment = Map.copyOf(environment);
        this.root = root;
        this.launcher = launcher;
        this.label = label;
        this.options = List.copyOf(options);
        this.base = Files.createTempDirectory("phoenix-bench-");
        this.stateDir = base.resolve("state");
        Files.createDirectories(logDir);
        this.logFile = logDir.resolve(label + "-" + name + ".log");
        this.processes = new ProcessTracker("bench pair " + name + " (" + label + ")");
    }

    /** Starts the first member; it becomes the primary after the takeover timeout and spawns a standby. */
    synchronized BenchPair start() throws IOException {
        if (closed) {
            throw new BenchException("pair " + name + " was already ended");
        }
        List<String> cmd = new ArrayList<>(List.of("setsid", "-w", "python3",
                root.resolve("test-scripts/subreaper.py").toString(), launcher.toString(),
                "run", "--name", name, "--port", String.valueOf(port), "--state-dir", stateDir.toString(),
                "--terminal", "none"));
        cmd.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"));
        pb.environment().putAll(environment);
        subreaper = processes.startSubreaper(pb);
        outReader = new Thread(() -> readNumbers(subreaper.getInputStream()), "stdout of " + name);
        errReader = new Thread(() -> readLog(subreaper.getErrorStream()), "stderr of " + name);
        outReader.setDaemon(true);
        errReader.setDaemon(true);
        outReader.start();
        errReader.start();
        return this;
    }

    private void readNumbers(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                synchronized (lock) {
                    lines.add(line);
                    arrivals.add(now);
                    lock.notifyAll();
                }
            }
        } catch (IOException e) {
            // The pipe closed with the last member, or the pair was killed.
        } finally {
            synchronized (lock) {
                eof = true;
                lock.notifyAll();
            }
        }
    }

    private void readLog(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                BufferedWriter w = Files.newBufferedWriter(logFile)) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                event(line, now);
                w.write(line);
                w.newLine();
                w.flush();
            }
        } catch (IOException e) {
            // The pipe closed with the last member; what was read is in the log file.
        }
    }

    private void event(String line, long arrivalNs) {
        Matcher m = LOG_LINE.matcher(line);
        if (!m.matches()) {
            return;
        }
        // The member's main thread is named after the program and its pid: "phoenix 4039", "kv 4093".
        Matcher tag = MEMBER_THREAD.matcher(m.group(1));
        long pid = tag.matches() ? Long.parseLong(tag.group(1)) : 0;
        String text = m.group(2);
        synchronized (events) {
            log.add(new LogLine(pid, arrivalNs, text));
        }
        EventKind kind = null;
        long value = 0;
        Matcher primary = PRIMARY.matcher(text);
        if (text.startsWith("primary ends on SIG")) {
            kind = EventKind.PRIMARY_SIGNALLED;
        } else if (text.startsWith("standby WATCHING -> PROMOTED")) {
            kind = EventKind.PROMOTED;
        } else if (primary.matches()) {
            kind = EventKind.PRIMARY;
            value = Long.parseLong(primary.group(1));
        } else if (text.startsWith("spawned standby")) {
            kind = EventKind.SPAWNED;
        } else if (text.startsWith("primary's standby keeper SPAWNING -> PROTECTED")) {
            kind = EventKind.ATTACHED;
        } else if (text.contains("-> FENCED")) {
            kind = EventKind.FENCED;
        } else if (text.contains("stopped acknowledging heartbeats")) {
            kind = EventKind.STANDBY_HUNG;
        }
        if (text.startsWith("takeover took ")) {
            synchronized (events) {
                takeoverTimes.add(text);
            }
        }
        if (kind != null) {
            synchronized (events) {
                events.add(new Event(kind, arrivalNs, pid, value));
            }
        }
    }

    /**
     * Waits a little for a log line whose message starts with {@code prefix}, from any thread of any member.
     *
     * @param prefix how the message begins
     * @param afterNs the earliest arrival that counts
     * @param within how long to wait for it
     * @return the first such line that arrived at or after {@code afterNs}
     */
    Optional<LogLine> awaitLog(String prefix, long afterNs, Duration within) throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            Optional<LogLine> l;
            synchronized (events) {
                l = log.stream().filter(x -> x.text().startsWith(prefix) && x.arrivalNs() - afterNs >= 0).findFirst();
            }
            if (l.isPresent() || System.nanoTime() - start >= within.toNanos()) {
                return l;
            }
            Thread.sleep(2);
        }
    }

    /** @return the new primaries' own account of each takeover: the "takeover took ..." log lines */
    List<String> takeoverTimes() {
        synchronized (events) {
            return List.copyOf(takeoverTimes);
        }
    }

    PairConfig config() {
        return PairConfig.builder(name).port(port).stateDir(stateDir).build();
    }

    /** Asks the pair in-process; remembers its members' pids, so that they can be killed whatever happens. */
    Optional<PairStatus> status() {
        return PairStatuses.ask(config(), processes::track);
    }

    /** Polls the status until it satisfies {@code p}; throws, naming the last status and the log, when not. */
    Seen awaitStatus(Predicate<PairStatus> p, String what, Duration within, long pollNs)
            throws InterruptedException {
        long start = System.nanoTime();
        String last = "no answer";
        while (true) {
            try {
                long sent = System.nanoTime();
                Optional<PairStatus> s = status();
                long now = System.nanoTime();
                if (s.isPresent() && p.test(s.get())) {
                    return new Seen(s.get(), sent, now);
                }
                last = s.map(PairStatus::toJson).orElse("no member answers");
            } catch (PairException | IllegalStateException e) {
                last = e.toString();
            }
            if (System.nanoTime() - start >= within.toNanos()) {
                throw new BenchException("pair " + name + " (" + label + ") was not " + what + " within "
                        + within.toSeconds() + " s; last status: " + last + "; member log: " + logFile);
            }
            TimeUnit.NANOSECONDS.sleep(pollNs);
        }
    }

    /**
     * Polls the status every {@code pollNs} without waiting for the previous poll to finish, and returns the
     * earliest-sent poll that satisfied {@code p}. One poll asks the primary and then the standby, and a standby
     * that is still starting answers only once its loop runs; polls in a row would then all wait for it, and the
     * moment the primary's answer changed would be known only to within that wait.
     */
    Seen awaitStatusEveryPoll(Predicate<PairStatus> p, String what, Duration within, long pollNs)
            throws InterruptedException {
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "status poll of " + name);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Optional<Seen>>> polls = new ArrayList<>();
            int answered = 0;
            long start = System.nanoTime();
            long next = start;
            while (true) {
                long now = System.nanoTime();
                if (now - next >= 0 && polls.size() - answered < MAX_POLLS_IN_FLIGHT) {
                    polls.add(pool.submit(() -> {
                        long sent = System.nanoTime();
                        try {
                            Optional<PairStatus> st = status();
                            return st.filter(p).map(x -> new Seen(x, sent, System.nanoTime()));
                        } catch (PairException | IllegalStateException e) {
                            return Optional.<Seen>empty();
                        }
                    }));
                    next = now + pollNs;
                }
                // The first poll, in the order sent, that said yes, once every poll sent before it has answered.
                while (answered < polls.size() && polls.get(answered).isDone()) {
                    Optional<Seen> seen = result(polls.get(answered));
                    if (seen.isPresent()) {
                        return seen.get();
                    }
                    answered++;
                }
                if (now - start >= within.toNanos()) {
                    throw new BenchException("pair " + name + " (" + label + ") was not " + what + " within "
                            + within.toSeconds() + " s; member log: " + logFile);
                }
                TimeUnit.NANOSECONDS.sleep(Math.max(100_000L, Math.min(1_000_000L, next - System.nanoTime())));
            }
        } finally {
            // No interrupts: a status request interrupted while it waits would spin until its own timeout.
            pool.shutdown();
        }
    }

    private static Optional<Seen> result(Future<Optional<Seen>> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            return Optional.empty();
        }
    }

    /** Waits until a primary runs with an attached standby that acknowledges heartbeats. */
    PairStatus awaitProtected(Duration within) throws InterruptedException {
        return awaitStatus(s -> s.isProtected() && s.primaryPid() > 0 && s.standbyPid() > 0, "protected",
                within, 20_000_000L).status();
    }

    /**
     * Waits for the next number to arrive and then, at once and before any further line can be recorded, takes
     * the time and runs {@code action}: right after a number the primary is idle for a step interval, so that
     * no number of the old primary is on its way while the action happens.
     */
    Mark onNextLine(Duration within, BooleanSupplier action) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        synchronized (lock) {
            int n = lines.size();
            while (lines.size() == n) {
                long left = deadline - System.nanoTime();
                if (eof || left <= 0) {
                    throw new BenchException("pair " + name + " printed nothing for " + within.toMillis()
                            + " ms" + (eof ? " (its stdout closed)" : "") + "; member log: " + logFile);
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            Mark mark = new Mark(lines.size(), System.nanoTime());
            if (!action.getAsBoolean()) {
                throw new BenchException("the signal could not be sent (pair " + name + ")");
            }
            return mark;
        }
    }

    /** @return the index of the first line at or after {@code from} that arrived at or after {@code notBeforeNs} */
    int awaitLine(int from, long notBeforeNs, long deadlineNs) throws InterruptedException {
        synchronized (lock) {
            int i = from;
            while (true) {
                for (; i < lines.size(); i++) {
                    if (arrivals.get(i) - notBeforeNs >= 0) {
                        return i;
                    }
                }
                long left = deadlineNs - System.nanoTime();
                if (eof || left <= 0) {
                    return -1;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
    }

    /**
     * Finds the new primary's first number among the lines from {@code from} on: it continues after
     * {@code resumedAfter}, so its first number is the one after that, and the last such line before the number
     * after it (a number the old primary printed late, after the signal, can only be the same one, and comes
     * first).
     *
     * @return the index, or -1 when that number was not printed
     */
    int takeoverLine(int from, long notBeforeNs, long resumedAfter) {
        String first = String.valueOf(resumedAfter + 1);
        String second = String.valueOf(resumedAfter + 2);
        synchronized (lock) {
            int found = -1;
            for (int i = from; i < lines.size(); i++) {
                if (arrivals.get(i) - notBeforeNs < 0) {
                    continue;
                }
                if (lines.get(i).equals(second)) {
                    break;
                }
                if (lines.get(i).equals(first)) {
                    found = i;
                }
            }
            return found;
        }
    }

    /** @return the first event of that kind written by that member at or after {@code afterNs} */
    Optional<Event> awaitEvent(EventKind kind, long pid, long afterNs, Duration within) throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            Optional<Event> e;
            synchronized (events) {
                e = events.stream().filter(x -> x.kind() == kind && x.pid() == pid && x.arrivalNs() - afterNs >= 0)
                        .findFirst();
            }
            if (e.isPresent() || System.nanoTime() - start >= within.toNanos()) {
                return e;
            }
            Thread.sleep(2);
        }
    }

    long arrival(int index) {
        synchronized (lock) {
            return arrivals.get(index);
        }
    }

    List<String> lines() {
        synchronized (lock) {
            return new ArrayList<>(lines);
        }
    }

    /** @return how many lines that arrived in the window repeat a number printed before them */
    int repeatsBetween(long fromNs, long toNs) {
        synchronized (lock) {
            long max = 0;
            int repeats = 0;
            for (int i = 0; i < lines.size(); i++) {
                long n;
                try {
                    n = Long.parseLong(lines.get(i));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (n > max) {
                    max = n;
                } else if (arrivals.get(i) - fromNs >= 0 && arrivals.get(i) - toNs <= 0) {
                    repeats++;
                }
            }
            return repeats;
        }
    }

    /** @return how many lines arrived in the window */
    int linesBetween(long fromNs, long toNs) {
        synchronized (lock) {
            return (int) arrivals.stream().filter(a -> a - fromNs >= 0 && a - toNs <= 0).count();
        }
    }

    /** @return the longest time between two consecutive numbers that arrived in the window, in ns */
    long longestPauseNs(long fromNs, long toNs) {
        synchronized (lock) {
            long longest = 0;
            long prev = fromNs;
            for (long a : arrivals) {
                if (a - fromNs < 0) {
                    continue;
                }
                if (a - toNs > 0) {
                    break;
                }
                longest = Math.max(longest, a - prev);
                prev = a;
            }
            return Math.max(longest, toNs - prev);
        }
    }

    /** @return the first event of that kind that arrived at or after {@code afterNs} */
    Optional<Event> firstEvent(EventKind kind, long afterNs) {
        synchronized (events) {
            return events.stream().filter(e -> e.kind() == kind && e.arrivalNs() - afterNs >= 0).findFirst();
        }
    }

    /** Waits a little for an event whose line may still be in the pipe. */
    Optional<Event> awaitEvent(EventKind kind, long afterNs, Duration within) throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            Optional<Event> e = firstEvent(kind, afterNs);
            if (e.isPresent() || System.nanoTime() - start >= within.toNanos()) {
                return e;
            }
            Thread.sleep(2);
        }
    }

    /** @return how many events of that kind arrived in the window */
    long eventsBetween(EventKind kind, long fromNs, long toNs) {
        synchronized (events) {
            return events.stream().filter(e -> e.kind() == kind && e.arrivalNs() - fromNs >= 0
                    && e.arrivalNs() - toNs <= 0).count();
        }
    }

    /** Stops the pair the ordinary way and waits for its members and its pipes to end. */
    void stop() throws InterruptedException {
        try {
            ProcessPair.stop(config(), Duration.ofSeconds(15));
        } catch (PairException e) {
            System.err.println("bench: stopping pair " + name + ": " + e.getMessage() + "; killing it");
        }
        if (subreaper != null && !subreaper.waitFor(15, TimeUnit.SECONDS)) {
            System.err.println("bench: members of pair " + name + " are still running 15 s after stop; killing");
            processes.close();
        }
        join();
    }

    SequenceCheck sequence(String what) {
        return SequenceCheck.of(label + " " + what, lines());
    }

    private void join() throws InterruptedException {
        if (outReader != null) {
            outReader.join(5000);
        }
        if (errReader != null) {
            errReader.join(5000);
        }
    }

    /**
     * Kills what is left of the pair, waits for the subreaper, and removes the state directory. An interrupt
     * does not cut it short: it is kept for the caller once everything has ended.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        // Kills every process of the pair by pid, the subreaper last; keeps an interrupt for the caller.
        processes.close();
        boolean interrupted = Thread.interrupted();
        try {
            join();
        } catch (InterruptedException e) {
            interrupted = true;
        }
        try (Stream<Path> walk = Files.walk(base)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "pair " + name + " (" + label + ")";
    }
}
