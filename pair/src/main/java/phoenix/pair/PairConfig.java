package phoenix.pair;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How one process pair runs: its name, where its members meet (a UDP port and a state directory), how fast
 * it works and how soon a silent primary is replaced. Built with {@link #builder(String)} and checked once,
 * up front, by {@link Builder#build()}.
 */
public final class PairConfig {
    /** The default pause between two steps of the primary. */
    public static final Duration DEFAULT_STEP_INTERVAL = Duration.ofSeconds(1);
    /** The default pause between two heartbeats when the primary has no new step to send. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofMillis(100);
    /** The default number of heartbeat periods without a valid heartbeat after which a standby takes over. */
    public static final int DEFAULT_MISSES = 5;
    /**
     * Where the derived ports start; {@link #derivedPort(String)} picks one of the next 20000, all below the
     * ephemeral ranges of Linux (32768-60999) and macOS (49152-65535): a heartbeat port is unbound between a
     * takeover and its new standby's start, and a port in that range could meanwhile be handed to any socket
     * on the machine that sends without binding.
     */
    public static final int DERIVED_PORT_BASE = 12000;
    /** The default time a step may take before it counts as failed. */
    public static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofSeconds(10);
    /**
     * The shortest takeover timeout (heartbeat interval times misses) accepted: a busy machine delays a
     * process by tens of milliseconds now and then (scheduling, page faults, the collector), and a shorter
     * timeout turns each such delay into a false takeover.
     */
    public static final Duration MIN_TAKEOVER_TIMEOUT = Duration.ofMillis(100);
    /** The shortest heartbeat interval accepted. */
    public static final Duration MIN_HEARTBEAT_INTERVAL = Duration.ofMillis(10);
    /**
     * The environment variable through which a primary tells the standby it spawns who spawned it
     * ({@code PID:NAME}); the library reads it, so a program passes nothing on its command line.
     */
    public static final String SPAWNED_BY_ENV = "PHOENIX_PAIR_SPAWNED_BY";

    /**
     * The environment variable through which a standby tells the spare it spawns that it is a spare
     * ({@code PID:NAME}, the standby's pid): a member started prepared, which becomes the standby when the standby's
     * slot is free (see {@link Builder#spare}).
     */
    public static final String SPARE_OF_ENV = "PHOENIX_PAIR_SPARE_OF";

    /** The ZooKeeper session timeout a member asks for when it names a coordinator. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(2);

    // sun_path is 108 bytes on Linux (104 on macOS) including the terminating NUL.
    private static final int MAX_SOCKET_PATH_BYTES = 103;

    private final String name;
    private final int port;
    private final Path stateDir;
    private final Duration stepInterval;
    private final Duration heartbeatInterval;
    private final int misses;
    private final String terminal;
    private final boolean fresh;
    private final long spawnedBy;
    private final boolean heartbeatOnly;
    private final boolean spare;
    private final long spareOf;
    private final List<String> standbyCommand;
    private final Duration stepTimeout;
    private final boolean handleSignals;
    private final String windowLabel;
    private final String coordinator;
    private final Duration sessionTimeout;
    private final String bind;

    private PairConfig(Builder b) {
        this.name = b.name;
        this.port = b.port == 0 ? derivedPort(b.name) : b.port;
        this.stateDir = (b.stateDir == null ? defaultStateDir(b.name) : b.stateDir).toAbsolutePath().normalize();
        this.stepInterval = b.stepInterval;
        this.heartbeatInterval = b.heartbeatInterval;
        this.misses = b.misses;
        this.terminal = b.terminal;
        this.fresh = b.fresh;
        this.spawnedBy = b.spawnedBy;
        this.heartbeatOnly = b.heartbeatOnly;
        this.spare = b.spare;
        this.spareOf = b.spareOf;
        this.standbyCommand = List.copyOf(b.standbyCommand);
        this.stepTimeout = b.stepTimeout;
        this.handleSignals = b.handleSignals;
        this.windowLabel = b.windowLabel == null ? b.name : b.windowLabel;
        this.coordinator = b.coordinator;
        this.sessionTimeout = b.sessionTimeout;
        this.bind = b.bind;
    }

    /**
     * A builder with every setting at its default.
     *
     * @param name the pair's name; pairs with different names are independent
     * @return the builder
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * The port a pair uses when none is given: stable for a name, spread over 20000 ports.
     *
     * @param name the pair's name
     * @return a port from {@link #DERIVED_PORT_BASE} to {@code DERIVED_PORT_BASE + 19999}
     */
    public static int derivedPort(String name) {
        int h = 0;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = h * 31 + (b & 0xff);
        }
        return DERIVED_PORT_BASE + Math.floorMod(h, 20000);
    }

    /**
     * The state directory a pair uses when none is given: {@code $XDG_STATE_HOME/phoenix/NAME}, or
     * {@code ~/.local/state/phoenix/NAME}.
     *
     * @param name the pair's name
     * @return the directory
     */
    public static Path defaultStateDir(String name) {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("phoenix").resolve(name);
    }

    /** {@return the pair's name} */
    public String name() {
        return name;
    }

    /** {@return the UDP port on 127.0.0.1 where the standby listens for heartbeats} */
    public int port() {
        return port;
    }

    /** {@return the absolute state directory: secret, checkpoint, control sockets} */
    public Path stateDir() {
        return stateDir;
    }

    /** {@return the pause between two steps} */
    public Duration stepInterval() {
        return stepInterval;
    }

    /** {@return the pause between two heartbeats} */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** {@return how many heartbeat periods may pass without a valid heartbeat before the standby takes over} */
    public int misses() {
        return misses;
    }

    /** {@return how long a standby waits for a heartbeat before it takes over: misses times the heartbeat} */
    public Duration takeoverTimeout() {
        return Duration.ofNanos(Math.multiplyExact(heartbeatInterval.toNanos(), misses));
    }

    /** {@return where a new standby runs: {@code auto}, {@code none} or the name of a terminal program} */
    public String terminal() {
        return terminal;
    }

    /**
     * {@return the coordinator that keeps the pair's epochs and checkpoint, {@code zk://HOST:PORT[,...]/PATH}, or
     *     null when the state directory keeps them (the default)}
     */
    public String coordinator() {
        return coordinator;
    }

    /** {@return the ZooKeeper servers of the coordinator, {@code HOST:PORT,...}, or null without a coordinator} */
    public String coordinatorServers() {
        return coordinator == null ? null : coordinator.substring("zk://".length(), coordinator.indexOf('/', 5));
    }

    /** {@return where the pair's znodes are: the coordinator's path and the pair's name, or null without one} */
    public String coordinatorRoot() {
        return coordinator == null ? null : coordinator.substring(coordinator.indexOf('/', 5)) + "/" + name;
    }

    /**
     * {@return the address members on other hosts reach this member on ({@code --bind}), or null when the pair has
     *     no members on other hosts}
     */
    public String bind() {
        return bind;
    }

    /** {@return the ZooKeeper session timeout a member asks for, when the pair names a coordinator} */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /** {@return whether this start ignores the checkpoint and counts from the beginning} */
    public boolean fresh() {
        return fresh;
    }

    /** {@return the pid of the primary that spawned this member, or 0 when a person started it} */
    public long spawnedBy() {
        return spawnedBy;
    }

    /**
     * {@return whether the standby ignores the end of the primary's process and waits for the heartbeat timeout
     *     even after a crash, as heartbeat-only process pairs do; for comparisons, not for use}
     */
    public boolean heartbeatOnly() {
        return heartbeatOnly;
    }

    /**
     * {@return whether the standby keeps a spare: a third member, started and prepared ahead, that becomes the
     *     standby the moment the slot is free (a takeover, or the standby's end), so that the pair is protected
     *     again in milliseconds instead of a JVM's start}
     */
    public boolean spare() {
        return spare;
    }

    /** {@return the pid of the standby this member is the spare of, or 0 when it is not a spare} */
    public long spareOf() {
        return spareOf;
    }

    /** {@return the command that starts a standby of this pair, without a shell} */
    public List<String> standbyCommand() {
        return standbyCommand;
    }

    /** {@return how long one step may run before it counts as a failed acceptance test} */
    public Duration stepTimeout() {
        return stepTimeout;
    }

    /**
     * {@return whether the library handles SIGINT, SIGTERM and SIGHUP: a primary hands over and
     *     {@link ProcessPair#run} returns {@link Ending#INTERRUPTED}, {@link Ending#TERMINATED} or
     *     {@link Ending#HUNG_UP}; a standby ignores the first two and ends on SIGHUP}
     */
    public boolean handleSignals() {
        return handleSignals;
    }

    /**
     * {@return the first words of the title of a window a member runs in, followed by its role ({@code primary}
     *     or {@code standby}); the pair's name unless {@link Builder#windowLabel} says otherwise}
     */
    public String windowLabel() {
        return windowLabel;
    }

    Path controlSocket() {
        return stateDir.resolve("primary.sock");
    }

    Path standbySocket() {
        return stateDir.resolve("standby.sock");
    }

    @Override
    public String toString() {
        return "pair '" + name + "' (port " + port + ", state " + stateDir + ", step every " + stepInterval.toMillis()
                + " ms, heartbeat every " + heartbeatInterval.toMillis() + " ms, takeover after " + misses
                + " misses" + (coordinator == null ? "" : ", coordinator " + coordinator + ", session timeout "
                + sessionTimeout.toMillis() + " ms") + (spare ? ", with a spare" : "") + ")";
    }

    /**
     * zk://HOST:PORT[,HOST:PORT...]/PATH: hosts are names or IPv4 addresses (IPv6 in brackets), the path's segments
     * are what a pair name may be. Compiled at the first check of a coordinator, not with every configuration.
     */
    private static final class Coordinator {
        static final Pattern PATTERN = Pattern.compile(
                "zk://(?:(?:[A-Za-z0-9][A-Za-z0-9.-]*|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5},?)+"
                + "(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)+");
    }

    /** Collects a pair's settings; {@link #build()} checks them all at once. */
    public static final class Builder {
        private final String name;
        private int port;
        private Path stateDir;
        private Duration stepInterval = DEFAULT_STEP_INTERVAL;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private int misses = DEFAULT_MISSES;
        private String terminal = "auto";
        private boolean fresh;
        private long spawnedBy;
        private boolean heartbeatOnly;
        private boolean spare;
        private long spareOf;
        private List<String> standbyCommand;
        private Duration stepTimeout = DEFAULT_STEP_TIMEOUT;
        private boolean handleSignals = true;
        private String windowLabel;
        private boolean spawnedBySet;
        private String coordinator;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private String bind;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /**
         * Sets the UDP port; 0 derives one from the name.
         *
         * @param port 1024 to 65535, or 0
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * Sets the state directory.
         *
         * @param dir the directory; created with owner-only permissions when missing
         * @return this builder
         */
        public Builder stateDir(Path dir) {
            this.stateDir = dir;
            return this;
        }

        /**
         * Sets the pause between two steps.
         *
         * @param interval 1 ms to 1 h
         * @return this builder
         */
        public Builder stepInterval(Duration interval) {
            this.stepInterval = interval;
            return this;
        }

        /**
         * Sets the pause between two heartbeats.
         *
         * @param interval 10 ms to 10 s
         * @return this builder
         */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = interval;
            return this;
        }

        /**
         * Sets how many heartbeat periods may pass in silence before the standby takes over.
         *
         * @param misses 2 to 100
         * @return this builder
         */
        public Builder misses(int misses) {
            this.misses = misses;
            return this;
        }

        /**
         * Sets where a new standby runs.
         *
         * @param terminal {@code auto}, {@code none}, or a terminal program such as {@code xterm} or {@code tmux}
         * @return this builder
         */
        public Builder terminal(String terminal) {
            this.terminal = terminal;
            return this;
        }

        /**
         * Keeps the pair's epochs and checkpoint in ZooKeeper instead of the state directory (which still holds
         * the secret and the members' sockets). Needs the phoenix-pair-zk jar and its dependencies on the class
         * path.
         *
         * @param coordinator {@code zk://HOST:PORT[,HOST:PORT...]/PATH}; the pair's znodes are under
         *     {@code PATH/NAME}; null for the state directory
         * @return this builder
         */
        public Builder coordinator(String coordinator) {
            this.coordinator = coordinator;
            return this;
        }

        /**
         * The ZooKeeper session timeout to ask for: a primary that ZooKeeper has not heard for this long loses
         * its lease, and stops stepping a margin before that.
         *
         * @param sessionTimeout from 1 s to 60 s
         * @return this builder
         */
        public Builder sessionTimeout(Duration sessionTimeout) {
            this.sessionTimeout = sessionTimeout;
            return this;
        }

        /**
         * The address on which members of the pair on other hosts reach this one: its primary listens there (TCP,
         * the pair's port) for their standbys, and a standby started on another host connects to the address its
         * primary gave. Needs a coordinator, which lists every member's address.
         *
         * @param bind an IP address of this host (not a name: no DNS look-up is made); null for none
         * @return this builder
         */
        public Builder bind(String bind) {
            this.bind = bind;
            return this;
        }

        /**
         * Makes this start ignore any checkpoint and begin again at the first step.
         *
         * @param fresh whether to start fresh
         * @return this builder
         */
        public Builder fresh(boolean fresh) {
            this.fresh = fresh;
            return this;
        }

        /**
         * Marks this member as a standby spawned by a running primary. Not needed for standbys the library
         * spawns: it tells them in their environment ({@link #SPAWNED_BY_ENV}), and {@link #build()} reads it.
         *
         * @param pid the spawning primary's pid, or 0 for a member a person started
         * @return this builder
         */
        public Builder spawnedBy(long pid) {
            this.spawnedBy = pid;
            this.spawnedBySet = true;
            return this;
        }

        /**
         * Sets how long one step may run: a step that has not returned by then fails, and the standby takes over.
         * Heartbeats go on while a step runs, so a long step is not a failure in itself.
         *
         * @param timeout 1 ms to 1 h
         * @return this builder
         */
        public Builder stepTimeout(Duration timeout) {
            this.stepTimeout = timeout;
            return this;
        }

        /**
         * Sets the first words of the title of the window a member runs in, when it has one of its own; the member's
         * role follows them ({@code LABEL primary}, {@code LABEL standby}). The default is the pair's name.
         *
         * @param label printable text
         * @return this builder
         */
        public Builder windowLabel(String label) {
            this.windowLabel = label;
            return this;
        }

        /**
         * Sets whether the library handles SIGINT, SIGTERM and SIGHUP (the default). A program that handles them
         * itself ends its primary with {@link ProcessPair#stop}, or by ending the process.
         *
         * @param handle whether to install the library's handlers
         * @return this builder
         */
        public Builder handleSignals(boolean handle) {
            this.handleSignals = handle;
            return this;
        }

        /**
         * Makes the standby detect a dead primary by missed heartbeats alone, as simpler process pairs do.
         *
         * @param heartbeatOnly whether to ignore the kernel's news that the primary's process ended
         * @return this builder
         */
        public Builder heartbeatOnly(boolean heartbeatOnly) {
            this.heartbeatOnly = heartbeatOnly;
            return this;
        }

        /**
         * Makes the standby keep a spare: a third process of the pair, started and prepared ahead (its JVM, classes,
         * logger, sockets, and the takeover rehearsed) and waiting on the standby's slot, which it takes the moment
         * the standby takes over or ends. It then attaches to the primary as the new standby: the pair is protected
         * again in a few milliseconds, not a start's hundreds. The standby spawns the next spare in the background.
         * A spare never takes over while it waits; the price is a third process (about 45 MB, almost no CPU) and,
         * on a desktop, a third window. So far for pairs that keep their state in a state directory: not with a
         * coordinator.
         *
         * @param spare whether the standby keeps a spare
         * @return this builder
         */
        public Builder spare(boolean spare) {
            this.spare = spare;
            return this;
        }

        /**
         * Sets the command that starts a new standby of this pair: program and arguments, never a shell line.
         * Unset, a standby runs this process's own command line (the same Java, JVM options, class path or jar,
         * main class and arguments), which suits a program that is a {@code main} plus one call to
         * {@link ProcessPair#run}.
         *
         * @param command the program followed by its arguments
         * @return this builder
         */
        public Builder standbyCommand(List<String> command) {
            this.standbyCommand = List.copyOf(command);
            return this;
        }

        /**
         * Checks every setting and builds the configuration.
         *
         * @return the configuration
         * @throws PairException naming the first setting that is out of range and what is accepted
         */
        public PairConfig build() {
            if (!isName(name)) {
                throw new PairException("pair name '" + name + "' is not accepted; use 1 to 40 letters, digits, "
                        + "'.', '_' or '-', starting with a letter or digit");
            }
            if (port != 0 && (port < 1024 || port > 65535)) {
                throw new PairException("port " + port + " is out of range; use 1024 to 65535");
            }
            requireBetween("step interval", stepInterval, Duration.ofMillis(1), Duration.ofHours(1));
            requireBetween("heartbeat interval", heartbeatInterval, MIN_HEARTBEAT_INTERVAL, Duration.ofSeconds(10));
            requireBetween("step timeout", stepTimeout, Duration.ofMillis(1), Duration.ofHours(1));
            if (misses < 2 || misses > 100) {
                throw new PairException("misses " + misses + " is out of range; use 2 to 100");
            }
            // Both are in range by now: at most 10 s x 100, no overflow (multiplyExact would say so).
            Duration takeover = Duration.ofNanos(Math.multiplyExact(heartbeatInterval.toNanos(), misses));
            if (takeover.compareTo(MIN_TAKEOVER_TIMEOUT) < 0) {
                long heartbeatMs = heartbeatInterval.toMillis();
                long smallestMisses = (MIN_TAKEOVER_TIMEOUT.toMillis() + heartbeatMs - 1) / heartbeatMs;
                throw new PairException("a heartbeat every " + heartbeatMs + " ms with " + misses + " misses gives a "
                        + takeover.toMillis() + " ms takeover timeout, which a busy machine cannot keep (it delays a "
                        + "process by tens of ms now and then); the smallest accepted is "
                        + MIN_TAKEOVER_TIMEOUT.toMillis() + " ms: use --misses " + smallestMisses
                        + (smallestMisses > 100 ? "" : " or more") + ", or a longer --heartbeat");
            }
            if (!spawnedBySet) {
                spawnedBy = spawnedByFromEnvironment(name, System.getenv(SPAWNED_BY_ENV));
                // Only a spawned member can be a spare: its spawner's marker and its own say the same pair.
                spareOf = spawnedBy != 0 ? spawnedByFromEnvironment(name, System.getenv(SPARE_OF_ENV)) : 0;
            }
            if (spare && coordinator != null) {
                throw new PairException("a spare is for a pair that keeps its state in a state directory, so far: "
                        + "leave out --spare with --coordinator");
            }
            if (windowLabel != null
                    && (windowLabel.isBlank() || hasControl(windowLabel))) {
                throw new PairException("window label '" + windowLabel.replaceAll("\\p{Cntrl}", "?") + "' must be "
                        + "printable text (it is written into a terminal's title escape sequence)");
            }
            requireBetween("session timeout", sessionTimeout, Duration.ofSeconds(1), Duration.ofSeconds(60));
            if (coordinator != null && !Coordinator.PATTERN.matcher(coordinator).matches()) {
                throw new PairException("coordinator '" + coordinator.replaceAll("\\p{Cntrl}", "?") + "' is not "
                        + "accepted; use zk://HOST:PORT[,HOST:PORT...]/PATH, for example zk://127.0.0.1:2181/phoenix");
            }
            if (coordinator != null && (coordinator.substring(coordinator.indexOf('/', 5)) + "/")
                    .startsWith("/zookeeper/")) {
                throw new PairException("coordinator path /zookeeper is ZooKeeper's own; choose another, /phoenix say");
            }
            if (coordinator != null) {
                String servers = coordinator.substring("zk://".length(), coordinator.indexOf('/', 5));
                for (String server : servers.split(",", -1)) {
                    int port = server.isEmpty() ? 0 : Integer.parseInt(server.substring(server.lastIndexOf(':') + 1));
                    if (port < 1 || port > 65535) {
                        throw new PairException("coordinator '" + coordinator + "' names server '" + server
                                + "'; give each server as HOST:PORT with a port from 1 to 65535, separated by commas");
                    }
                }
            }
            if (bind != null) {
                if (coordinator == null) {
                    throw new PairException("--bind is the address other hosts reach this member on: it needs "
                            + "--coordinator, where the members find each other");
                }
                if (!isIpAddress(bind)) {
                    throw new PairException("bind address '" + bind.replaceAll("\\p{Cntrl}", "?") + "' is not an "
                            + "IP address; give one of this host's addresses, such as 10.0.0.5");
                }
            }
            if (terminal == null || terminal.isBlank()) {
                throw new PairException("terminal must be auto, none or the name of a terminal program");
            }
            if (spawnedBy < 0) {
                throw new PairException("spawned-by pid " + spawnedBy + " is not a pid");
            }
            if (standbyCommand == null) {
                standbyCommand = Pids.commandLine();
            } else if (standbyCommand.isEmpty()) {
                throw new PairException("pair '" + name + "' was given an empty standby command: the primary could "
                        + "not start a standby; give the program and its arguments to standbyCommand, or leave it "
                        + "unset to relaunch this process's own command line");
            }
            PairConfig config = new PairConfig(this);
            int socketPathBytes = config.standbySocket().toString().getBytes(StandardCharsets.UTF_8).length;
            if (socketPathBytes > MAX_SOCKET_PATH_BYTES) {
                throw new PairException("state directory " + config.stateDir + " is too long for a Unix socket path ("
                        + socketPathBytes + " bytes, at most " + MAX_SOCKET_PATH_BYTES
                        + "); choose a shorter one with --state-dir");
            }
            return config;
        }

        /**
         * The spawning primary's pid, from the marker it put in this process's environment, when the marker is for
         * this pair: a program that is itself a member may start other programs, which inherit it.
         */
        static long spawnedByFromEnvironment(String name, String marker) {
            if (marker == null) {
                return 0;
            }
            int colon = marker.indexOf(':');
            if (colon <= 0 || !marker.substring(colon + 1).equals(name)) {
                return 0;
            }
            try {
                return Math.max(0, Long.parseLong(marker.substring(0, colon)));
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        /** An IPv4 or IPv6 literal; a host name is refused (it would need a DNS look-up at every start). */
        private static boolean isIpAddress(String text) {
            if (text.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                for (String part : text.split("\\.")) {
                    // 010 would read as 8 to some tools: one spelling only.
                    if (Integer.parseInt(part) > 255 || part.length() > 1 && part.startsWith("0")) {
                        return false;
                    }
                }
                return true;
            }
            if (!text.matches("[0-9A-Fa-f:.]+") || !text.contains(":")) {
                return false;
            }
            try {
                // A literal of hex digits, colons and dots: parsed, never looked up.
                return java.net.InetAddress.getByName(text) != null;
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }

        /**
         * Whether {@code name} is 1 to 40 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit.
         * By hand, not with a regular expression: a JVM's first patterns cost a member's start milliseconds of CPU
         * (about 5 ms for the command line's two).
         */
        static boolean isName(String name) {
            if (name.isEmpty() || name.length() > 40) {
                return false;
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                boolean alnum = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
                if (!alnum && (i == 0 || c != '.' && c != '_' && c != '-')) {
                    return false;
                }
            }
            return true;
        }

        private static boolean hasControl(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x20 || c == 0x7f) {
                    return true;
                }
            }
            return false;
        }

        private static void requireBetween(String what, Duration value, Duration min, Duration max) {
            if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new PairException(what + " " + (value == null ? "(none)" : value.toMillis() + " ms")
                        + " is out of range; use " + min.toMillis() + " ms to " + max.toMillis() + " ms");
            }
        }
    }
}
