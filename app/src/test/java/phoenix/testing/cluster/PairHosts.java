package phoenix.testing.cluster;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import phoenix.pair.PairConfig;
import phoenix.pair.PairMember;
import phoenix.pair.PairStatus;
import phoenix.pair.ProcessPair;
import phoenix.testing.Awaits;
import phoenix.testing.Ports;
import phoenix.testing.ProcessTracker;

/**
 * One pair across hosts on one machine, for AcrossHostsIT and the benchmark's {@code --hosts} rows: a
 * {@link Netns} of S + P hosts, a ZooKeeper ensemble on hosts 1 to S ({@link ZkEnsemble#inNamespaces}) and the
 * pair's members on hosts S+1 to S+P, each started as {@code run-phoenix.sh run --coordinator zk://... --bind
 * ADDRESS} under {@code test-scripts/subreaper.py} and {@code unshare --uts} with a host name of its own
 * ({@code hN-PREFIX}), the pair's secret copied owner-only from the first host to the others as an operator
 * would. Every number any host prints is kept with the host and its arrival time, so that a caller can say which
 * host printed what, and when, on one clock.
 *
 * <p>{@link #close()} kills every member by pid (the processes first: a namespace with a process still in it
 * outlives its name), then the servers, then removes the namespaces, veths and bridge.
 */
public final class PairHosts implements AutoCloseable {
    /**
     * One line of output.
     *
     * @param host which host printed it
     * @param atNs when it arrived here, {@link System#nanoTime()}
     * @param text the line
     */
    public record Line(int host, long atNs, String text) {
    }

    /**
     * Who is the primary.
     *
     * @param host its host
     * @param pid its pid
     * @param epoch its epoch
     */
    public record Primary(int host, long pid, long epoch) {
    }

    private final Netns net;
    private final ZkEnsemble zk;
    private final int[] pairHosts;
    private final Path launcher;
    private final Path subreaper;
    private final Path logs;
    private final String name;
    private final int port;
    private final Duration session;
    private final Duration settledWithin;
    private final String zkPath;
    private final String interval;
    private final Map<Integer, Host> hosts = new TreeMap<>();
    private final Object lock = new Object();
    private final List<Line> lines = new ArrayList<>();

    private PairHosts(Builder b, Netns net) {
        this.net = net;
        this.zk = ZkEnsemble.inNamespaces(net, b.work.resolve("zk"), b.servers).logsIn(b.zkLogs);
        this.pairHosts = IntStream.rangeClosed(b.servers + 1, b.servers + b.pairHosts).toArray();
        this.launcher = b.root.resolve("run-phoenix.sh");
        this.subreaper = b.root.resolve("test-scripts").resolve("subreaper.py");
        this.logs = b.logs;
        this.name = b.name;
        this.port = b.port;
        this.session = b.session;
        this.settledWithin = b.settledWithin;
        this.zkPath = b.zkPath;
        this.interval = b.interval;
        for (int n : pairHosts) {
            hosts.put(n, new Host(n, b.work.resolve("h" + n)));
        }
    }

    /**
     * Starts a description of the hosts to make.
     *
     * @param work a directory of the caller's for the servers' data and the hosts' state directories
     * @param root the project's root, or a copy of the build that has {@code run-phoenix.sh} and
     *     {@code test-scripts/subreaper.py}
     * @return the builder
     */
    public static Builder builder(Path work, Path root) {
        return new Builder(work, root);
    }

    /** What to make: how many hosts, which names and addresses, the pair's options. */
    public static final class Builder {
        private final Path work;
        private final Path root;
        private int servers = 3;
        private Path zkLogs;
        private int pairHosts = 3;
        private String netPrefix = "phx";
        private String subnet;
        private Path logs = Path.of("target", "it-logs");
        private String name = "x-" + UUID.randomUUID().toString().substring(0, 8);
        private int port = Ports.freeUdpPort();
        private Duration session = Duration.ofSeconds(2);
        private Duration settledWithin = Duration.ofSeconds(60);
        private String zkPath = "/phoenix-it";
        private String interval = "20ms";

        private Builder(Path work, Path root) {
            this.work = work;
            this.root = root;
        }

        /**
         * @param dir where ZooKeeper's transaction logs go ({@link ZkEnsemble#logsIn}), or null: beside the data
         * @return this
         */
        public Builder zkLogs(Path dir) {
            this.zkLogs = dir;
            return this;
        }

        /**
         * @param servers ZooKeeper servers, on hosts 1 to {@code servers} (default 3)
         * @param pairHosts hosts of the pair's members after them (default 3)
         * @return this
         */
        public Builder hosts(int servers, int pairHosts) {
            this.servers = servers;
            this.pairHosts = pairHosts;
            return this;
        }

