package phoenix.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the machine itself costs, measured with the members' own JVM flags (read from a running member's
 * command line): the death floor (an idle JVM is SIGKILLed; how long until the other end of its Unix-domain
 * connection reads end-of-stream) and the start floor (a JVM is spawned to run an empty main; how long until
 * its first line arrives). No takeover can beat the first, no re-protection or start the second.
 */
final class Floors {
    private static final long IDLE_BEFORE_KILL_MS = 150;
    private static final long WATCHER_SETTLE_MS = 1000;
    private static final long CONNECT_WITHIN_NS = TimeUnit.SECONDS.toNanos(30);

    private final List<String> java;
    private final Path classes;
    private final Cleanup cleanup;

    /**
     * @param java the java launcher and the members' flags, nothing after them
     * @param classes where {@link FloorMain} is
     */
    Floors(List<String> java, Path classes, Cleanup cleanup) {
        this.java = List.copyOf(java);
        this.classes = classes;
        this.cleanup = cleanup;
    }

    /**
     * The launcher and JVM flags of a running member, as its /proc/PID/cmdline says, without what names the class
     * path or the program, and without a class-data archive (made for phoenix's class path, not the floor's).
     */
    static List<String> memberJvm(long pid) throws IOException {
        List<String> out = new ArrayList<>();
        for (String arg : Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline")).split("\0")) {
            if (arg.equals("-cp") || arg.equals("-classpath") || arg.equals("--class-path")) {
                return out;
            }
            if (!arg.startsWith("-XX:SharedArchiveFile") && !arg.startsWith("-XX:AOTCache")
                    && !arg.startsWith("-Xshare")) {
                out.add(arg);
            }
        }
        throw new BenchException("cannot tell the JVM flags of member pid " + pid + " from its command line");
    }

    /** The command line of a member up to and including its main class, for starting members directly. */
    static List<String> memberCommand(long pid) throws IOException {
        List<String> out = new ArrayList<>();
        for (String arg : Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline")).split("\0")) {
            out.add(arg);
            if (arg.equals("phoenix.cli.Main")) {
                return out;
            }
        }
        throw new BenchException("cannot tell the command line of member pid " + pid);
    }

    String describe() {
        return String.join(" ", java.subList(1, java.size()));
    }

    /** SIGKILL of an idle JVM -> end-of-stream on its Unix-domain connection, {@code n} times. */
    List<Double> death(int n, Path tmp) throws IOException, InterruptedException {
        List<Double> out = new ArrayList<>();
        Path sock = tmp.resolve("floor-" + ProcessHandle.current().pid() + ".sock");
        Files.deleteIfExists(sock);
        try (var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            server.configureBlocking(false);
            for (int i = 0; i < n; i++) {
                List<String> cmd = new ArrayList<>(java);
                cmd.addAll(List.of("-cp", classes.toString(), FloorMain.class.getName(), "connect", sock.toString()));
                Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                cleanup.register(new Killer(p));
                SocketChannel c = null;
                long start = System.nanoTime();
                while (c == null) {
                    c = server.accept();
                    if (c == null) {
                        if (!p.isAlive() || System.nanoTime() - start > CONNECT_WITHIN_NS) {
                            p.destroyForcibly();
                            throw new BenchException("the death floor's JVM did not connect: " + String.join(" ", cmd));
                        }
                        Thread.sleep(1);
                    }
                }
                try (SocketChannel peer = c) {
                    peer.configureBlocking(true);
                    // Idle, as a member is between two heartbeats: its start-up threads have settled.
                    Thread.sleep(IDLE_BEFORE_KILL_MS);
                    ByteBuffer buf = ByteBuffer.allocate(16);
                    long t0 = System.nanoTime();
                    p.destroyForcibly();
                    while (peer.read(buf) >= 0) {
                        buf.clear();
                    }
                    out.add(Measure.ms(System.nanoTime() - t0));
                }
                p.waitFor();
            }
        } finally {
            Files.deleteIfExists(sock);
        }
        return out;
    }

