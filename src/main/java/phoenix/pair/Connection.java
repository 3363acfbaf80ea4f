package phoenix.pair;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One non-blocking Unix-domain connection carrying lines of text: a control client, or the watch connection
 * between a standby and its primary. Messages are a few dozen bytes, so a write that does not fit in the
 * socket buffer means the peer stopped reading long ago; it is dropped rather than queued.
 */
final class Connection {
    private static final int MAX_LINE = 4096;

    /** What the connection is for. */
    enum Kind {
        /** A status or stop request from the command line. */
        CLIENT,
        /** The standby side of a watch connection, on the standby. */
        TO_PRIMARY,
        /** The primary side of a watch connection, on the primary. */
        FROM_STANDBY
    }

    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(MAX_LINE);
    private Kind kind;
    private SelectionKey key;
    private boolean eof;

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
    }

    /** Reads what has arrived; complete lines are returned, and {@link #atEof()} tells whether the peer closed. */
    List<String> readLines() {
        List<String> lines = new ArrayList<>();
        try {
            int n;
            while ((n = channel.read(in)) > 0) {
                takeLines(lines);
            }
            if (n < 0) {
                eof = true;
            }
            if (!in.hasRemaining()) {
                // A line longer than any message: not a peer of ours.
                eof = true;
            }
        } catch (IOException e) {
            eof = true;
        }
        return lines;
    }

    private void takeLines(List<String> lines) {
        in.flip();
        int start = 0;
        for (int i = 0; i < in.limit(); i++) {
            if (in.get(i) == '\n') {
                lines.add(new String(in.array(), start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        in.position(start);
        in.compact();
    }

    boolean atEof() {
        return eof;
    }

    /** Sends one line; returns false when it could not be sent whole. */
    boolean send(String line) {
        ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            channel.write(out);
        } catch (IOException e) {
            return false;
        }
        return !out.hasRemaining();
    }

    /** Tells the peer that this side is done (it reads end-of-stream) without waiting for anything. */
    void shutdown() {
        try {
            channel.shutdownOutput();
        } catch (IOException ignored) {
            // Already closed: the peer has its end-of-stream.
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