        /**
         * @param prefix the namespaces' name prefix (default {@code phx})
         * @param subnet their subnet, {@code A.B.C.} (default: a free one of {@link Netns#NET_PREFIX})
         * @return this
         */
        public Builder network(String prefix, String subnet) {
            this.netPrefix = prefix;
            this.subnet = subnet;
            return this;
        }

        /**
         * @param dir where each host's member log goes, kept after the run (default {@code target/it-logs})
         * @return this
         */
        public Builder logs(Path dir) {
            this.logs = dir;
            return this;
        }

        /**
         * @param pairName the pair's name (default {@code x-} and a random part)
         * @param pairPort the pair's port on every host (default a port below the kernel's ephemeral range: see
         *     {@link Ports#freeUdpPort()})
         * @return this
         */
        public Builder pair(String pairName, int pairPort) {
            this.name = pairName;
            this.port = pairPort;
            return this;
        }

        /**
         * @param timeout the members' ZooKeeper session timeout (default 2 s)
         * @return this
         */
        public Builder session(Duration timeout) {
            this.session = timeout;
            return this;
        }

        /**
         * @param path the coordinator's path in ZooKeeper (default {@code /phoenix-it})
         * @return this
         */
        public Builder zkPath(String path) {
            this.zkPath = path;
            return this;
        }

        /**
         * @param within how long a wait for the pair to settle may take before it fails (default 60 s)
         * @return this
         */
        public Builder settledWithin(Duration within) {
            this.settledWithin = within;
            return this;
        }

        /**
         * Makes the namespaces; nothing is started yet.
         *
         * @return the hosts, to be closed
         */
        public PairHosts build() {
            Netns net = Netns.create(servers + pairHosts, netPrefix, subnet);
            try {
                return new PairHosts(this, net);
            } catch (RuntimeException e) {
                net.close();
                throw e;
            }
        }
    }

    /** @return the namespaces */
    public Netns net() {
        return net;
    }

    /** @return the ZooKeeper ensemble on hosts 1 to S */
    public ZkEnsemble zk() {
        return zk;
    }

    /** @return the pair's name */
    public String name() {
        return name;
    }

    /** @return the pair's port on every host */
    public int port() {
        return port;
    }

    /** @return the members' session timeout */
    public Duration session() {
        return session;
    }

    /** @return the numbers of the pair's hosts, in order */
    public int[] pairHosts() {
        return pairHosts.clone();
    }

    /**
     * One host of the pair.
     *
     * @param n one of {@link #pairHosts()}
     * @return it
     */
    public Host host(int n) {
        Host h = hosts.get(n);
        if (h == null) {
            throw new IllegalArgumentException("host " + n + " is not one of the pair's " + Arrays.toString(pairHosts));
        }
        return h;
    }

    /** @return the members' {@code --coordinator}: every server, and the path */
    public String coordinator() {
        return "zk://" + zk.connectString() + zkPath;
    }

    /**
     * A host's own name, which its members announce.
     *
     * @param n a host's number
     * @return {@code hN-PREFIX}
     */
    public String hostName(int n) {
        return "h" + n + "-" + net.prefix();
    }

    /**
     * Starts every ZooKeeper server and waits for a quorum.
     *
     * @throws IOException when a server cannot be started
     */
    public void startEnsemble() throws IOException {
        zk.start();
        zk.awaitQuorum(settledWithin);
    }

