package phoenix.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.util.concurrent.ThreadLocalRandom;

/** Free ports on the loopback address, UDP and TCP. */
public final class Ports {
    /** The lowest UDP port handed out; below it, the ports of well-known services. */
    private static final int LOWEST_UDP = 10000;

    private Ports() {
    }

    /**
     * A UDP port on 127.0.0.1 that was free a moment ago, below the kernel's ephemeral range. A pair's heartbeat
     * port is unbound from a takeover until the new standby binds it, a second or more under load; a port in the
     * ephemeral range can be taken meanwhile by any socket on the machine that sends without binding (seen: a
     * benchmark pair's standbys refused for 30 s, "port ... is held by another program"). The kernel never hands
     * out a port below that range on its own.
     *
     * @return the port number
     */
    public static int freeUdpPort() {
        int below = ephemeralLow();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; below - LOWEST_UDP >= 1000 && attempt < 200; attempt++) {
            int port = LOWEST_UDP + random.nextInt(below - LOWEST_UDP);
            try (DatagramSocket s = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (SocketException taken) {
                // Held by another program: try another.
            }
        }
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free UDP port on the loopback address", e);
        }
    }

    /** @return the first port of the kernel's ephemeral range (Linux's default when it cannot be read) */
    static int ephemeralLow() {
        // Not Files.readString: on this file it returned "3" of "32768\t60999" (JDK 17, Linux 6.18), and every
        // port picked here fell back to bind(0), inside the range.
        try (java.io.InputStream in = new java.io.FileInputStream("/proc/sys/net/ipv4/ip_local_port_range")) {
            String range = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
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