    /**
     * Java's least takeover ({@link FloorMain#watch}), {@code n} times: a watcher JVM and a victim JVM connected to
     * it, which writes a byte every 10 ms; a second after they connected, the victim is SIGKILLed; how long until
     * the watcher's line arrives. The death floor plus what any JVM with these flags needs to wake in a selector,
     * claim a file and print.
     */
    List<Double> javaTakeover(int n, Path tmp) throws IOException, InterruptedException {
        List<Double> out = new ArrayList<>();
        Path sock = tmp.resolve("least-" + ProcessHandle.current().pid() + ".sock");
        for (int i = 0; i < n; i++) {
            Process watcher = spawn(List.of("watch", sock.toString()), ProcessBuilder.Redirect.PIPE);
            try (BufferedReader lines = lines(watcher)) {
                expect(lines, "listening", watcher);
                Process victim = spawn(List.of("connect", sock.toString(), "10"), ProcessBuilder.Redirect.DISCARD);
                expect(lines, "connected", watcher);
                // Settled: its loop has run about a hundred passes, as a standby's has by heartbeats.
                Thread.sleep(WATCHER_SETTLE_MS);
                long t0 = System.nanoTime();
                victim.destroyForcibly();
                expect(lines, "took over", watcher);
                out.add(Measure.ms(System.nanoTime() - t0));
                victim.waitFor();
            }
            if (!watcher.waitFor(30, TimeUnit.SECONDS)) {
                watcher.destroyForcibly();
            }
        }
        return out;
    }

    /**
     * Java's least start of a member ({@link FloorMain#start}): spawn -> its line, {@code n} times, each with a
     * directory and a free UDP port of its own.
     */
    List<Double> javaStart(int n, Path tmp) throws IOException, InterruptedException {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path dir = Files.createTempDirectory(tmp, "least-start-");
            try {
                long t0 = System.nanoTime();
                Process p = spawn(List.of("start", dir.toString(),
                        String.valueOf(phoenix.testing.Ports.freeUdpPort())), ProcessBuilder.Redirect.PIPE);
                try (BufferedReader lines = lines(p)) {
                    expect(lines, "1", p);
                    out.add(Measure.ms(System.nanoTime() - t0));
                }
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } finally {
                Files.deleteIfExists(dir);
            }
        }
        return out;
    }

    private Process spawn(List<String> args, ProcessBuilder.Redirect stdout) throws IOException {
        List<String> cmd = new ArrayList<>(java);
        cmd.addAll(List.of("-cp", classes.toString(), FloorMain.class.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        cleanup.register(new Killer(p));
        return p;
    }

    private static BufferedReader lines(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
    }

    private static void expect(BufferedReader lines, String line, Process p) throws IOException {
        String got = lines.readLine();
        if (!line.equals(got)) {
            p.destroyForcibly();
            throw new BenchException("a floor's JVM (pid " + p.pid() + ") said " + (got == null ? "nothing"
                    : "'" + got + "'") + " where it should say '" + line + "'");
        }
    }

    /** Spawn of a JVM running an empty main -> its first line, {@code n} times. */
    List<Double> start(int n) throws IOException, InterruptedException {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> cmd = new ArrayList<>(java);
            cmd.addAll(List.of("-cp", classes.toString(), FloorMain.class.getName()));
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            cleanup.register(new Killer(p));
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                if (r.readLine() == null) {
                    throw new BenchException("the start floor's JVM printed nothing: " + String.join(" ", cmd));
                }
                out.add(Measure.ms(System.nanoTime() - t0));
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        return out;
    }

    /** Ends a process by pid when the run ends, if it still runs. */
    record Killer(Process process) implements AutoCloseable {
        @Override
        public void close() {
            process.destroyForcibly();
        }

        @Override
        public String toString() {
            return "process " + process.pid();
        }
    }
}
