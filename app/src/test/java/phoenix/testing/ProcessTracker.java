package phoenix.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Every process a test (or the benchmark) started, known by pid from the moment it starts, and killed with all
 * its descendants by {@link #close()}: from an {@code @AfterEach}, also after JUnit's timeout interrupted the test,
 * and, as a last resort, from a JVM shutdown hook for every tracker not closed yet. (When the JVM itself is
 * killed, {@code test-scripts/subreaper.py} ends what runs under it: it kills its descendants when its parent
 * dies.)
 *
 * <p>Killing is by pid only: the descendants of the processes started here, and the pids added with {@link
 * #track(long)} (members a status named, which may have been re-parented elsewhere). Descendants go first and
 * are looked for again until none is left, since a primary may spawn one more standby before it dies. Then the
 * started processes: one started with {@link #startSubreaper(ProcessBuilder)} reaps what was killed and ends by
 * itself, and is killed only if it does not (killing it first would hand its orphans to PID 1, which on some
 * machines never reaps them); any other is killed at once.
 */
public final class ProcessTracker implements AutoCloseable {
    private static final Set<ProcessTracker> OPEN = ConcurrentHashMap.newKeySet();
    private static final Duration ROOTS_END_WITHIN = Duration.ofSeconds(10);
    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int ROUNDS = 20;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (ProcessTracker t : OPEN) {
                t.close();
            }
        }, "kill what the tests started"));
    }

    private final String owner;
    private final Set<Process> roots = new LinkedHashSet<>();
    private final Set<Process> subreapers = new LinkedHashSet<>();
    // The handles of the processes tracked by pid, taken when they were tracked: a handle carries its process's
    // start time, and the JDK neither reports alive nor kills a later process that was given the same pid. (Kept
    // as bare pids and looked up again at the end, they made a long chaos run SIGKILL unrelated processes that had
    // reused a member's pid: pid_max is 32768 here, and a run starts thousands of JVMs.)
    private final java.util.Map<Long, ProcessHandle> pids = new java.util.LinkedHashMap<>();
    private boolean closed;

    /**
     * A tracker, registered with the shutdown hook until it is closed.
     *
     * @param owner who started the processes, for messages (a pair's name, a test's)
     */
    public ProcessTracker(String owner) {
        this.owner = owner;
        OPEN.add(this);
    }

    /**
     * Starts a process and tracks it before anything else can happen.
     *
     * @param builder what to start
     * @return the started process
     * @throws IOException when it cannot be started
     */
    public synchronized Process start(ProcessBuilder builder) throws IOException {
        if (closed) {
            throw new IllegalStateException(owner + " is ending; not starting " + builder.command());
        }
        Process p = builder.start();
        roots.add(p);
        return p;
    }

    /**
     * Starts {@code test-scripts/subreaper.py} (or another process that ends by itself once its descendants are
     * gone) and tracks it before anything else can happen.
     *
     * @param builder what to start
     * @return the started process
     * @throws IOException when it cannot be started
     */
    public synchronized Process startSubreaper(ProcessBuilder builder) throws IOException {
        // subreaper.py ends what runs under it when this JVM dies, also while it is still starting, if it knows us.
        builder.environment().put("SUBREAPER_PARENT", String.valueOf(ProcessHandle.current().pid()));
        Process p = start(builder);
        subreapers.add(p);
        return p;
    }

    /**
     * Tracks a process that was not started here but must end with the rest: a member a status named.
     *
     * @param pid the process; 0 or less is ignored
     */
    public synchronized void track(long pid) {
        if (pid > 0 && !pids.containsKey(pid)) {
            ProcessHandle.of(pid).ifPresent(h -> pids.put(pid, h));
        }
    }

    private synchronized void track(ProcessHandle h) {
        pids.putIfAbsent(h.pid(), h);
    }

    /**
     * @return the pids tracked with {@link #track(long)} that still name the process tracked (zombies included),
     *     not a later one given the same pid
     */
    public synchronized List<Long> trackedPids() {
        return pids.values().stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
    }

    private synchronized List<ProcessHandle> trackedHandles() {
        return new ArrayList<>(pids.values());
    }

    /** @return the descendants of every started process that are still there, zombies too */
    public List<ProcessHandle> descendants() {
        // By pid, once: a process reparented from under one started process to another while they are listed
        // one after the other shows up under both (chaos.sh saw [16174, 16104, 16174] for two members).
        java.util.Map<Long, ProcessHandle> out = new java.util.LinkedHashMap<>();
        for (Process p : startedProcesses()) {
            if (!p.isAlive()) {
                // Ended (this JVM reaped it, so it knows without a pid): its pid may be another process's now,
                // and the JDK would list that one's children as this one's (chaos.sh counted a shell of the
                // developer's as members). An ended subreaper has no descendants: its orphans went to init.
                continue;
            }
            try (Stream<ProcessHandle> d = p.descendants()) {
                d.filter(ProcessHandle::isAlive).forEach(h -> out.putIfAbsent(h.pid(), h));
            }
        }
        return new ArrayList<>(out.values());
    }

    private synchronized List<Process> startedProcesses() {
        return new ArrayList<>(roots);
    }

    /**
     * Kills every tracked process and every descendant of a started one, by pid, and waits until they are gone.
     * Never throws and is not cut short by an interrupt, which it keeps for the caller.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        boolean interrupted = Thread.interrupted();
        killDescendants();
        long deadline = System.nanoTime() + ROOTS_END_WITHIN.toNanos();
        for (Process p : startedProcesses()) {
            while (p.isAlive() && isSubreaper(p) && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(POLL_NS);
            }
            if (p.isAlive()) {
                if (isSubreaper(p)) {
                    System.err.println(owner + ": subreaper " + p.pid() + " did not end by itself; killing it");
                }
                p.destroyForcibly();
            }
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    System.err.println(owner + ": process " + p.pid() + " still runs 10 s after SIGKILL");
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        killDescendants();
        OPEN.remove(this);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized boolean isSubreaper(Process p) {
        return subreapers.contains(p);
    }

    private void killDescendants() {
        for (int round = 0; round < ROUNDS; round++) {
            java.util.Map<Long, ProcessHandle> all = new java.util.LinkedHashMap<>();
            for (ProcessHandle h : trackedHandles()) {
                all.put(h.pid(), h);
            }
            descendants().forEach(h -> all.putIfAbsent(h.pid(), h));
            List<ProcessHandle> running = new ArrayList<>();
            for (ProcessHandle h : all.values()) {
                // isAlive compares the start time: a pid that now names another process is not ours to kill.
                if (h.isAlive() && ProcStat.running(h.pid())) {
                    running.add(h);
                }
            }
            if (running.isEmpty()) {
                return;
            }
            running.forEach(h -> {
                track(h);
                h.destroyForcibly();
            });
            awaitGone(running, TimeUnit.SECONDS.toNanos(2));
        }
        System.err.println(owner + ": processes still running after " + ROUNDS + " rounds of SIGKILL");
    }

    private static void awaitGone(List<ProcessHandle> handles, long withinNs) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < withinNs
                && handles.stream().anyMatch(h -> h.isAlive() && ProcStat.running(h.pid()))) {
            LockSupport.parkNanos(POLL_NS);
        }
    }

    @Override
    public String toString() {
        return "processes of " + owner;
    }
}
