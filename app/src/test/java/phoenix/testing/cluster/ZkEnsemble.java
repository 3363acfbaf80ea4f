package phoenix.testing.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.awaitility.core.ConditionTimeoutException;
import phoenix.testing.Awaits;
import phoenix.testing.Kill;
import phoenix.testing.Ports;
import phoenix.testing.ProcessTracker;

/**
 * A ZooKeeper ensemble of real server JVMs ({@code org.apache.zookeeper.server.quorum.QuorumPeerMain}), one per
 * {@link Netns} host ({@link #inNamespaces(Netns, Path)}: each server on its host's address, ports 2181, 2888 and
 * 3888), or all on 127.0.0.1 with free ports ({@link #onLoopback(int, Path)}: for machines where namespaces
 * cannot be made). The class path is the test's own, which holds the server and its run-time needs (pom.xml).
 *
 * <p>Each server has its data directory, {@code myid}, {@code zoo.cfg} and {@code server.log} under {@code
 * dir/server-N}; tickTime 500 ms, so that sessions of 1 to 10 s are allowed (2 s is what phoenix will use);
 * the admin HTTP server off; the four-letter words {@code srvr}, {@code ruok} and {@code mntr} allowed, since
 * {@link #mode(int)} asks {@code srvr}. Every process is started through a {@link ProcessTracker} and killed by
 * pid by {@link #kill(int)} or {@link #close()}.
 */
public final class ZkEnsemble implements AutoCloseable {
    /** The client port in namespace mode, where every server has an address of its own. */
    public static final int CLIENT_PORT = 2181;
    private static final int TICK_MS = 500;
    private static final Duration FOUR_LETTER_TIMEOUT = Duration.ofMillis(1000);
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    // Loopback ports are chosen from LOWEST_PORT up to the ephemeral range, when that leaves MIN_CHOICE at least.
    private static final int LOWEST_PORT = 10000;
    private static final int MIN_CHOICE = 1000;

    /** What a server says it is, through {@code srvr}. */
    public enum Mode {
        /** It leads the quorum and serves clients. */
        LEADER,
        /** It follows a leader and serves clients. */
        FOLLOWER,
        /** It answers but serves no client: it is looking for a quorum (or still starting). */
        NOT_SERVING,
        /** Nothing answers on its client address: the server is down, or cut off from the test JVM. */
        UNREACHABLE
    }

    /** One server: where it listens, and how its command is wrapped (in a namespace, or as it is). */
    private record Server(int id, String address, int clientPort, int quorumPort, int electionPort,
            Function<List<String>, ProcessBuilder> launcher) {
    }

    private final List<Server> servers;
    private final Path dir;
    private final ProcessTracker tracker;
    private final Process[] processes;
    // Where the servers' transaction logs go (ZooKeeper's dataLogDir), when not beside their snapshots.
    private Path logDir;

    private ZkEnsemble(List<Server> servers, Path dir) {
        this.servers = servers;
        this.dir = dir;
        this.tracker = new ProcessTracker("ZooKeeper ensemble in " + dir);
        this.processes = new Process[servers.size()];
    }

    /**
     * One server per host of a {@link Netns}, server N on host N, each bound to its host's address.
     *
     * @param net the hosts: 3 (or another odd number) of them
     * @param dir where the servers' directories go
     * @return the ensemble, not started
     */
    public static ZkEnsemble inNamespaces(Netns net, Path dir) {
        return inNamespaces(net, dir, net.hosts());
    }

    /**
     * Puts the servers' transaction logs, which every write waits for, under {@code dir} (a directory of its own per
     * server) instead of beside their snapshots: on another device, such as a tmpfs, to measure what the log
     * device costs. Before the first start.
     *
     * @param dir the directory, or null for beside the snapshots
     * @return this ensemble
     */
    public ZkEnsemble logsIn(Path dir) {
        this.logDir = dir;
        return this;
    }

