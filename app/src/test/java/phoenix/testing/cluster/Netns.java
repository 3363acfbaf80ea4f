package phoenix.testing.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Hosts for a test on one machine: N Linux network namespaces, each joined by a veth pair to a bridge of its own
 * in the root namespace, each with one address of a private /24 that this class picks ({@code 10.213.X.0/24},
 * X derived from the pid and not in use on the machine). The bridge carries the subnet's {@code .254}, so that
 * the test JVM reaches every host; host {@code i} is {@code .i}. No namespace has a default route: traffic goes
 * only to the addresses assigned here, or to 127.0.0.0/8 (each namespace's loopback is up).
 *
 * <p>Every name starts with {@code phx} (or the prefix given to {@link #create(int, String, String)}, with the
 * subnet given there: the benchmark's {@code pbh} on {@code 10.231.0.0/24}) and a random part unique to the run:
 * namespaces {@code phxRRRRRh1..}, the bridge {@code phxRRRRRbr}, the root-side veths {@code phxRRRRRv1..} (the
 * namespace side is {@code eth0}).
 * {@link #close()} removes them all, also after a failure half-way through {@link #create(int)}, and a JVM
 * shutdown hook does the same for an instance not closed.
 *
 * <p>Faults: {@link #isolate(int)} sets the host's root-side veth down (nothing goes in or out, the bridge
 * address included); {@link #cut(int, int...)} adds {@code blackhole} routes on both sides between a host and
 * some peers only (the kernel drops what is sent and tells the local sender EINVAL; no iptables needed), so the
 * test JVM still reaches the host; {@link #heal()} undoes both.
 *
 * <p>Needs root and iproute2 ({@link #unavailableBecause()} says what is missing). A process started in a host
 * through {@link #inHost(int, List)} runs as {@code ip netns exec NAME COMMAND}: {@code ip} enters the namespace
 * and execs the command, so the {@link Process}'s pid is the command's own (ClusterInfraIT checks it).
 */
public final class Netns implements AutoCloseable {
    /** The first two octets of every subnet; the third comes from the pid. */
    public static final String NET_PREFIX = "10.213.";
    private static final int BRIDGE_HOST = 254;
    private static final Set<Netns> OPEN = ConcurrentHashMap.newKeySet();
    private static final String IP = find("ip");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Netns n : OPEN) {
                n.close();
            }
        }, "remove the test's network namespaces"));
    }

    private final String prefix;
    private final String subnet;
    private final int hosts;
    private final Set<String> namespaces = Collections.synchronizedSet(new LinkedHashSet<>());
    private final Set<Integer> isolated = Collections.synchronizedSet(new LinkedHashSet<>());
    /** Routes added by {@link #cut}: {namespace, address}. */
    private final List<String[]> blackholes = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean bridgeMade;

    private Netns(String prefix, String subnet, int hosts) {
        this.prefix = prefix;
        this.subnet = subnet;
        this.hosts = hosts;
    }

    /**
     * Why namespaces cannot be made here, if they cannot: not root, no {@code ip}, or the kernel refuses (a
     * container without CAP_SYS_ADMIN). Tries to add and remove a namespace of its own.
     *
     * @return the reason, empty when {@link #create(int)} can work
     */
    public static Optional<String> unavailableBecause() {
        if (!isRoot()) {
            return Optional.of("network namespaces need root (this runs as uid " + uid() + ")");
        }
        if (IP.isEmpty()) {
            return Optional.of("network namespaces need ip (Debian package iproute2), on the PATH or in /usr/sbin");
        }
        String probe = "phx" + random() + "p";
        try {
            run(List.of(IP, "netns", "add", probe));
        } catch (RuntimeException e) {
            return Optional.of("cannot add a network namespace: " + e.getMessage());
        } finally {
            runQuietly(List.of(IP, "netns", "del", probe));
        }
        return Optional.empty();
    }

    /**
     * For a test that needs hosts: skips it, saying why, when namespaces cannot be made here; under CI
     * ({@code CI=true} or {@code -Dphoenix.requireTools=true}) fails it instead, since there the tools must be
     * there.
     *
     * @param who the test, named in the message
     */
    public static void assumeAvailable(String who) {
        Optional<String> why = unavailableBecause();
        if (why.isPresent()) {
            String message = who + "'s hosts: " + why.get();
            if (Boolean.getBoolean("phoenix.requireTools") || "true".equals(System.getenv("CI"))) {
                org.junit.jupiter.api.Assertions.fail(message + " (under CI, missing tools fail the build)");
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(false, message);
        }
    }

    /**
     * Makes the hosts: namespaces with loopback up, veths, the bridge with its address.
     *
     * @param hosts how many, 1 to 253
     * @return the hosts, to be closed
     * @throws IllegalStateException when an {@code ip} command fails (with its output); what was made is removed
     */
    public static Netns create(int hosts) {
        return create(hosts, "phx", null);
    }

    /**
     * Makes the hosts under a name prefix and a subnet of the caller's (the benchmark's, so that its namespaces
     * and addresses are told apart from the tests' at a glance).
     *
     * @param hosts how many, 1 to 253
     * @param namePrefix the first letters of every name, 1 to 4 lower-case letters; a random part follows
     * @param subnet the first three octets with their dot, e.g. {@code 10.231.0.}; null picks a free
     *     {@code 10.213.X.} as {@link #create(int)} does
     * @return the hosts, to be closed
     * @throws IllegalStateException when the subnet is in use on the machine, or an {@code ip} command fails
     */
    public static Netns create(int hosts, String namePrefix, String subnet) {
        if (hosts < 1 || hosts >= BRIDGE_HOST) {
            throw new IllegalArgumentException("hosts must be 1 to " + (BRIDGE_HOST - 1) + ", not " + hosts);
        }
        if (!namePrefix.matches("[a-z]{1,4}")) {
            throw new IllegalArgumentException("a name prefix is 1 to 4 lower-case letters, not '" + namePrefix + "'");
        }
        if (subnet != null && !subnet.matches("(\\d{1,3}\\.){3}")) {
            throw new IllegalArgumentException("a subnet is three octets and a dot, such as 10.231.0., not '"
                    + subnet + "'");
        }
        if (subnet != null && inUse(subnet)) {
            throw new IllegalStateException("the subnet " + subnet + "0/24 is in use on this machine (another run "
                    + "of the same program?); `ip -4 addr` and `ip -4 route` show where");
        }
        Netns n = new Netns(namePrefix + random(), subnet != null ? subnet : freeSubnet(), hosts);
        OPEN.add(n);
        try {
            n.make();
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void make() {
        String bridge = bridge();
        bridgeMade = true;
        run(List.of(IP, "link", "add", bridge, "type", "bridge"));
        run(List.of(IP, "addr", "add", subnet + BRIDGE_HOST + "/24", "dev", bridge));
        run(List.of(IP, "link", "set", bridge, "up"));
        for (int h = 1; h <= hosts; h++) {
            String ns = name(h);
            namespaces.add(ns);
            run(List.of(IP, "netns", "add", ns));
            run(List.of(IP, "-n", ns, "link", "set", "lo", "up"));
            run(List.of(IP, "link", "add", veth(h), "type", "veth", "peer", "name", "eth0", "netns", ns));
            run(List.of(IP, "link", "set", veth(h), "master", bridge));
            run(List.of(IP, "link", "set", veth(h), "up"));
            run(List.of(IP, "-n", ns, "addr", "add", address(h) + "/24", "dev", "eth0"));
            run(List.of(IP, "-n", ns, "link", "set", "eth0", "up"));
        }
    }

    /** @return how many hosts there are, numbered from 1 */
    public int hosts() {
        return hosts;
    }

    /**
     * The name of a host's namespace.
     *
     * @param host 1 to {@link #hosts()}
     * @return e.g. {@code phxk3x9qh1}
     */
    public String name(int host) {
        return prefix + "h" + check(host);
    }

    /**
     * A host's address.
     *
     * @param host 1 to {@link #hosts()}
     * @return e.g. {@code 10.213.47.1}
     */
    public String address(int host) {
        return subnet + check(host);
    }

    /** @return the bridge's address in the root namespace, through which the test JVM reaches the hosts */
    public String bridgeAddress() {
        return subnet + BRIDGE_HOST;
    }

    /** @return the prefix of every name this instance made, e.g. {@code phxk3x9q} */
    public String prefix() {
        return prefix;
    }

    /**
     * A command to run in a host: {@code ip netns exec NAME COMMAND...}. Start it with a {@code ProcessTracker}
     * so that it is killed by pid; the pid is the command's own, since {@code ip} execs it.
     *
     * @param host 1 to {@link #hosts()}
     * @param command the command and its arguments
     * @return a builder to add redirections to and start
     */
    public ProcessBuilder inHost(int host, List<String> command) {
        List<String> c = new ArrayList<>(List.of(IP, "netns", "exec", name(host)));
        c.addAll(command);
        return new ProcessBuilder(c);
    }

    /**
     * Cuts a host off from everything, the test JVM included: its veth on the bridge goes down.
     *
     * @param host 1 to {@link #hosts()}
     */
    public void isolate(int host) {
        isolated.add(check(host));
        run(List.of(IP, "link", "set", veth(host), "down"));
    }

    /**
     * Cuts a host off from some peers only, both ways: a blackhole route to each peer in the host and one to the
     * host in each peer. The test JVM (the bridge's address) and the other hosts still reach it.
     *
     * @param host 1 to {@link #hosts()}
     * @param peers the hosts it must no longer reach, each 1 to {@link #hosts()} and not {@code host}
     */
    public void cut(int host, int... peers) {
        check(host);
        for (int p : peers) {
            if (check(p) == host) {
                throw new IllegalArgumentException("host " + host + " cannot be cut off from itself");
            }
            blackhole(name(host), address(p));
            blackhole(name(p), address(host));
        }
    }

    private void blackhole(String ns, String to) {
        run(List.of(IP, "-n", ns, "route", "add", "blackhole", to + "/32"));
        blackholes.add(new String[] {ns, to});
    }

    /** Undoes every {@link #isolate(int)} and {@link #cut(int, int...)}. */
    public void heal() {
        synchronized (isolated) {
            for (int h : isolated) {
                run(List.of(IP, "link", "set", veth(h), "up"));
            }
            isolated.clear();
        }
        synchronized (blackholes) {
            for (String[] r : blackholes) {
                run(List.of(IP, "-n", r[0], "route", "del", "blackhole", r[1] + "/32"));
            }
            blackholes.clear();
        }
    }

    /**
     * Removes the namespaces (which removes their veths, and the veths' bridge-side ends) and the bridge. Never
     * throws; says on stderr what it could not remove. Processes still running in a namespace keep it alive
     * without its name: the caller kills them first.
     */
    @Override
    public void close() {
        if (!OPEN.remove(this)) {
            return;
        }
        // Also after JUnit's timeout interrupted the test: ip must still run; the interrupt is kept for the caller.
        boolean interrupted = Thread.interrupted();
        List<String> left = new ArrayList<>();
        // The veths first, by their root-side names: a deleted namespace frees its devices only once the kernel
        // has cleaned it up, some time later; deleting one end of a veth deletes both at once.
        for (int h = 1; h <= hosts; h++) {
            boolean deleted = runQuietly(List.of(IP, "link", "del", veth(h)));
            if (!deleted && Files.exists(Path.of("/sys/class/net", veth(h)))) {
                left.add("veth " + veth(h));
            }
        }
        synchronized (namespaces) {
            for (String ns : namespaces) {
                if (!runQuietly(List.of(IP, "netns", "del", ns)) && Files.exists(Path.of("/run/netns", ns))) {
                    left.add("namespace " + ns);
                }
            }
        }
        if (bridgeMade && !runQuietly(List.of(IP, "link", "del", bridge()))
                && Files.exists(Path.of("/sys/class/net", bridge()))) {
            left.add("bridge " + bridge());
        }
        if (!left.isEmpty()) {
            System.err.println("Netns: could not remove " + left);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What is left on the machine with a prefix in its name: namespaces and links (bridge, veths).
     *
     * @param prefix e.g. {@link #prefix()} of an instance that was closed
     * @return the names of what is left, empty when nothing is
     */
    public static List<String> leftovers(String prefix) {
        List<String> left = new ArrayList<>();
        for (String line : (run(List.of(IP, "netns", "list")) + "\n" + run(List.of(IP, "-o", "link", "show")))
                .split("\n")) {
            if (line.contains(prefix)) {
                left.add(line.strip());
            }
        }
        return left;
    }

    @Override
    public String toString() {
        return hosts + " hosts " + prefix + "h1.. on " + subnet + "0/24";
    }

    private String bridge() {
        return prefix + "br";
    }

    private String veth(int host) {
        return prefix + "v" + check(host);
    }

    private int check(int host) {
        if (host < 1 || host > hosts) {
            throw new IllegalArgumentException("host " + host + " is not one of 1 to " + hosts);
        }
        return host;
    }

    /** The first 10.213.X.0/24, from the pid on, that no address or route of the root namespace uses yet. */
    private static String freeSubnet() {
        long start = ProcessHandle.current().pid();
        for (int i = 0; i < 250; i++) {
            String s = NET_PREFIX + ((start + i) % 250 + 1) + ".";
            if (!inUse(s)) {
                return s;
            }
        }
        throw new IllegalStateException("every " + NET_PREFIX + "X.0/24 is in use on this machine");
    }

    /** Whether an address or a route of the root namespace lies in the subnet ({@code A.B.C.}). */
    private static boolean inUse(String subnet) {
        String used = run(List.of(IP, "-4", "-o", "addr", "show")) + "\n" + run(List.of(IP, "-4", "route", "show"));
        // " 10.231.0." or at a line's start: 110.231.0.x is another subnet.
        return ("\n" + used.replace('\t', ' ')).replace("\n", "\n ").contains(" " + subnet);
    }

    private static String random() {
        String chars = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom r = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            b.append(chars.charAt(r.nextInt(chars.length())));
        }
        return b.toString();
    }

    private static boolean isRoot() {
        return "0".equals(uid());
    }

    private static String uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).trim().split("\\s+")[1];
                }
            }
        } catch (IOException e) {
            return "unknown (" + e + ")";
        }
        return "unknown";
    }

    /** The program's path: on the PATH, or in the sbin directories a non-root PATH may lack; empty if nowhere. */
    private static String find(String program) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        for (String dir : dirs) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Path.of(dir, program).toString();
            }
        }
        return "";
    }

    private static boolean runQuietly(List<String> command) {
        try {
            run(command);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Runs a command to its end and returns what it printed; throws with its output when it fails. */
    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(String.join(" ", command) + " did not end within 10 s");
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ": "
                            + out);
                }
                return out;
            } finally {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + String.join(" ", command) + " ran", e);
        }
    }
}