    /**
     * Starts the pair on its first host, waits until it is protected there, copies its secret to the other hosts
     * and starts a member on each, and waits until every host holds a standby of the primary.
     *
     * @return the primary
     * @throws IOException when a member cannot be started or the secret copied
     */
    public Primary startPair() throws IOException {
        Host first = hosts.get(pairHosts[0]);
        first.start();
        Awaits.await("the first host's pair protected", settledWithin).ignoreExceptions()
                .until(() -> first.status().map(PairStatus::isProtected).orElse(false));
        for (int i = 1; i < pairHosts.length; i++) {
            // The pair's secret, copied as an operator would (owner-only): every member proves it to the others.
            Host h = hosts.get(pairHosts[i]);
            Files.createDirectory(h.stateDir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            Files.copy(first.stateDir.resolve("secret"), h.stateDir.resolve("secret"),
                    StandardCopyOption.COPY_ATTRIBUTES);
            h.start();
        }
        return awaitSettled(0);
    }

    /**
     * Waits for a primary on another host than {@code p}'s, of a newer epoch, printing.
     *
     * @param p the primary before
     * @return the new one
     */
    public Primary awaitPrimaryElsewhere(Primary p) {
        AtomicReference<Primary> found = new AtomicReference<>();
        Awaits.await("a primary on another host than " + p.host(), settledWithin).ignoreExceptions().until(() -> {
            for (int h : pairHosts) {
                Optional<Primary> q = h == p.host() ? Optional.empty() : primaryOn(h);
                if (q.isPresent() && q.get().epoch() > p.epoch()) {
                    found.set(q.get());
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    /**
     * Waits until the pair is settled: a primary of at least {@code minEpoch}, not on a host in {@code notOn},
     * protected by a standby on its own host, and on every other pair host a standby that watches it over TCP.
     *
     * @param minEpoch the oldest epoch that counts
     * @param notOn hosts whose primary does not count
     * @return the primary
     */
    public Primary awaitSettled(long minEpoch, int... notOn) {
        AtomicReference<Primary> found = new AtomicReference<>();
        Awaits.await("the pair settled, epoch " + minEpoch + " or later, a standby on every host",
                settledWithin).ignoreExceptions().until(() -> {
                    for (int h : pairHosts) {
                        if (Arrays.stream(notOn).anyMatch(n -> n == h)) {
                            continue;
                        }
                        Optional<PairStatus> s = hosts.get(h).status();
                        if (s.isEmpty() || s.get().primaryPid() == 0 || !s.get().isProtected()
                                || s.get().epoch() < minEpoch) {
                            continue;
                        }
                        long pid = s.get().primaryPid();
                        List<PairMember> members = ProcessPair.members(hosts.get(h).config());
                        for (int other : pairHosts) {
                            String otherName = hostName(other);
                            if (other != h && members.stream().noneMatch(m -> m.host().equals(otherName)
                                    && m.role().equals("standby") && m.watching() == pid)) {
                                return false;
                            }
                        }
                        found.set(new Primary(h, pid, s.get().epoch()));
                        return true;
                    }
                    return false;
                });
        return found.get();
    }

    /**
     * The primary running on a host, if one does.
     *
     * @param h a host of the pair
     * @return it, as that host's status says
     */
    public Optional<Primary> primaryOn(int h) {
        return host(h).status().filter(s -> s.primaryPid() != 0).map(s -> new Primary(h, s.primaryPid(), s.epoch()));
    }

    /**
     * When a host printed its first line after a moment; waits for it.
     *
     * @param sinceNs the moment, {@link System#nanoTime()}
     * @param h the host
     * @return the line's arrival, {@link System#nanoTime()}
     */
    public long firstLineAfter(long sinceNs, int h) {
        return awaitLine(sinceNs, n -> n == h, "a number from host " + h).atNs();
    }

    /**
     * Waits for the first line after a moment from a host that {@code which} accepts.
     *
     * @param sinceNs the moment, {@link System#nanoTime()}
     * @param which the hosts that count
     * @param what what is awaited, named when it does not come within the settle time
     * @return the line
     */
    public Line awaitLine(long sinceNs, IntPredicate which, String what) {
        AtomicReference<Line> at = new AtomicReference<>();
        Awaits.await(what, settledWithin).until(() -> {
            synchronized (lock) {
                lines.stream().filter(l -> which.test(l.host()) && l.atNs() - sinceNs > 0).findFirst()
                        .ifPresent(at::set);
            }
            return at.get() != null;
        });
        return at.get();
    }

    /**
     * The first line a host printed after a moment, if it printed one.
     *
     * @param sinceNs the moment, {@link System#nanoTime()}
     * @param h the host
     * @return the line
     */
    public Optional<Line> lineAfter(long sinceNs, int h) {
        synchronized (lock) {
            return lines.stream().filter(l -> l.host() == h && l.atNs() - sinceNs > 0).findFirst();
        }
    }

    /**
     * Waits for the next line any host prints, and then, at once and before any further line can be kept, runs
     * {@code action}: right after a number the primary is idle for a step interval, so that no number of the old
     * primary is on its way while the action happens.
     *
     * @param within how long to wait for the line
     * @param action what to do right after it, e.g. a signal
     * @return the line
     * @throws InterruptedException when interrupted while waiting
     * @throws IllegalStateException when no line came in time
     */
    public Line onNextLine(Duration within, Runnable action) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        synchronized (lock) {
            int n = lines.size();
            while (lines.size() == n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("no host printed a number for " + within.toMillis() + " ms");
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            action.run();
            return lines.get(n);
        }
    }

    /** @return every line any host printed, in the order of arrival */
    public List<Line> lines() {
        synchronized (lock) {
            return lines.stream().sorted(Comparator.comparingLong(Line::atNs)).toList();
        }
    }

    /**
     * @return the last 40 lines of each host's member log, for a failure's message
     * @throws IOException when a log cannot be read
     */
    public String logs() throws IOException {
        StringBuilder out = new StringBuilder();
        for (Host h : hosts.values()) {
            if (Files.exists(h.log)) {
                List<String> all = Files.readAllLines(h.log, StandardCharsets.UTF_8);
                out.append("--- host ").append(h.n).append(" (last 40 lines)\n")
                        .append(String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size())))
                        .append('\n');
            }
        }
        return out.toString();
    }

    /** Kills every member by pid, then the servers; removes the namespaces. Never throws. */
    @Override
    public void close() {
        // Processes first: a namespace with a process still in it outlives its name.
        for (Host h : hosts.values()) {
            h.tracker.close();
        }
        zk.close();
        net.close();
    }

    @Override
    public String toString() {
        return "pair " + name + " on " + net;
    }

    /** One host of the pair: its state directory, its members (under a subreaper of its own), its log. */
    public final class Host {
        private final int n;
        private final Path stateDir;
        private final Path log;
        private final ProcessTracker tracker;

        private Host(int n, Path stateDir) {
            this.n = n;
            this.stateDir = stateDir;
            // Kept after the run (the work directory may not be): what each host's members said, for a failure.
            this.log = logs.resolve(name + "-h" + n + ".log");
            this.tracker = new ProcessTracker("pair " + name + " host " + n);
        }

        /** @return its number */
        public int number() {
            return n;
        }

        /** @return its state directory (the secret, the control sockets) */
        public Path stateDir() {
            return stateDir;
        }

        /** @return its members' log */
        public Path log() {
            return log;
        }

        /** @return what started its processes, and kills them */
        public ProcessTracker tracker() {
            return tracker;
        }

        /**
         * Starts a member in the host: {@code run-phoenix.sh run} with the coordinator and the host's address;
         * its numbers are kept as they arrive.
         *
         * @throws IOException when it cannot be started
         */
        public void start() throws IOException {
            Files.createDirectories(logs);
            // The host's members in a process group of their own, led by the subreaper, whose parent is this JVM: a
            // host paused with SIGSTOP is never sent SIGHUP and SIGCONT by the kernel because the group of the JVM
            // that runs this became orphaned meanwhile (its launching shell ended, as a background job's does),
            // and a Ctrl+C in the terminal reaches this JVM alone, which ends the members by pid.
            List<String> cmd = new ArrayList<>(List.of("unshare", "--uts", "sh", "-c",
                    "hostname \"$0\" && exec \"$@\"", hostName(n), "python3", "-c",
                    "import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])", "python3",
                    subreaper.toString(),
                    launcher.toString(), "run", "--name", name, "--port", String.valueOf(port), "--state-dir",
                    stateDir.toString(), "--terminal", "none", "--interval", interval, "--coordinator",
                    coordinator(), "--session-timeout", session.toMillis() + "ms", "--bind", net.address(n)));
            Process p = tracker.startSubreaper(net.inHost(n, cmd).redirectInput(new File("/dev/null"))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())));
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (lock) {
                            lines.add(new Line(n, System.nanoTime(), line));
                            lock.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // The host's members ended.
                }
            }, "stdout of host " + n);
            reader.setDaemon(true);
            reader.start();
        }

        /**
         * Starts a command in the host, tracked with its members: a stop, a start that must be refused.
         *
         * @param command the command
         * @return its builder, with the host's name set through {@code unshare --uts}, stdin from /dev/null
         */
        public ProcessBuilder command(List<String> command) {
            List<String> cmd = new ArrayList<>(List.of("unshare", "--uts", "sh", "-c",
                    "hostname \"$0\" && exec \"$@\"", hostName(n)));
            cmd.addAll(command);
            return net.inHost(n, cmd).redirectInput(new File("/dev/null"));
        }

        /** @return the pids of the host's members: every Java process under its subreapers */
        public long[] pids() {
            long[] pids = tracker.descendants().stream()
                    .filter(h -> h.info().command().map(c -> c.endsWith("java")).orElse(false))
                    .mapToLong(ProcessHandle::pid).toArray();
            if (pids.length == 0) {
                throw new IllegalStateException("host " + n + " runs no member");
            }
            return pids;
        }

        /** @return the pair's configuration as this host's members have it */
        public PairConfig config() {
            return PairConfig.builder(name).port(port).stateDir(stateDir).coordinator(coordinator())
                    .sessionTimeout(session).build();
        }

        /** @return the pair's status, asked on this host (through its state directory's sockets) */
        public Optional<PairStatus> status() {
            return ProcessPair.status(config());
        }
    }
}
