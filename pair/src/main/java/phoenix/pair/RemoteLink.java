package phoenix.pair;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The link between members of a pair on different hosts: a standby on another host watches the primary over TCP,
 * at the address the primary announced in the coordinator ({@code --bind}) and the pair's port. Nothing crosses
 * the network that proves anything without the pair's secret, and the secret itself never does: each end proves
 * that it holds it by an HMAC ({@link HeartbeatCodec#sign}) over a fresh nonce of the other end's.
 *
 * <pre>
 *   primary -&gt; standby  HELLO nonceP
 *   standby -&gt; primary  AUTH pid host nonceS HMAC("auth nonceP nonceS pid host")
 *   primary -&gt; standby  AUTHOK HMAC("ok nonceS nonceP")        (the primary holds the secret too), or
 *                       AUTHOK HMAC("ok nonceS nonceP nolease") NOLEASE (its coordinator does not confirm it)
 *   standby -&gt; primary  WATCH pid, or (a stop on another host) STOP HMAC("stop-request nonceP")
 *   primary -&gt; standby  HB hex (the heartbeats, each with its own HMAC), STOP HMAC("stop nonceS")
 *   standby -&gt; primary  READY, ACK seq, FENCE epoch pid HMAC("fence epoch pid nonceP")
 * </pre>
 * (A standby on another host decides to take over only after it has let go of its connection ({@link
 * OtherHosts}), so its FENCE rarely reaches the old primary; the coordinator's fence does the job: the old
 * primary's next checkpoint write fails, and it ends as fenced.)
 *
 * A connection that does not prove the secret within {@link #PENDING_TIMEOUT_NS} is told {@code DENIED} and
 * closed; at most {@link #MAX_PENDING_PER_ADDRESS} from one address and {@link #MAX_PENDING} in all wait at once
 * (a new one makes the oldest waiting one go, told {@code BUSY}, from its own address first), so that nobody can
 * tie up the primary's loop (it never blocks on a connection) or its memory, and connections held open without a
 * proof cannot lock out a member, which proves the secret within one round trip. Every refusal is counted and
 * logged, at most one line per {@link #REFUSAL_LOG_PERIOD_NS} with the count since the last. The lines that
 * carry no HMAC of their own (WELCOME, READY, ACK; BUSY and STATE are ignored across hosts) decide nothing: a
 * standby takes its state from the heartbeats alone.
 */
final class RemoteLink {
    static final int MAX_PENDING = 32;
    static final int MAX_PENDING_PER_ADDRESS = 2;
    static final long PENDING_TIMEOUT_NS = 1_000_000_000L;
    static final long REFUSAL_LOG_PERIOD_NS = 5_000_000_000L;
    private static final int MAX_HANDSHAKE_LINE = 512;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    /** How an attempt to reach a primary on another host ended. */
    enum Outcome {
        /** Connected and authenticated: the connection is the member's watch connection now. */
        CONNECTED,
        /** The host answered that nobody listens there: the kernel says the primary's process is gone. */
        REFUSED,
        /** No answer in time, or no route: the host is down, paused or cut off, or the primary is stopped. */
        UNREACHABLE,
        /** The other end did not prove that it holds the pair's secret, or refused this member's proof. */
        DENIED
    }

    /** The outcome, the connection when {@link Outcome#CONNECTED} (blocking still), and what happened. */
    record Attempt(Outcome outcome, SocketChannel channel, String ownNonce, String peerNonce, String detail,
            boolean noLease) {
        Attempt(Outcome outcome, SocketChannel channel, String ownNonce, String peerNonce, String detail) {
            this(outcome, channel, ownNonce, peerNonce, detail, false);
        }
    }

    private RemoteLink() {
    }

    /** @return 16 random bytes, in hex */
    static String nonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HEX.formatHex(b);
    }

    static String authText(String primaryNonce, String standbyNonce, long pid, String host) {
        return "auth " + primaryNonce + " " + standbyNonce + " " + pid + " " + host;
    }

    static String okText(String standbyNonce, String primaryNonce) {
        return "ok " + standbyNonce + " " + primaryNonce;
    }

    /** What a primary whose lease is not confirmed signs instead of {@link #okText}. */
    static String noLeaseText(String standbyNonce, String primaryNonce) {
        return okText(standbyNonce, primaryNonce) + " nolease";
    }

    static String stopText(String standbyNonce) {
        return "stop " + standbyNonce;
    }

    static String stopRequestText(String primaryNonce) {
        return "stop-request " + primaryNonce;
    }

    static String fenceText(long epoch, long pid, String primaryNonce) {
        return "fence " + epoch + " " + pid + " " + primaryNonce;
    }

    // ---- the standby's end: blocking, before its loop runs or between two of its runs ------------------------

    /**
     * Connects to the primary at {@code address}:{@code port} and proves the secret both ways.
     *
     * @param timeoutMs for the connection, for each read, and twice that for the whole handshake
     * @return the outcome; on {@link Outcome#CONNECTED} the caller owns the channel (blocking, handshake done)
     */
    static Attempt connect(String address, int port, HeartbeatCodec codec, long pid, String host, int timeoutMs) {
        SocketChannel channel;
        try {
            channel = SocketChannel.open();
        } catch (IOException e) {
            return new Attempt(Outcome.UNREACHABLE, null, null, null, e.toString());
        }
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.socket().connect(new InetSocketAddress(InetAddress.getByName(address), port), timeoutMs);
            channel.socket().setSoTimeout(timeoutMs);
            // One deadline for the whole handshake: an end that trickles bytes cannot hold this member longer.
            long deadline = System.nanoTime() + 2L * timeoutMs * 1_000_000L;
            InputStream in = channel.socket().getInputStream();
            OutputStream out = channel.socket().getOutputStream();
            String[] hello = readLine(in, deadline).split(" ");
            if (hello.length != 2 || !hello[0].equals("HELLO") || !hello[1].matches("[0-9a-f]{32}")) {
                channel.close();
                // Busy (connections that proved nothing fill its queue), or not a phoenix member: neither says
                // that the owner is gone, nor that this member's secret is wrong. Tried again.
                return new Attempt(Outcome.UNREACHABLE, null, null, null, hello[0].equals("BUSY")
                        ? "the member at " + address + ":" + port + " was busy with connections that proved nothing"
                        : "what answers at " + address + ":" + port + " is not a phoenix member");
            }
            String peerNonce = hello[1];
            String ownNonce = nonce();
            write(out, "AUTH " + pid + " " + host + " " + ownNonce + " "
                    + codec.sign(authText(peerNonce, ownNonce, pid, host)));
            String[] ok = readLine(in, deadline).split(" ");
            if (ok[0].equals("BUSY")) {
                channel.close();
                return new Attempt(Outcome.UNREACHABLE, null, null, null, "the member at " + address + ":" + port
                        + " was busy with connections that proved nothing");
            }
            boolean noLease = ok.length == 3 && ok[0].equals("AUTHOK") && ok[2].equals("NOLEASE")
                    && codec.verify(noLeaseText(ownNonce, peerNonce), ok[1]);
            if (noLease) {
                // Connected, and the secret proved; but its coordinator does not confirm its lease (ZooKeeper out of
                // its reach): it sends no heartbeats to other hosts, so watching it would only wait for a timeout
                // while its session may be ending. A standby asks the coordinator instead (OtherHosts); a stop
                // goes on.
                return new Attempt(Outcome.CONNECTED, channel, ownNonce, peerNonce, "the primary at " + address + ":"
                        + port + " has no lease its coordinator confirms", true);
            }
            if (ok.length != 2 || !ok[0].equals("AUTHOK") || !codec.verify(okText(ownNonce, peerNonce), ok[1])) {
                channel.close();
                return new Attempt(Outcome.DENIED, null, null, null, "the member at " + address + ":" + port
                        + (ok[0].equals("AUTHOK") ? " did not prove that it holds the pair's secret"
                        : " refused this member's proof of the pair's secret"));
            }
            return new Attempt(Outcome.CONNECTED, channel, ownNonce, peerNonce, "");
        } catch (ConnectException e) {
            // The JDK's word for ECONNREFUSED (its message is the C library's, which may be in the user's
            // language); a connection that timed out is thrown as SocketTimeoutException by this connect.
            close(channel);
            return new Attempt(Outcome.REFUSED, null, null, null, String.valueOf(e.getMessage()));
        } catch (java.net.SocketTimeoutException e) {
            close(channel);
            return new Attempt(Outcome.UNREACHABLE, null, null, null, "no answer within " + timeoutMs + " ms");
        } catch (IOException e) {
            close(channel);
            return new Attempt(Outcome.UNREACHABLE, null, null, null, "cannot connect (" + e.getMessage() + ")");
        }
    }

    private static String readLine(InputStream in, long deadlineNs) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            if (System.nanoTime() - deadlineNs > 0) {
                throw new java.net.SocketTimeoutException("the handshake took too long");
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed during the handshake");
            }
            if (b == '\n') {
                return line.toString();
            }
            if (line.length() >= MAX_HANDSHAKE_LINE) {
                throw new IOException("a handshake line longer than any phoenix sends");
            }
            line.append((char) b);
        }
    }

    private static void write(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void close(SocketChannel channel) {
        Channels.closeQuietly(channel);
    }

    /**
     * Asks the owner of the pair's newest epoch, on another host, to stop the pair: the primary ends its standbys
     * on every host, then itself, and answers with the last step as it ends.
     *
     * @param config names the pair, its state directory (whose secret proves this request) and its coordinator
     * @param wait how long the stop may take
     * @return the last step, or empty when no owner of the newest epoch has a live session
     * @throws PairException when the owner cannot be reached, refuses the proof, or does not end within the wait
     */
    static java.util.OptionalLong stopOnOtherHost(PairConfig config, java.time.Duration wait) {
        if (!java.nio.file.Files.exists(config.stateDir().resolve("secret"))) {
            throw new PairException("no member of pair '" + config.name() + "' runs on this host, and "
                    + config.stateDir().resolve("secret") + " is missing: a stop on another host proves the pair's "
                    + "secret; copy it from a host where the pair runs (owner-only)");
        }
        HeartbeatCodec codec = StateDir.existing(config.stateDir()).codec();
        EpochStore store = Coordinators.open(config, null);
        try {
            PairMember owner;
            String ownerEntry;
            long highest = store.maxCheckpointEpoch();
            java.util.Optional<String> entry = highest == 0 ? java.util.Optional.empty() : store.ownerOf(highest);
            if (entry.isEmpty()) {
                return java.util.OptionalLong.empty();
            }
            owner = PairMember.parse(entry.get());
            ownerEntry = entry.get();
            int port = (int) OtherHosts.portOf(ownerEntry, config.port());
            String who = "primary pid " + owner.pid() + " on host " + owner.host() + " at " + owner.bind() + ":"
                    + port;
            Attempt a = connect(owner.bind(), port, codec, Pids.self(),
                    PairMember.localHost(), (int) Math.min(wait.toMillis(), 2000));
            if (a.outcome() != Outcome.CONNECTED) {
                throw new PairException("cannot ask " + who + " to stop the pair: " + a.detail() + (a.outcome()
                        == Outcome.REFUSED ? " (nobody listens there: if it was killed, its standbys take over; "
                        + "stop again in a moment)" : ""));
            }
            // The stop mark from here too, before the request: a primary cut off from ZooKeeper cannot write it,
            // and a standby on another host that missed its STOP would find no mark and take over once the
            // primary's session ended (found by a review). Only once the primary has answered: a mark beside a
            // primary that was not asked would end its standbys at its next failure.
            markStoppedIfReachable(store, config);
            try (SocketChannel channel = a.channel()) {
                channel.socket().setSoTimeout((int) Math.max(1, wait.toMillis()));
                write(channel.socket().getOutputStream(), "STOP " + codec.sign(stopRequestText(a.peerNonce())));
                InputStream in = channel.socket().getInputStream();
                while (true) {
                    String line = readLine(in, System.nanoTime() + wait.toNanos());
                    java.util.OptionalLong step = ControlProtocol.parseStopped(java.util.List.of(line));
                    if (step.isPresent()) {
                        return step;
                    }
                }
            } catch (IOException e) {
                throw new PairException("asked " + who + " to stop the pair, but heard no end within "
                        + wait.toMillis() + " ms: " + e.getMessage());
            }
        } finally {
            store.close();
        }
    }

    /** Writes the stop mark, or says in the log why it could not: the primary writes it too when it can. */
    private static void markStoppedIfReachable(EpochStore store, PairConfig config) {
        try {
            store.markStopped();
        } catch (RuntimeException e) {
            Logs.of(RemoteLink.class).warn("cannot write the stop mark of pair '{}' in {} "
                    + "from here ({}); the primary writes it when it can", config.name(), store.where(), e.toString());
        }
    }

    // ---- the primary's end: on its loop, never blocking -------------------------------------------------------

    /**
     * A line from a connection that has not authenticated yet: an AUTH that proves the secret makes it a remote
     * standby's (or a stop's); anything else is refused.
     *
     * @param leased whether the coordinator confirms this primary's lease now (always, without one)
     * @return the request that follows the proof is awaited: true; refused and closed: false
     */
    static boolean onPendingLine(Channels channels, HeartbeatCodec codec, Connection c, String line, long now,
            boolean leased) {
        String[] words = line.split(" ");
        long pid = -1;
        if (words.length == 5 && words[0].equals("AUTH") && words[3].matches("[0-9a-f]{32}")) {
            try {
                pid = Long.parseLong(words[1]);
            } catch (NumberFormatException e) {
                pid = -1;
            }
        }
        if (pid < 1 || !words[2].matches("[A-Za-z0-9._-]{1,64}")
                || !codec.verify(authText(c.ownNonce, words[3], pid, words[2]), words[4])) {
            channels.refuseRemote(c, "its proof of the pair's secret was wrong", now);
            return false;
        }
        c.peerPid = pid;
        c.peerHost = words[2];
        c.peerNonce = words[3];
        c.kind(Connection.Kind.FROM_REMOTE);
        c.send(leased ? "AUTHOK " + codec.sign(okText(c.peerNonce, c.ownNonce))
                : "AUTHOK " + codec.sign(noLeaseText(c.peerNonce, c.ownNonce)) + " NOLEASE");
        return true;
    }
}
