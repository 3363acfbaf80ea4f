package phoenix.pair;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;

/**
 * A member's loop and its channels: one selector, on which the heartbeat port, the control socket, the watch
 * connection and the control clients are all registered, so that one thread serves them all. Owns the control
 * socket's path: it binds, listens, accepts (the same user only) and removes the path only while it still
 * names the socket this member bound. What the lines mean is {@link ControlProtocol}'s.
 */
final class Channels {
    private static final int MAX_DATAGRAMS_PER_PASS = 4096;

    private final long pid;
    private final UserPrincipal owner;
    private final ByteBuffer datagram = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES + 1);
    /** Control clients waiting for an answer. */
    final List<Connection> clients = new ArrayList<>();
    /** A connection whose end was read, still registered, to be closed before the next select ({@link #closeLater}). */
    private Connection ended;

    Selector selector;
    DatagramChannel udp;
    ServerSocketChannel server;
    Path serverPath;
    /** The identity of the socket file this member bound at {@link #serverPath}. */
    private Object serverKey;
    // Taken and checked by prepareListen, for listen to rename (loop thread only).
    private ServerSocketChannel prepared;
    private Path preparedPath;
    // A socket bound ahead for a takeover's control socket (bindAhead: before READY, or for a person's start on
    // the warm-up's thread), its path and file identity, the paths listened on since, for which none is bound
    // ahead any more, and whether the member is closing; guarded by aheadLock.
    private final Object aheadLock = new Object();
    private ServerSocketChannel ahead;
    private Path aheadPath;
    private Object aheadKey;
    private boolean aheadOver;
    private final java.util.Set<Path> listenedOn = new java.util.HashSet<>();
    /** The watch connection: to the primary on a standby, from the standby on a primary; null when there is none. */
    Connection watch;
    /** Whoever asked to stop the pair: left open until this member has closed everything else. */
    Connection stopRequester;
    /** On a primary with {@code --bind}: where members on other hosts connect ({@link RemoteLink}). */
    ServerSocketChannel remoteServer;
    /** Connections from other hosts: those still proving the secret, and the remote standbys. */
    final List<Connection> remotes = new ArrayList<>();
    /** Connections from other hosts refused: no proof of the secret in time, a wrong one, too many at once. */
    long remoteRefused;
    private long refusedSinceLog;
    private long lastRefusalLogNs = Long.MIN_VALUE / 2;
    private String lastRefusal;

    Channels(long pid, Path stateDir) {
        this.pid = pid;
        try {
            this.owner = stateDir.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
        } catch (IOException e) {
            throw new PairException("cannot look up this process's user '" + System.getProperty("user.name")
                    + "': " + e.getMessage(), e);
        }
    }

    void open() throws IOException {
        selector = Selector.open();
    }

    /** Wakes the loop from another thread (a signal, a step done). */
    void wakeup() {
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    void bindHeartbeatPort(int port) throws IOException {
        bindHeartbeatPort(port, 0);
    }

    /**
     * Binds the heartbeat port, trying again every 2 ms for up to {@code retryNs} while it is held: a member that
     * has just taken the standby slot may find the port of the standby before it not yet closed (a process's end
     * closes its files in the kernel's order, not the order it took them in).
     */
    void bindHeartbeatPort(int port, long retryNs) throws IOException {
        long until = System.nanoTime() + retryNs;
        udp = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            while (true) {
                try {
                    udp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                    break;
                } catch (BindException e) {
                    if (System.nanoTime() - until >= 0) {
                        throw e;
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L);
                }
            }
        } catch (BindException e) {
            closeQuietly(udp);
            udp = null;
            throw unbindable(port, e);
        }
        udp.configureBlocking(false);
        udp.register(selector, SelectionKey.OP_READ, udp);
    }

    /**
     * Refuses a heartbeat port that another program holds on 127.0.0.1 (or on every address), as a standby's bind
     * of it would: where Linux's {@code /proc/net/udp} tells, by reading it (a person's start asks before its first
     * number, and a JVM's first socket costs it the JDK's network set-up, several milliseconds); elsewhere by binding
     * it for a moment.
     *
     * @throws PairException naming the holder and what to do
     */
    static void requireFreePort(int port) {
        Boolean held = UdpPorts.heldOnLoopback(port);
        if (held == null) {
            try (DatagramChannel probe = DatagramChannel.open(StandardProtocolFamily.INET)) {
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (BindException e) {
                throw unbindable(port, e);
            } catch (IOException e) {
                // Not the port's fault: the standby's own bind reports it.
            }
        } else if (held) {
            throw unbindable(port, new BindException("Address already in use"));
        }
    }

    private static PairException unbindable(int port, BindException e) {
        String why = String.valueOf(e.getMessage());
        // The holder first: the exception's text is strerror's, in the locale's language.
        String holder = UdpPorts.describe(port);
        if (!holder.isEmpty() || why.toLowerCase(java.util.Locale.ROOT).contains("in use")) {
            return new PairException("port " + port + " on 127.0.0.1 is held by another program" + holder
                    + "; choose another with --port");
        }
        return new PairException("cannot bind port " + port + " on 127.0.0.1 (" + why + "); choose another with "
                + "--port, or check the loopback interface");
    }

    /**
     * Opens the primary's heartbeat sender, bound to 127.0.0.1 on a port the kernel picks, and never on the pair's
     * own {@code port}. A socket that sends without binding is given a port of the kernel's ephemeral range at its
     * first datagram; with the pair's port in that range (a {@code --port} given by hand), the kernel could hand
     * the sender the very port this takeover has just freed, and every new standby would find it held for as long
     * as this primary lives (seen once in 70 rounds of AcrossHostsIT).
     *
     * @param port the pair's heartbeat port
     * @return the sender, bound
     */
    static DatagramChannel openSender(int port) throws IOException {
        return avoiding(port, boundOnLoopback());
    }

    /** @return a datagram channel bound on 127.0.0.1, on a port the kernel picks */
    private static DatagramChannel boundOnLoopback() throws IOException {
        DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return c;
        } catch (IOException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * @param port the pair's heartbeat port
     * @param first a sender bound on 127.0.0.1
     * @return {@code first}, unless it holds {@code port}: then another sender, and {@code first} closed
     */
    static DatagramChannel avoiding(int port, DatagramChannel first) throws IOException {
        try {
            if (((InetSocketAddress) first.getLocalAddress()).getPort() != port) {
                return first;
            }
            // While the first holds the pair's port, the kernel cannot hand it out again.
            DatagramChannel second = boundOnLoopback();
            closeQuietly(first);
            return second;
        } catch (IOException e) {
            closeQuietly(first);
            throw e;
        }
    }

    /** Hands each datagram that has arrived on the heartbeat port to {@code onDatagram}, a bounded number per pass. */
    void receiveDatagrams(Consumer<ByteBuffer> onDatagram) throws IOException {
        for (int i = 0; i < MAX_DATAGRAMS_PER_PASS; i++) {
            datagram.clear();
            if (udp.receive(datagram) == null) {
                return;
            }
            datagram.flip();
            onDatagram.accept(datagram);
        }
    }

    /** Frees the heartbeat port for the standby spawned next. */
    void closeHeartbeatPort() {
        closeQuietly(udp);
        udp = null;
        // So that the port is free before the standby slot is (a spare takes both at once).
        flushCloses();
    }

    /**
     * A channel registered with the selector keeps its socket until the selector's next operation deregisters it:
     * done now, for the channels closed so far. What it finds ready stays in the selected keys for the loop.
     */
    void flushCloses() {
        try {
            if (selector != null && selector.isOpen()) {
                selector.selectNow();
            }
        } catch (IOException e) {
            // The sockets are then released at the loop's next select or the selector's close.
        }
    }

    /**
     * Listens on {@code path}. The socket is bound under a name of this member's own, made owner-only there, and
     * only then renamed onto {@code path} (atomically, replacing what was there): nobody ever finds the path
     * without a listener that only the owner may use. A member removes the path only as a stopped pair ends, while
     * it holds the standby slot (see {@link #closeServer} and Member#closeAll); {@link #ownsServer} tells whether it
     * still names this member's socket. A socket bound ahead for this path
     * ({@link #bindAhead}) is only renamed, and checked first unless {@link #prepareListen} did.
     */
    void listen(Path path) throws IOException {
        Path own = ownName(path);
        if (prepared != null && !path.equals(preparedPath)) {
            dropPrepared();
        }
        ServerSocketChannel ready = prepared != null ? prepared : prepareAhead(path);
        prepared = null;
        preparedPath = null;
        if (ready != null) {
            try {
                Files.move(aheadName(path), path, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                ready.register(selector, SelectionKey.OP_ACCEPT, ready);
                server = ready;
                return;
            } catch (IOException | RuntimeException e) {
                // Its file was removed meanwhile (by hand, say): bound anew below.
                discardAhead(ready, path);
            }
        }
        ServerSocketChannel s = bindOwn(own);
        try {
            serverKey = fileKey(own);
            replace(own, path);
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            Files.deleteIfExists(own);
            throw e;
        }
        server = s;
        server.register(selector, SelectionKey.OP_ACCEPT, server);
    }

    /**
     * The part of {@link #listen} that shows nothing, for a takeover to do while it waits for its signal handling
     * (see Takeover#promote): the socket bound ahead for {@code path} taken and checked (still this member's file;
     * no directory where it goes). Only its rename then remains for {@code listen}.
     */
    void prepareListen(Path path) {
        prepared = prepareAhead(path);
        preparedPath = prepared != null ? path : null;
    }

    /** Closes the socket {@link #prepareListen} took, and removes its file while it is still this member's. */
    private void dropPrepared() {
        discardAhead(prepared, preparedPath);
        prepared = null;
        preparedPath = null;
    }

    /** Closes a socket bound ahead for {@code path}, and removes its file while it is still this member's. */
    private void discardAhead(ServerSocketChannel s, Path path) {
        closeQuietly(s);
        Path own = aheadName(path);
        if (serverKey != null && serverKey.equals(fileKey(own))) {
            try {
                Files.deleteIfExists(own);
            } catch (IOException ignored) {
                // A stale socket file is removed at the next member's start (removeStaleSockets).
            }
        }
        serverKey = null;
    }

    /** @return the socket bound ahead for {@code path}, once checked; null when none is (usable) */
    private ServerSocketChannel prepareAhead(Path path) {
        ServerSocketChannel ready = takeAhead(path);
        if (ready == null) {
            return null;
        }
        if (!serverKey.equals(fileKey(aheadName(path)))) {
            // Removed or replaced by hand: listen binds anew.
            closeQuietly(ready);
            serverKey = null;
            return null;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            // A directory where the socket goes: listen binds anew, and says what is wrong with the path.
            discardAhead(ready, path);
            return null;
        }
        return ready;
    }

    /**
     * Binds, ahead of a takeover (a standby's Member#prepareTakeover), the socket that {@link #listen} will rename onto
     * {@code path}, the control socket's: the takeover then renames it only, with no open, bind, chmod or stat
     * between the primary's death and the first number. Nothing connects to it meanwhile (nobody knows the
     * member's own name but its directory's owner). Does nothing once {@code path} was listened on: a takeover
     * that came first (a person's start prepares beside its takeover) has done it all itself.
     */
    void bindAhead(Path path) throws IOException {
        synchronized (aheadLock) {
            if (aheadOver || ahead != null || listenedOn.contains(path)) {
                return;
            }
            Path own = aheadName(path);
            ServerSocketChannel s = bindOwn(own);
            Object key = fileKey(own);
            if (key == null) {
                closeQuietly(s);
                Files.deleteIfExists(own);
                return;
            }
            ahead = s;
            aheadPath = path;
            aheadKey = key;
        }
    }

    /**
     * @return the socket bound ahead for {@code path}, now this caller's (its file's identity in {@link #serverKey}),
     *     or null (none, or one for another path, which stays bound ahead: it has a name of its own)
     */
    private ServerSocketChannel takeAhead(Path path) {
        synchronized (aheadLock) {
            listenedOn.add(path);
            if (ahead == null || !path.equals(aheadPath)) {
                return null;
            }
            ServerSocketChannel s = ahead;
            ahead = null;
            serverKey = aheadKey;
            return s;
        }
    }

    /** Closes a socket bound ahead and never used, and removes its file while it is still this member's. */
    private void closeAhead() {
        synchronized (aheadLock) {
            aheadOver = true;
            if (ahead == null) {
                return;
            }
            closeQuietly(ahead);
            ahead = null;
            Path own = aheadName(aheadPath);
            if (aheadKey.equals(fileKey(own))) {
                try {
                    Files.deleteIfExists(own);
                } catch (IOException ignored) {
                    // A stale socket file is removed at the next member's start (removeStaleSockets).
                }
            }
        }
    }

    private Path ownName(Path path) {
        return path.resolveSibling(StateDir.SOCKET_PREFIX + pid);
    }

    /**
     * @return the own name of a socket bound ahead for {@code path}: not {@link #ownName}, which a standby's socket
     *     put back by the healer binds again meanwhile
     */
    private Path aheadName(Path path) {
        return path.resolveSibling(StateDir.SOCKET_PREFIX + pid + StateDir.AHEAD_SUFFIX);
    }

    /** @return a non-blocking socket listening at {@code own}, which is made owner-only */
    private static ServerSocketChannel bindOwn(Path own) throws IOException {
        Files.deleteIfExists(own);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(own));
            Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rw-------"));
            s.configureBlocking(false);
            return s;
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            Files.deleteIfExists(own);
            throw e;
        }
    }

    /** Renames the socket file {@code own} onto {@code path}, atomically, replacing what was there. */
    private static void replace(Path own, Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            // A directory where the socket belongs (made by hand): a rename cannot replace it, unless empty.
            try {
                Files.delete(path);
            } catch (IOException e) {
                throw new PairException(path + " is a directory, where this pair's control socket belongs; "
                        + "remove it", e);
            }
        }
        Files.move(own, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** @return the identity (device and inode) of the file at {@code path}, or null when there is none */
    private static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** @return whether the socket path still names the socket this member bound (nobody replaced or removed it) */
    boolean ownsServer() {
        Object key = serverKey;
        return key != null && key.equals(fileKey(serverPath));
    }

    /** Stops listening, and removes the socket path while it is still this member's own. */
    void closeServer() throws IOException {
        if (server != null) {
            // The path is left as it is: a socket file nobody listens on answers a connection with "refused",
            // which every client takes as "no member there", and the next member's rename replaces it. Removing
            // it would race with a successor's rename: between "is it still mine?" and the removal, the
            // successor's socket can take its place (found by an adversarial run, with strace delays).
            server.close();
            server = null;
        }
    }

    /**
     * Connects to the control socket at {@code path} as the watch connection.
     *
     * @return whether somebody listens there
     */
    boolean connectWatch(Path path) throws IOException {
        Connection c = connect(path, Connection.Kind.TO_PRIMARY);
        if (c == null) {
            return false;
        }
        watch = c;
        return true;
    }

    /**
     * Connects a spare to its standby's socket at {@code path}.
     *
     * @return the connection, or null when nobody listens there
     */
    Connection connectSpare(Path path) throws IOException {
        return connect(path, Connection.Kind.SPARE);
    }

    /** @return a registered connection of {@code kind} to the socket at {@code path}, or null when nobody listens */
    private Connection connect(Path path, Connection.Kind kind) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            channel.close();
            return null;
        }
        channel.configureBlocking(false);
        return register(new Connection(channel, kind));
    }

    /**
     * Listens for members on other hosts at {@code bind}:{@code port} (TCP). Connections an ended member left in
     * TIME_WAIT do not hold the address (SO_REUSEADDR), nor does a paused old primary's listening socket
     * (SO_REUSEPORT, which the kernel allows between sockets of one user only): the local standby that took over
     * listens where its primary did. Another user's program on the port makes this throw.
     */
    void listenRemote(String bind, int port) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            // And beside a paused old primary of this host, which still listens there: a local takeover does not
            // wait for it (connections then reach either socket; one that meets the paused one is tried again).
            if (s.supportedOptions().contains(java.net.StandardSocketOptions.SO_REUSEPORT)) {
                s.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
            }
            s.bind(new InetSocketAddress(InetAddress.getByName(bind), port), 16);
            s.configureBlocking(false);
            s.register(selector, SelectionKey.OP_ACCEPT, s);
        } catch (IOException e) {
            closeQuietly(s);
            throw e;
        }
        remoteServer = s;
    }

    /** Accepts a connection from another host: it has {@link RemoteLink#PENDING_TIMEOUT_NS} to prove the secret. */
    void acceptRemote(long now) throws IOException {
        SocketChannel channel = remoteServer.accept();
        if (channel == null) {
            return;
        }
        channel.configureBlocking(false);
        Connection c = new Connection(channel, Connection.Kind.REMOTE_PENDING);
        java.net.InetAddress from = peerAddress(c);
        Connection oldestThere = null;
        Connection oldest = null;
        long pending = 0;
        long fromThere = 0;
        for (Connection r : remotes) {
            if (r.kind() == Connection.Kind.REMOTE_PENDING) {
                pending++;
                oldest = oldest == null ? r : oldest;
                if (java.util.Objects.equals(peerAddress(r), from)) {
                    fromThere++;
                    oldestThere = oldestThere == null ? r : oldestThere;
                }
            }
        }
        // Full: the oldest waiting connection makes room (from the same address first), never the new one, so that
        // connections held open without a proof cannot lock out a member, which proves the secret in one round trip.
        if (fromThere >= RemoteLink.MAX_PENDING_PER_ADDRESS) {
            refuseRemote(oldestThere, "BUSY", "a newer connection from there needed its place", now);
        } else if (pending >= RemoteLink.MAX_PENDING) {
            refuseRemote(oldest, "BUSY", "a newer connection needed its place", now);
        }
        channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        register(c);
        c.openedNs = now;
        c.ownNonce = RemoteLink.nonce();
        remotes.add(c);
        c.send("HELLO " + c.ownNonce);
    }

    /** Closes the connections from other hosts that have not proved the secret in time. */
    void expireRemotes(long now) {
        for (Connection c : new ArrayList<>(remotes)) {
            if (c.kind() == Connection.Kind.REMOTE_PENDING && now - c.openedNs >= RemoteLink.PENDING_TIMEOUT_NS) {
                refuseRemote(c, "it did not prove the pair's secret within "
                        + RemoteLink.PENDING_TIMEOUT_NS / 1_000_000 + " ms", now);
            }
        }
    }

    private static java.net.InetAddress peerAddress(Connection c) {
        try {
            java.net.SocketAddress a = c.channel().getRemoteAddress();
            return a instanceof InetSocketAddress ? ((InetSocketAddress) a).getAddress() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Refuses a connection from another host: told so ({@code DENIED}, so that a member with another secret says
     * why), closed, counted, and logged at most once per period, with the count of those not logged yet.
     */
    void refuseRemote(Connection c, String why, long now) {
        refuseRemote(c, "DENIED", why, now);
    }

    /** Refuses a connection from another host with {@code answer} ({@code DENIED}, or {@code BUSY}: try again). */
    void refuseRemote(Connection c, String answer, String why, long now) {
        c.send(answer);
        String from;
        try {
            from = String.valueOf(c.channel().getRemoteAddress());
        } catch (IOException e) {
            from = "an unknown address";
        }
        remotes.remove(c);
        c.close();
        remoteRefused++;
        refusedSinceLog++;
        lastRefusal = "from " + from + ": " + why;
        logRefusals(now);
    }

    /** Logs the refusals not logged yet, at most once per {@link RemoteLink#REFUSAL_LOG_PERIOD_NS}. */
    void logRefusals(long now) {
        if (refusedSinceLog > 0 && now - lastRefusalLogNs >= RemoteLink.REFUSAL_LOG_PERIOD_NS) {
            Log.LOG.warn("refused {} connection{} from other hosts ({} in all), the last {}", refusedSinceLog,
                    refusedSinceLog == 1 ? "" : "s", remoteRefused, lastRefusal);
            refusedSinceLog = 0;
            lastRefusalLogNs = now;
        }
    }

    /** Stops listening for other hosts and closes their connections. */
    void closeRemotes() {
        closeQuietly(remoteServer);
        remoteServer = null;
        for (Connection c : remotes) {
            c.close();
        }
        remotes.clear();
    }

    /** Makes the connection of a remote link that has proved the secret the watch connection to the primary. */
    void watchRemote(RemoteLink.Attempt a) throws IOException {
        a.channel().configureBlocking(false);
        Connection c = new Connection(a.channel(), Connection.Kind.TO_PRIMARY);
        c.ownNonce = a.ownNonce();
        c.peerNonce = a.peerNonce();
        watch = register(c);
    }

    /** The earlier of two clock values; by subtraction, so that it holds when the clock wraps. */
    static long earliest(long a, long b) {
        return a - b < 0 ? a : b;
    }

    void select(long waitNs) throws IOException {
        if (waitNs <= 0) {
            selector.selectNow();
        } else {
            selector.select(Math.max(1, (waitNs + 999_999) / 1_000_000));
        }
    }

    void accept() throws IOException {
        SocketChannel channel = server.accept();
        if (channel == null) {
            return;
        }
        UserPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user();
        if (!peer.equals(owner)) {
            Log.LOG.warn("refused a control connection from user {}: only {} may control this pair", peer.getName(),
                    owner.getName());
            channel.close();
            return;
        }
        channel.configureBlocking(false);
        clients.add(register(new Connection(channel, Connection.Kind.CLIENT)));
    }

    private Connection register(Connection c) throws IOException {
        c.key(c.channel().register(selector, SelectionKey.OP_READ, c));
        return c;
    }

    /** Sends the answer and closes the client's connection. */
    void reply(Connection c, List<String> lines) {
        for (String line : lines) {
            c.send(line);
        }
        clients.remove(c);
        c.close();
    }

    void closeConnection(Connection c) {
        clients.remove(c);
        c.close();
    }

    /**
     * Keeps a connection whose end was read, to be closed at {@link #closeEnded}, before the selector's next select:
     * by the takeover after its first step, by the standby's loop further on in the same pass, or before a standby
     * that decides what its primary's end means (across hosts) selects again. Closing a
     * registered socket reads its SO_LINGER first (the JDK's socket option registry, at its first use in this JVM)
     * and cancels its key (a VarHandle linked at its first use): 0.7 ms p50 of a takeover that learned of its
     * primary's death from this connection's end, 0.4 of it the cancel (JDK 17, this VM).
     */
    void closeLater(Connection c) {
        closeEnded();
        clients.remove(c);
        ended = c;
    }

    /** Closes the connection {@link #closeLater} kept, if any. */
    void closeEnded() {
        Connection c = ended;
        if (c != null) {
            ended = null;
            c.close();
        }
    }

    /** Takes {@code c} off the clients: it stays open until this member has closed everything. */
    void holdStopRequester(Connection c) {
        clients.remove(c);
        stopRequester = c;
    }

    /**
     * Closes the control socket first (before the watch connection closes: once it has, the standby takes over
     * and binds this path anew), then the clients, the watch connection and the heartbeat port.
     */
    void closeAllButStopRequester() {
        closeAllButStopRequester(false);
    }

    /**
     * As {@link #closeAllButStopRequester()}; for a member of a pair that was stopped, its socket's file is removed
     * too while it is still its own: nobody succeeds it, and the next start that finds no member's socket counts at
     * once (Member#startsAlone) instead of asking a socket nobody listens on. The caller holds the standby slot, which
     * a start holds whenever it renames a socket onto a member's path: the check and the removal meet no rename.
     *
     * @param stopped whether the pair was stopped and the caller holds the standby slot
     */
    void closeAllButStopRequester(boolean stopped) {
        closeAhead();
        if (prepared != null) {
            // Taken for a listen that never came.
            dropPrepared();
        }
        if (server != null) {
            // A member whose path names another's socket (a successor's) leaves it alone.
            boolean remove = stopped && serverPath != null && ownsServer();
            try {
                closeServer();
            } catch (IOException ignored) {
                // Best effort: a stale socket file is replaced by the next member anyway.
            }
            if (remove) {
                try {
                    Files.deleteIfExists(serverPath);
                } catch (IOException ignored) {
                    // Left: the next start asks it, and finds nobody.
                }
            }
        }
        for (Connection c : new ArrayList<>(clients)) {
            c.close();
        }
        closeRemotes();
        if (watch != null) {
            watch.close();
        }
        closeEnded();
        closeQuietly(udp);
    }

    /** Last: the stop requester's end-of-stream tells whoever asked to stop the pair that this member is done. */
    void closeStopRequesterAndSelector() {
        if (stopRequester != null) {
            stopRequester.close();
        }
        closeQuietly(selector);
    }

    /**
     * Closes a channel registered with a selector once, on a selector and a pipe of its own: a takeover closes the
     * standby's registered control socket before its first number, and a JVM's first close of a registered
     * channel cancels its first key, which links a VarHandle there (0.4 ms of a takeover, JDK 17, this VM).
     */
    static void rehearseRegisteredClose() {
        try (Selector own = Selector.open()) {
            Pipe pipe = Pipe.open();
            try (Pipe.SourceChannel in = pipe.source()) {
                in.configureBlocking(false);
                in.register(own, SelectionKey.OP_READ);
            } finally {
                pipe.sink().close();
            }
        } catch (IOException e) {
            // Only a rehearsal: the takeover does the real thing.
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // Closing on the way out: nothing left to do about it.
        }
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(Channels.class);
    }
}
