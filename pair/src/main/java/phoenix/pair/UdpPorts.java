package phoenix.pair;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What Linux's {@code /proc} tells about UDP ports: the kernel's ephemeral range, and who holds a port, for the one
 * line that says a member could not bind its heartbeat port. Best effort: elsewhere, or for another user's
 * process, it knows nothing.
 */
final class UdpPorts {
    private static final int MAX_COMMAND = 100;

    private UdpPorts() {
    }

    /**
     * @return the kernel's ephemeral range as {@code {first, last}}, or null when it cannot be read (not Linux)
     */
    static int[] ephemeralRange() {
        try {
            return rangeIn(sysctl("net/ipv4/ip_local_port_range"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * @return the two numbers of {@code text} ("32768\t60999"), apart by white space; read by hand, not split on a
     *     regular expression: a person's start that finds a member's socket reads it before its first number (one
     *     that counts first, after it), and a JVM's first pattern costs milliseconds of CPU
     * @throws NumberFormatException when the text is not two numbers
     */
    static int[] rangeIn(String text) {
        String t = text.strip();
        int gap = 0;
        while (gap < t.length() && !Character.isWhitespace(t.charAt(gap))) {
            gap++;
        }
        String rest = t.substring(gap).strip();
        int end = 0;
        while (end < rest.length() && !Character.isWhitespace(rest.charAt(end))) {
            end++;
        }
        return new int[] {Integer.parseInt(t.substring(0, gap)), Integer.parseInt(rest.substring(0, end))};
    }

    /**
     * @param port a port
     * @return whether the administrator reserved it ({@code ip_local_reserved_ports}): the kernel never hands it
     *     out on its own then
     */
    static boolean reserved(int port) {
        try {
            return reservedIn(sysctl("net/ipv4/ip_local_reserved_ports"), port);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return whether {@code list} ("1000-1005,2000", or empty) holds {@code port} */
    static boolean reservedIn(String list, int port) {
        for (String item : list.trim().split(",")) {
            if (item.isEmpty()) {
                continue;
            }
            int dash = item.indexOf('-');
            int low = Integer.parseInt(item.substring(0, dash < 0 ? item.length() : dash).trim());
            int high = dash < 0 ? low : Integer.parseInt(item.substring(dash + 1).trim());
            if (port >= low && port <= high) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads {@code /proc/sys/NAME} in one read from its start. Not {@code Files.readString}: on
     * {@code ip_local_port_range} it returned "3" of "32768\t60999" (JDK 17, Linux 6.18): it reads a file of size 0
     * one byte first, and such a sysctl answers only a read from offset 0.
     */
    static String sysctl(String name) throws IOException {
        try (java.io.InputStream in = new java.io.FileInputStream("/proc/sys/" + name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
        }
    }

    /**
     * Whether a socket of this network namespace holds UDP {@code port} on 127.0.0.1 or on every IPv4 address, so
     * that a bind of 127.0.0.1:{@code port} would fail, from the kernel's tables ({@code /proc/net/udp} and
     * {@code udp6}).
     *
     * @return whether it is held; null when the tables cannot tell: not Linux, or only an IPv6 socket on every
     *     address holds it, which blocks 127.0.0.1 unless it is IPv6-only (the tables do not say)
     */
    static Boolean heldOnLoopback(int port) {
        if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN) {
            // The tables write addresses in the host's byte order; only little-endian ones are read here.
            return null;
        }
        return heldIn(table("/proc/net/udp"), table("/proc/net/udp6"), port);
    }

    /**
     * @param v4 the {@code udp} table of a little-endian host, or null when it cannot be read
     * @param v6 its {@code udp6} table, or null
     * @return as {@link #heldOnLoopback}
     */
    static Boolean heldIn(String v4, String v6, int port) {
        try {
            if (v4 == null) {
                return null;
            }
            if (holds(v4, port, "0100007F") || holds(v4, port, "00000000")) {
                return true;
            }
            if (v6 != null && (holds(v6, port, "0000000000000000FFFF00000100007F")
                    || holds(v6, port, "0000000000000000FFFF000000000000"))) {
                return true;
            }
            if (v6 != null && holds(v6, port, "00000000000000000000000000000000")) {
                return null;
            }
            return false;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** @return the kernel's table at {@code path}, or null when it cannot be read */
    private static String table(String path) {
        try (java.io.InputStream in = new java.io.FileInputStream(path)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * @param table a {@code /proc/net/udp} table: a heading line, then per socket "sl local_address rem_address
     *     ...", the address and port in hexadecimal
     * @return whether a socket in it is bound to {@code address} (hexadecimal, as the table writes it) and
     *     {@code port}; read by hand, not split on a regular expression (see {@link #rangeIn})
     */
    static boolean holds(String table, int port, String address) {
        String hex = Integer.toHexString(port).toUpperCase(java.util.Locale.ROOT);
        String wanted = address + ":" + "0000".substring(Math.min(4, hex.length())) + hex;
        int line = table.indexOf('\n');
        while (line >= 0 && line + 1 < table.length()) {
            int from = line + 1;
            line = table.indexOf('\n', from);
            String row = table.substring(from, line < 0 ? table.length() : line).strip();
            int first = row.indexOf(' ');
            if (first < 0) {
                continue;
            }
            String rest = row.substring(first).strip();
            int end = rest.indexOf(' ');
            if ((end < 0 ? rest : rest.substring(0, end)).equalsIgnoreCase(wanted)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param port the UDP port
     * @return {@code " (pid N: COMMAND)"} for each process found holding the port, or {@code ""} when none is found
     */
    static String describe(int port) {
        try {
            Set<String> inodes = new HashSet<>();
            for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
                inodes.addAll(socketsOn(port, Path.of(table)));
            }
            if (inodes.isEmpty()) {
                return "";
            }
            StringBuilder out = new StringBuilder();
            try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path proc : procs) {
                    if (holds(proc, inodes)) {
                        out.append(" (pid ").append(proc.getFileName()).append(": ").append(command(proc)).append(')');
                    }
                }
            }
            return out.toString();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** @return the inodes of the sockets bound to {@code port} in one of the kernel's tables */
    static Set<String> socketsOn(int port, Path table) throws IOException {
        Set<String> inodes = new HashSet<>();
        if (!Files.isReadable(table)) {
            return inodes;
        }
        List<String> lines = Files.readAllLines(table);
        // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...", the
        // address in hexadecimal, the port after the last colon.
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length > 9) {
                String local = f[1];
                if (Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16) == port) {
                    inodes.add(f[9]);
                }
            }
        }
        return inodes;
    }

    private static boolean holds(Path proc, Set<String> inodes) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                String target = Files.readSymbolicLink(fd).toString();
                if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Another user's process, or one that ended meanwhile.
        }
        return false;
    }

    private static String command(Path proc) {
        try {
            String c = new String(Files.readAllBytes(proc.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8)
                    .replaceAll("[\\x00\\s]+", " ").trim();
            return c.length() > MAX_COMMAND ? c.substring(0, MAX_COMMAND) + "..." : c;
        } catch (IOException e) {
            return "?";
        }
    }
}
