package phoenix.pair;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Sends one request to a member's control socket and reads its answer, with a deadline. */
final class ControlClient {
    private ControlClient() {
    }

    /**
     * Sends {@code request} and collects the lines of the answer until the member closes the connection.
     *
     * @return the lines, or empty when no member listens on {@code socket}
     * @throws PairException when a member accepted the connection but did not answer in time
     */
    static Optional<List<String>> request(Path socket, String request, long timeoutMs) {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new PairException("cannot open a Unix-domain socket: " + e.getMessage(), e);
        }
        try (channel; Selector selector = Selector.open()) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                // No socket file, or nobody listening on it: no member there.
                return Optional.empty();
            }
            channel.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            StringBuilder text = new StringBuilder();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            while (true) {
                long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
                if (leftMs <= 0) {
                    throw new PairException("the member at " + socket + " took the connection but did not answer "
                            + "within " + timeoutMs + " ms; is it paused (SIGSTOP)? Resume it with kill -CONT, or end "
                            + "it by its pid");
                }
                selector.select(leftMs);
                selector.selectedKeys().clear();
                buf.clear();
                int n = channel.read(buf);
                if (n < 0) {
                    break;
                }
                text.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
            }
            List<String> lines = new ArrayList<>(List.of(text.toString().split("\n")));
            lines.removeIf(String::isEmpty);
            return Optional.of(lines);
        } catch (IOException e) {
            // The member went away mid-answer: treat it as absent.
            return Optional.empty();
        }
    }
}
