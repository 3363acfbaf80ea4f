package phoenix.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free ports on the loopback address. */
public final class Ports {
    private Ports() {
    }

    /**
     * A UDP port on 127.0.0.1 that was free a moment ago: the kernel's pick for a socket bound to port 0.
     *
     * @return the port number
     */
    public static int freeUdpPort() {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free UDP port on the loopback address", e);
        }
    }

    /**
     * A TCP port on 127.0.0.1 that was free a moment ago: the kernel's pick for a socket bound to port 0.
     *
     * @return the port number
     */
    public static int freeTcpPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port on the loopback address", e);
        }
    }
}
