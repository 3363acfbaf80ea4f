package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UdpPortsTest {
    @TempDir
    Path dir;

    private static DatagramChannel boundOnLoopback() throws IOException {
        DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET);
        c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return c;
    }

    private static int portOf(DatagramChannel c) throws IOException {
        return ((InetSocketAddress) c.getLocalAddress()).getPort();
    }

    @Test
    void aTableRowIsFoundByItsPortInHexadecimal() throws IOException {
        Path table = dir.resolve("udp");
        Files.writeString(table, String.join("\n",
                "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref",
                "  101: 0100007F:B9FE 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2",
                "  102: 00000000:B9FF 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4343 2",
                ""));

        assertEquals(Set.of("4242"), UdpPorts.socketsOn(0xB9FE, table));
        assertEquals(Set.of("4343"), UdpPorts.socketsOn(0xB9FF, table));
        assertEquals(Set.of(), UdpPorts.socketsOn(1234, table));
        assertEquals(Set.of(), UdpPorts.socketsOn(1234, dir.resolve("none")));
    }

    @Test
    void aTableHoldsAPortOnlyOnTheAddressItNames() {
        String table = String.join("\n",
                "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref",
                "  101: 0100007F:B9FE 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2",
                "  102: 00000000:00FF 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4343 2",
                "  103: 0200007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4444 2");
        assertTrue(UdpPorts.holds(table, 0xB9FE, "0100007F"));
        assertTrue(!UdpPorts.holds(table, 0xB9FE, "00000000"), "another address");
        assertTrue(UdpPorts.holds(table, 0xFF, "00000000"), "a port below 0x1000, written with leading zeros");
        assertTrue(!UdpPorts.holds(table, 0x1F90, "0100007F"), "127.0.0.2 is not 127.0.0.1");
        assertTrue(!UdpPorts.holds(table, 0xB9FF, "0100007F"), "another port");
        assertTrue(!UdpPorts.holds("   sl  local_address rem_address", 0xB9FE, "0100007F"), "the heading alone");
        assertTrue(!UdpPorts.holds("", 0xB9FE, "0100007F"));
    }

    @Test
    void onlyWhatBlocksABindOf127001CountsAsHeld() {
        String head = "  sl  local_address rem_address   st\n";
        String free = head + "  1: 0100007F:1F91 00000000:0000 07\n";
        assertEquals(Boolean.FALSE, UdpPorts.heldIn(free, head, 0x1F90));
        assertEquals(Boolean.TRUE, UdpPorts.heldIn(head + "  1: 0100007F:1F90 00000000:0000 07\n", head, 0x1F90));
        assertEquals(Boolean.TRUE, UdpPorts.heldIn(head + "  1: 00000000:1F90 00000000:0000 07\n", head, 0x1F90),
                "every IPv4 address");
        assertEquals(Boolean.TRUE, UdpPorts.heldIn(free, head
                + "  1: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 07\n", 0x1F90),
                "127.0.0.1 as an IPv4-mapped IPv6 address");
        assertEquals(null, UdpPorts.heldIn(free, head
                + "  1: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 07\n", 0x1F90),
                "every IPv6 address: blocks 127.0.0.1 unless IPv6-only, which the table does not say");
        assertEquals(Boolean.FALSE, UdpPorts.heldIn(free, null, 0x1F90), "no IPv6 table");
        assertEquals(null, UdpPorts.heldIn(null, head, 0x1F90), "no IPv4 table: not Linux");
    }

    @Test
    void aPortBoundOnLoopbackIsFoundHeldAndRefusedBeforeABind() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(UdpPorts.ephemeralRange() != null,
                "not Linux: /proc tells nothing");
        int port;
        try (DatagramChannel holder = boundOnLoopback()) {
            port = portOf(holder);
            assertEquals(Boolean.TRUE, UdpPorts.heldOnLoopback(port));
            PairException e = assertThrows(PairException.class, () -> Channels.requireFreePort(port));
            assertTrue(e.getMessage().startsWith("port " + port + " on 127.0.0.1 is held by another program (pid "
                    + ProcessHandle.current().pid() + ": "), e.getMessage());
            assertTrue(e.getMessage().endsWith("; choose another with --port"), e.getMessage());
        }
        // Free again once its holder closed it: not refused.
        assertEquals(Boolean.FALSE, UdpPorts.heldOnLoopback(port));
        Channels.requireFreePort(port);
    }

    @Test
    void theEphemeralRangeIsTwoNumbersApartByWhiteSpace() {
        assertArrayEquals(new int[] {32768, 60999}, UdpPorts.rangeIn("32768\t60999"));
        assertArrayEquals(new int[] {1024, 65535}, UdpPorts.rangeIn(" 1024   65535\n"));
        assertThrows(NumberFormatException.class, () -> UdpPorts.rangeIn("32768"));
        assertThrows(NumberFormatException.class, () -> UdpPorts.rangeIn("32768-60999"));
        assertThrows(NumberFormatException.class, () -> UdpPorts.rangeIn(""));
    }

    @Test
    void aFailedBindNamesTheProcessThatHoldsThePort() throws IOException {
        int[] range = UdpPorts.ephemeralRange();
        org.junit.jupiter.api.Assumptions.assumeTrue(range != null, "not Linux: /proc tells nothing");
        try (DatagramChannel holder = boundOnLoopback()) {
            int port = portOf(holder);
            Channels channels = new Channels(ProcessHandle.current().pid(), dir);
            channels.open();
            try {
                PairException e = assertThrows(PairException.class, () -> channels.bindHeartbeatPort(port));
                String expected = "port " + port + " on 127.0.0.1 is held by another program (pid "
                        + ProcessHandle.current().pid() + ": ";
                assertTrue(e.getMessage().startsWith(expected), e.getMessage());
                assertTrue(e.getMessage().endsWith("; choose another with --port"), e.getMessage());
                assertNull(channels.udp);
            } finally {
                channels.closeAllButStopRequester();
                channels.closeStopRequesterAndSelector();
            }
        }
    }

    @Test
    void theSenderIsBoundOnLoopbackAndNeverOnThePairsPort() throws IOException {
        int port;
        try (DatagramChannel pairs = boundOnLoopback()) {
            port = portOf(pairs);
        }
        for (int i = 0; i < 20; i++) {
            try (DatagramChannel sender = Channels.openSender(port)) {
                InetSocketAddress local = (InetSocketAddress) sender.getLocalAddress();
                assertEquals(InetAddress.getLoopbackAddress(), local.getAddress());
                assertNotEquals(port, local.getPort());
                assertTrue(local.getPort() > 0);
            }
        }
    }

    @Test
    void aSenderGivenThePairsPortIsReplacedAndClosed() throws IOException {
        DatagramChannel first = boundOnLoopback();
        int port = portOf(first);
        try (DatagramChannel sender = Channels.avoiding(port, first)) {
            assertNotEquals(port, portOf(sender));
            assertTrue(!first.isOpen(), "the sender holding the pair's port is closed");
        } finally {
            first.close();
        }
        DatagramChannel other = boundOnLoopback();
        try (DatagramChannel sender = Channels.avoiding(portOf(other) + 1, other)) {
            assertTrue(sender == other, "a sender on another port is kept");
        }
    }

    @Test
    void reservedPortsAreReadFromTheKernelsList() {
        assertTrue(UdpPorts.reservedIn("40000-40010,45000", 40000));
        assertTrue(UdpPorts.reservedIn("40000-40010,45000", 40010));
        assertTrue(UdpPorts.reservedIn("40000-40010,45000\n", 45000));
        assertTrue(!UdpPorts.reservedIn("40000-40010,45000", 40011));
        assertTrue(!UdpPorts.reservedIn("", 40000));
    }

    @Test
    void theEphemeralRangeIsReadWhereThereIsOne() {
        int[] range = UdpPorts.ephemeralRange();
        if (Files.isReadable(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            assertEquals(2, range.length);
            assertTrue(range[0] > 0 && range[0] <= range[1], range[0] + "-" + range[1]);
        } else {
            assertNull(range);
        }
    }
}
