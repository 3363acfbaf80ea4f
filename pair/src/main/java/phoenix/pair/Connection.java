package phoenix.pair;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One non-blocking Unix-domain connection carrying lines of text: a control client, or the watch connection
 * between a standby and its primary. From the primary to the standby it also carries a service's states: a
 * header line that {@link StateFrames#bodyLength} accepts, followed by that many raw bytes, which are read
 * straight into the state's array and handed out in order with {@link #takeBody}.
 *
 * <p>What cannot be written at once is queued and written when the peer reads again (the loop sees the key
 * writable; {@link #readLines} writes the queue first), so that a large state never blocks the loop. Lines are
 * small: once more than {@link #MAX_QUEUED_LINE_BYTES} of lines wait, the peer stopped reading long ago, and
 * further lines are dropped whole (never cut, which would break the framing). States are queued whatever
 * waits: their sender sends the next one only once the queue is empty ({@link #queuedBytes}).
 */
final class Connection {
    private static final int MAX_LINE = 4096;
    static final int MAX_QUEUED_LINE_BYTES = 64 * 1024;

    /** Bytes waiting to be written, and whether they are a line (which counts against the limit) or a state. */
    private record Out(ByteBuffer bytes, boolean line) {
    }

    /** What the connection is for. */
    enum Kind {
        /** A status or stop request from the command line. */
        CLIENT,
        /** The standby side of a watch connection, on the standby. */
        TO_PRIMARY,
        /** The primary side of a watch connection, on the primary. */
        FROM_STANDBY,
        /** A spare's connection to its standby, on either end ({@link PairConfig#spare}). */
        SPARE,
        /** A TCP connection from another host that has not proved yet that it holds the pair's secret. */
        REMOTE_PENDING,
        /** A standby on another host, authenticated, watching this primary over TCP. */
        FROM_REMOTE
    }

    /** For a connection between hosts ({@link RemoteLink}): the nonces of both ends and who the peer is. */
    String ownNonce;
    String peerNonce;
    long peerPid;
    String peerHost = "";
    long openedNs;
    boolean peerReady;

    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(MAX_LINE);
    private final ArrayDeque<Out> out = new ArrayDeque<>();
    private final ArrayDeque<byte[]> bodies = new ArrayDeque<>();
    private long queued;
    private long queuedLineBytes;
    private Kind kind;
    private SelectionKey key;
    private boolean eof;
    // The state being read: its header line, its bytes, and how many have arrived.
    private String bodyLine;
    private byte[] body;
    private int bodyFilled;

    Connection(SocketChannel channel, Kind kind) {
        this.channel = channel;
        this.kind = kind;
    }

    SocketChannel channel() {
        return channel;
    }

    Kind kind() {
        return kind;
    }

    void kind(Kind next) {
        kind = next;
    }

    void key(SelectionKey k) {
        key = k;
        interest();
    }

    /**
     * Writes what is queued while the peer takes it, then reads what has arrived: complete lines are returned
     * (a state's header only once its bytes are all in, see {@link #takeBody}), and {@link #atEof()} tells
     * whether the peer closed or sent what no peer of ours sends. After a complete state it stops reading (what
     * is buffered is still parsed): the rest waits for the next pass, so one pass holds at most two states.
     */
    List<String> readLines() {
        flush();
        List<String> lines = new ArrayList<>();
        try {
            while (!eof) {
                int n;
                if (body != null) {
                    n = channel.read(ByteBuffer.wrap(body, bodyFilled, body.length - bodyFilled));
                    if (n > 0) {
                        bodyFilled += n;
                        if (bodyFilled == body.length) {
                            finishBody(lines);
                            takeLines(lines);
                            break;
                        }
                    }
                } else {
                    n = channel.read(in);
                    if (n > 0 && takeLines(lines)) {
                        break;
                    }
                    if (body == null && !in.hasRemaining()) {
                        // A line longer than any message: not a peer of ours.
                        eof = true;
                    }
                }
                if (n < 0) {
                    eof = true;
                }
                if (n <= 0) {
                    break;
                }
            }
        } catch (IOException e) {
            eof = true;
        }
        return lines;
    }

    /** Parses what the buffer holds; returns whether a state's bytes were completed from it. */
    private boolean takeLines(List<String> lines) {
        in.flip();
        boolean completed = false;
        while (in.hasRemaining() && !eof) {
            if (body != null) {
                int n = Math.min(in.remaining(), body.length - bodyFilled);
                in.get(body, bodyFilled, n);
                bodyFilled += n;
                if (bodyFilled < body.length) {
                    break;
                }
                finishBody(lines);
                completed = true;
                continue;
            }
            int start = in.position();
            int newline = -1;
            for (int i = start; i < in.limit(); i++) {
                if (in.get(i) == '\n') {
                    newline = i;
                    break;
                }
            }
            if (newline < 0) {
                break;
            }
            String line = new String(in.array(), start, newline - start, StandardCharsets.UTF_8);
            in.position(newline + 1);
            int length = kind == Kind.TO_PRIMARY ? StateFrames.bodyLength(line) : StateFrames.NO_BODY;
            if (length == StateFrames.NO_BODY) {
                lines.add(line);
            } else if (length == StateFrames.INVALID) {
                eof = true;
            } else {
                bodyLine = line;
                body = new byte[length];
                bodyFilled = 0;
                if (length == 0) {
                    finishBody(lines);
                    completed = true;
                }
            }
        }
        in.compact();
        return completed;
    }

    private void finishBody(List<String> lines) {
        lines.add(bodyLine);
        bodies.add(body);
        bodyLine = null;
        body = null;
    }

    /** @return the bytes of the oldest state header returned by {@link #readLines} and not taken yet, or null */
    byte[] takeBody() {
        return bodies.poll();
    }

    boolean atEof() {
        return eof;
    }

    /** Sends one line, or queues it; returns false when it was dropped because the peer stopped reading. */
    boolean send(String line) {
        if (queuedLineBytes > MAX_QUEUED_LINE_BYTES) {
            return false;
        }
        enqueue(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)), true);
        return true;
    }

    /** Sends a header line and the raw bytes it announces, queued behind whatever waits. */
    void sendFrame(String header, byte[] bytes) {
        enqueue(ByteBuffer.wrap((header + "\n").getBytes(StandardCharsets.UTF_8)), false);
        enqueue(ByteBuffer.wrap(bytes), false);
    }

    /** @return how many bytes wait to be written */
    long queuedBytes() {
        return queued;
    }

    private void enqueue(ByteBuffer b, boolean line) {
        out.add(new Out(b, line));
        queued += b.remaining();
        if (line) {
            queuedLineBytes += b.remaining();
        }
        flush();
    }

    /** Writes what is queued while the peer takes it; asks the selector to say when it can take more. */
    void flush() {
        try {
            while (!out.isEmpty()) {
                Out o = out.peek();
                int n = channel.write(o.bytes());
                queued -= n;
                if (o.line()) {
                    queuedLineBytes -= n;
                }
                if (o.bytes().hasRemaining()) {
                    break;
                }
                out.poll();
            }
        } catch (IOException e) {
            // The peer is gone: its end-of-stream is read on the next pass.
            out.clear();
            queued = 0;
            queuedLineBytes = 0;
        }
        interest();
    }

    private void interest() {
        if (key != null && key.isValid()) {
            int ops = out.isEmpty() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE;
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }
    }

    /** Tells the peer that this side is done (it reads end-of-stream) without waiting for anything. */
    void shutdown() {
        try {
            channel.shutdownOutput();
        } catch (IOException ignored) {
            // Already closed: the peer has its end-of-stream.
        }
    }

    /**
     * After {@link #shutdown}: waits until the peer closes its end too, at most {@code maxNs}, on a selector of
     * its own (the member's may hold other channels that are ready), and drops what the peer sends meanwhile.
     *
     * @return whether the peer's end came (or the connection failed) within the wait
     */
    boolean awaitPeerEnd(long maxNs) {
        long deadline = System.nanoTime() + maxNs;
        ByteBuffer dropped = ByteBuffer.allocate(MAX_LINE);
        try (Selector own = Selector.open()) {
            channel.register(own, SelectionKey.OP_READ);
            while (true) {
                dropped.clear();
                int n = channel.read(dropped);
                if (n < 0) {
                    return true;
                }
                long leftNs = deadline - System.nanoTime();
                if (leftNs <= 0) {
                    return false;
                }
                if (n == 0) {
                    own.select(Math.max(1, (leftNs + 999_999) / 1_000_000));
                    own.selectedKeys().clear();
                }
            }
        } catch (IOException e) {
            // Reset or closed: the peer's end, too.
            return true;
        }
    }

    void close() {
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a socket whose peer is gone: nothing left to do.
        }
    }
}
