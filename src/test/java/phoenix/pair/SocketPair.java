package phoenix.pair;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Two ends of a real Unix-domain connection, both non-blocking, for tests of what runs over the watch connection:
 * the kernel moves bytes between them at once, so a test writes on one end and reads on the other without waiting.
 */
final class SocketPair implements AutoCloseable {
    final SocketChannel primaryEnd;
    final SocketChannel standbyEnd;

    SocketPair(Path dir) throws IOException {
        Path path = dir.resolve("s" + System.nanoTime());
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            standbyEnd = SocketChannel.open(UnixDomainSocketAddress.of(path));
            primaryEnd = server.accept();
        }
        primaryEnd.configureBlocking(false);
        standbyEnd.configureBlocking(false);
    }

    /** @return the primary's side, as the member makes it */
    Connection primary() {
        return new Connection(primaryEnd, Connection.Kind.FROM_STANDBY);
    }

    /** @return the standby's side, as the member makes it */
    Connection standby() {
        return new Connection(standbyEnd, Connection.Kind.TO_PRIMARY);
    }

    @Override
    public void close() throws IOException {
        primaryEnd.close();
        standbyEnd.close();
    }
}
