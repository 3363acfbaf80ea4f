package phoenix.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class PortsTest {
    private static final String RANGE = "/proc/sys/net/ipv4/ip_local_port_range";

    @Test
    void udpPortsComeFromBelowTheKernelsEphemeralRange() throws IOException {
        Assumptions.assumeTrue(Files.isReadable(Path.of(RANGE)), "no " + RANGE + " here");
        int low;
        try (InputStream in = Files.newInputStream(Path.of(RANGE))) {
            low = Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+")[0]);
        }
        assertEquals(low, Ports.ephemeralLow());
        for (int i = 0; i < 20; i++) {
            int port = Ports.freeUdpPort();
            assertTrue(port >= 10000 && port < low, port + " is not in 10000-" + (low - 1));
        }
    }
}