    /**
     * One server on each of the first {@code servers} hosts of a {@link Netns}, server N on host N; the other
     * hosts are left for the programs under test.
     *
     * @param net the hosts
     * @param dir where the servers' directories go
     * @param servers how many: 3, or another odd number up to the hosts there are
     * @return the ensemble, not started
     */
    public static ZkEnsemble inNamespaces(Netns net, Path dir, int servers) {
        List<Server> s = new ArrayList<>();
        for (int h = 1; h <= servers; h++) {
            int host = h;
            s.add(new Server(h, net.address(h), CLIENT_PORT, 2888, 3888, c -> net.inHost(host, c)));
        }
        return new ZkEnsemble(s, dir);
    }

    /**
     * All servers on 127.0.0.1, each with three free ports of its own; no namespace, no root. The ports lie below
     * the kernel's ephemeral range when it can be read ({@link #loopbackPorts}).
     *
     * @param size how many servers, 3 or another odd number
     * @param dir where the servers' directories go
     * @return the ensemble, not started
     */
    public static ZkEnsemble onLoopback(int size, Path dir) {
        int[] ports = loopbackPorts(3 * size);
        List<Server> s = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            s.add(new Server(i, "127.0.0.1", ports[3 * i - 3], ports[3 * i - 2], ports[3 * i - 1],
                    ProcessBuilder::new));
        }
        return new ZkEnsemble(s, dir);
    }

    /**
     * Free TCP ports on 127.0.0.1, all different, below the kernel's ephemeral range (ip_local_port_range): no
     * program is given a port there that it did not ask for by number. A server binds its quorum port only when
     * it comes to lead, maybe minutes after the port was found free; in the ephemeral range any program's socket
     * may take it meanwhile, and then the servers that outlive a leader elect that server, which cannot bind its
     * port, again and again, and serve no client until the port is free (reproduced by holding the port: 4
     * minutes without a quorum). Where the range cannot be read, the kernel's pick.
     */
    private static int[] loopbackPorts(int count) {
        int below = ephemeralPortsFrom();
        Set<Integer> ports = new LinkedHashSet<>();
        int tries = 0;
        while (ports.size() < count) {
            if (below - LOWEST_PORT < MIN_CHOICE) {
                ports.add(Ports.freeTcpPort());
                continue;
            }
            if (++tries > 1000) {
                throw new IllegalStateException("no " + count + " free TCP ports on 127.0.0.1 between "
                        + LOWEST_PORT + " and " + (below - 1) + " in 1000 tries");
            }
            int port = ThreadLocalRandom.current().nextInt(LOWEST_PORT, below);
            if (isFree(port)) {
                ports.add(port);
            }
        }
        return ports.stream().mapToInt(Integer::intValue).toArray();
    }

    /** @return the first port of the kernel's ephemeral range, or 0 when it cannot be read */
    private static int ephemeralPortsFrom() {
        try {
            // A buffered read: Files.readString trusts the file's size (0) and got "3" of "32768 60999" (a sysctl
            // file answers only a read that starts at its beginning).
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).strip().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }

    /** @return how many servers, numbered from 1 */
    public int size() {
        return servers.size();
    }

    /**
     * Writes each server's configuration and starts them all.
     *
     * @throws IOException when a file cannot be written or a JVM cannot be started
     */
    public void start() throws IOException {
        for (int i = 1; i <= size(); i++) {
            start(i);
        }
    }

    /**
     * Starts one server (again, after {@link #kill(int)}): same configuration, same data.
     *
     * @param id 1 to {@link #size()}
     * @return its process; its pid is the JVM's
     * @throws IOException when a file cannot be written or the JVM cannot be started
     */
    public synchronized Process start(int id) throws IOException {
        Server s = server(id);
        if (processes[id - 1] != null && processes[id - 1].isAlive()) {
            throw new IllegalStateException("ZooKeeper server " + id + " runs already, pid " + processes[id - 1].pid());
        }
        Path home = dir.resolve("server-" + id);
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("myid"), id + "\n");
        if (logDir != null) {
            Files.createDirectories(logDir.resolve("server-" + id));
        }
        Path cfg = home.resolve("zoo.cfg");
        Files.writeString(cfg, config(s, data));
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dzookeeper.admin.enableServer=false",
                "-Dzookeeper.4lw.commands.whitelist=srvr,ruok,mntr",
                // An unreachable peer costs an election this long, not the default 5 s.
                "-Dzookeeper.cnxTimeout=1000",
                // Log lines with the time, to be laid beside the test's own when a server is slow to serve.
                "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-cp", TestClassPath.get(), "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg.toString());
        ProcessBuilder pb = s.launcher().apply(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("server.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = tracker.start(pb);
        processes[id - 1] = p;
        return p;
    }

    private String config(Server s, Path data) {
        StringBuilder b = new StringBuilder()
                .append("tickTime=").append(TICK_MS).append('\n')
                .append("initLimit=20\n")
                .append("syncLimit=4\n")
                .append("dataDir=").append(data).append('\n')
                .append(logDir == null ? "" : "dataLogDir=" + logDir.resolve("server-" + s.id()) + "\n")
                .append("clientPort=").append(s.clientPort()).append('\n')
                .append("clientPortAddress=").append(s.address()).append('\n')
                .append("admin.enableServer=false\n")
                .append("4lw.commands.whitelist=srvr,ruok,mntr\n")
                .append("minSessionTimeout=").append(2 * TICK_MS).append('\n')
                .append("maxSessionTimeout=").append(20 * TICK_MS).append('\n');
        for (Server o : servers) {
            b.append("server.").append(o.id()).append('=').append(o.address()).append(':').append(o.quorumPort())
                    .append(':').append(o.electionPort()).append('\n');
        }
        return b.toString();
    }

    /**
     * The pid of a server's JVM.
     *
     * @param id 1 to {@link #size()}
     * @return its pid
     * @throws IllegalStateException when it was never started
     */
    public synchronized long pid(int id) {
        Process p = processes[server(id).id() - 1];
        if (p == null) {
            throw new IllegalStateException("ZooKeeper server " + id + " was not started");
        }
        return p.pid();
    }

    /**
     * Whether a server's JVM runs.
     *
     * @param id 1 to {@link #size()}
     * @return true when it was started and has not ended
     */
    public synchronized boolean running(int id) {
        Process p = processes[server(id).id() - 1];
        return p != null && p.isAlive();
    }

    /**
     * Kills a server's JVM with SIGKILL, by pid, and waits until it is gone.
     *
     * @param id 1 to {@link #size()}
     * @throws IOException when kill(1) cannot be run
     * @throws InterruptedException when interrupted while waiting
     */
    public void kill(int id) throws IOException, InterruptedException {
        Process p;
        synchronized (this) {
            p = processes[server(id).id() - 1];
        }
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("ZooKeeper server " + id + " does not run");
        }
        Kill.signal(p.pid(), "KILL");
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("ZooKeeper server " + id + ", pid " + p.pid()
                    + ", still runs 10 s after SIGKILL");
        }
    }

    /**
     * Asks a server what it is, with the four-letter word {@code srvr} on its client address.
     *
     * @param id 1 to {@link #size()}
     * @return its mode; {@link Mode#UNREACHABLE} when nothing answers within a second
     */
    public Mode mode(int id) {
        Server s = server(id);
        String answer;
        try (Socket socket = new Socket()) {
            int timeoutMs = (int) FOUR_LETTER_TIMEOUT.toMillis();
            socket.connect(new InetSocketAddress(s.address(), s.clientPort()), timeoutMs);
            socket.setSoTimeout(timeoutMs);
            OutputStream out = socket.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return Mode.UNREACHABLE;
        }
        if (answer.contains("Mode: leader")) {
            return Mode.LEADER;
        }
        if (answer.contains("Mode: follower")) {
            return Mode.FOLLOWER;
        }
        return answer.isEmpty() ? Mode.UNREACHABLE : Mode.NOT_SERVING;
    }

    /** @return every server's mode, for a message: {@code {1=FOLLOWER, 2=LEADER, 3=UNREACHABLE}} */
    public Map<Integer, Mode> modes() {
        Map<Integer, Mode> m = new TreeMap<>();
        for (int i = 1; i <= size(); i++) {
            m.put(i, mode(i));
        }
        return m;
    }

    /**
     * The one server that says it leads, among all.
     *
     * @return its id, or 0 when none or more than one does
     */
    public int leader() {
        int leader = 0;
        for (int i = 1; i <= size(); i++) {
            if (mode(i) == Mode.LEADER) {
                if (leader != 0) {
                    return 0;
                }
                leader = i;
            }
        }
        return leader;
    }

    /**
     * Waits until the given servers form a quorum: one of them leads, the others follow.
     *
     * @param within how long it may take
     * @param ids the servers that must be in it (e.g. all, or all but a killed or cut-off one)
     * @return the leader's id
     */
    public int awaitQuorum(Duration within, int... ids) {
        int[] leader = new int[1];
        try {
            Awaits.await("a quorum of ZooKeeper servers " + Arrays.toString(ids) + " with one leader", within)
                    .until(() -> {
                        int leaders = 0;
                        for (int id : ids) {
                            Mode m = mode(id);
                            if (m == Mode.LEADER) {
                                leaders++;
                                leader[0] = id;
                            } else if (m != Mode.FOLLOWER) {
                                return false;
                            }
                        }
                        return leaders == 1;
                    });
        } catch (ConditionTimeoutException e) {
            Map<Integer, Mode> modes = modes();
            StringBuilder b = new StringBuilder(e.getMessage()).append("; the servers say ").append(modes);
            for (int id : ids) {
                if (modes.get(id) != Mode.LEADER && modes.get(id) != Mode.FOLLOWER) {
                    b.append("\n--- the end of server ").append(id).append("'s log ---\n").append(logTail(id));
                }
            }
            throw new AssertionError(b.toString(), e);
        }
        return leader[0];
    }

    /**
     * Waits until all servers form a quorum.
     *
     * @param within how long it may take
     * @return the leader's id
     */
    public int awaitQuorum(Duration within) {
        int[] all = new int[size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i + 1;
        }
        return awaitQuorum(within, all);
    }

    /** @return every server's client address, {@code host:port,host:port,...}, for a client */
    public String connectString() {
        StringJoiner j = new StringJoiner(",");
        for (Server s : servers) {
            j.add(s.address() + ":" + s.clientPort());
        }
        return j.toString();
    }

    /**
     * One server's client address.
     *
     * @param id 1 to {@link #size()}
     * @return {@code host:port}
     */
    public String connectString(int id) {
        Server s = server(id);
        return s.address() + ":" + s.clientPort();
    }

    /**
     * A server's log, for a failure message.
     *
     * @param id 1 to {@link #size()}
     * @return the last lines of its {@code server.log}, or why there are none
     */
    public String logTail(int id) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("server-" + server(id).id()).resolve("server.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(cannot read server " + id + "'s log: " + e + ")";
        }
    }

    /** Kills every server's JVM by pid (with anything it started) and waits until they are gone. */
    @Override
    public void close() {
        tracker.close();
    }

    private Server server(int id) {
        if (id < 1 || id > servers.size()) {
            throw new IllegalArgumentException("server " + id + " is not one of 1 to " + servers.size());
        }
        return servers.get(id - 1);
    }

    @Override
    public String toString() {
        return size() + " ZooKeeper servers at " + connectString();
    }
}
