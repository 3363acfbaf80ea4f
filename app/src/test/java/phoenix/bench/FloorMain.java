package phoenix.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;

/**
 * The programs the floors are measured with, run with the members' own JVM flags: with no arguments an empty main
 * that prints one line (the start floor); with {@code connect PATH} a JVM that connects to a Unix-domain socket
 * and then idles until it is killed (the death floor).
 */
public final class FloorMain {
    private FloorMain() {
    }

    /**
     * Prints one line and ends, or connects and idles.
     *
     * @param args nothing, or {@code connect PATH}
     * @throws IOException when it cannot connect
     * @throws InterruptedException never: it is killed while it sleeps
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length == 2 && "connect".equals(args[0])) {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.connect(UnixDomainSocketAddress.of(args[1]));
            Thread.sleep(Long.MAX_VALUE);
            c.close();
            return;
        }
        System.out.println("started");
    }
}
