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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
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
    private static final long LINE_WITHIN_S = 30;
    private static final String END = "\0end";
    private static final long CONNECT_WITHIN_NS = TimeUnit.SECONDS.toNanos(30);

    private final List<String> java;
    private final Path classes;
    private final Cleanup cleanup;
    /** The least start's own class-data archive and jar, once made, and the flags that use them. */
    private Path archive;
    private Path jar;
    private List<String> useArchive;

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
     * it, which writes a byte every 10 ms; a second after they connected, the victim is SIGKILLed, or for {@code
     * term} sent SIGTERM, at which it ends its side of the connection and lives on; how long until the watcher's
     * line arrives. The death floor, or the JVM's hand-over of a signal to Java, plus what any JVM with these flags
     * needs to wake in a selector, claim a file and print.
     */
    List<Double> javaTakeover(int n, Path tmp, boolean term) throws IOException, InterruptedException {
        List<Double> out = new ArrayList<>();
        Path sock = tmp.resolve("least-" + ProcessHandle.current().pid() + ".sock");
        for (int i = 0; i < n; i++) {
            Least watcher = new Least(List.of("watch", sock.toString()), tmp);
            Least victim = null;
            try {
                watcher.expect("listening");
                victim = new Least(term ? List.of("connect", sock.toString(), "10", "term")
                        : List.of("connect", sock.toString(), "10"), tmp);
                if (term) {
                    // Its handler is in place: a SIGTERM does not meet the JVM's own, which would end it.
                    victim.expect("handling");
                }
                watcher.expect("connected");
                // Settled: its loop has run about a hundred passes, as a standby's has by heartbeats.
                Thread.sleep(WATCHER_SETTLE_MS);
                long t0 = System.nanoTime();
                if (term) {
                    victim.process.destroy();
                } else {
                    victim.process.destroyForcibly();
                }
                watcher.expect("took over");
                out.add(Measure.ms(System.nanoTime() - t0));
                watcher.awaitEnd();
            } finally {
                watcher.end();
                if (victim != null) {
                    victim.end();
                }
                for (String left : new String[] {"", ".rehearsal", ".claim"}) {
                    Files.deleteIfExists(Path.of(sock + left));
                }
            }
        }
        return out;
    }

    /**
     * Java's least start of a member ({@link FloorMain#start}): spawn -> its line, {@code n} times, each with a
     * directory and a free UDP port of its own.
     */
    List<Double> javaStart(int n, Path tmp) throws IOException, InterruptedException {
        return javaStart(n, tmp, List.of());
    }

    /**
     * Java's least start with a class-data archive of its own, of the kind run-phoenix.sh made for the members
     * (read from their command line): one training run writes it first (an AOT cache, {@code -XX:AOTCacheOutput},
     * where the members use {@code -XX:AOTCache}; else a dynamic AppCDS archive, {@code -XX:ArchiveClassesAtExit}),
     * then each start uses it. The least any start with such an archive can take here; none where the members have
     * no archive. {@link #removeArchive} deletes it.
     *
     * @param member a member's command line
     */
    List<Double> javaStartArchived(int n, Path tmp, List<String> member) throws IOException, InterruptedException {
        boolean aot = member.stream().anyMatch(a -> a.startsWith("-XX:AOTCache="));
        if (!aot && member.stream().noneMatch(a -> a.startsWith("-XX:SharedArchiveFile="))) {
            return List.of();
        }
        if (archive == null) {
            String stem = "least-start-" + ProcessHandle.current().pid();
            // A class-data archive takes classes from jars only: FloorMain's, alone in a jar of its own.
            jar = tmp.resolve(stem + ".jar");
            try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                    java.util.stream.Stream<Path> files = Files.list(classes.resolve("phoenix/bench"))) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("FloorMain")).toList()) {
                    out.putNextEntry(new java.util.jar.JarEntry("phoenix/bench/" + f.getFileName()));
                    out.write(Files.readAllBytes(f));
                    out.closeEntry();
                }
            }
            Path made = tmp.resolve(stem + (aot ? ".aot" : ".jsa"));
            Files.deleteIfExists(made);
            archive = made;
            javaStart(1, tmp, List.of((aot ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=") + made, "-cp",
                    jar.toString()));
            if (!Files.isRegularFile(made)) {
                throw new BenchException("the least start's training run made no class-data archive at " + made);
            }
            useArchive = List.of((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + made, "-cp", jar.toString());
        }
        return javaStart(n, tmp, useArchive);
    }

    /** Deletes the archive {@link #javaStartArchived} made and its jar, if any. */
    void removeArchive() throws IOException {
        if (archive != null) {
            Files.deleteIfExists(archive);
        }
        if (jar != null) {
            Files.deleteIfExists(jar);
        }
    }

    private List<Double> javaStart(int n, Path tmp, List<String> jvmFlags) throws IOException,
            InterruptedException {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path dir = Files.createTempDirectory(tmp, "least-start-");
            Least p = new Least(jvmFlags, List.of("start", dir.toString(),
                    String.valueOf(phoenix.testing.Ports.freeUdpPort())), tmp);
            try {
                p.expect("1");
                out.add(Measure.ms(System.nanoTime() - p.spawnedNs));
                p.awaitEnd();
            } finally {
                p.end();
                for (String left : new String[] {"control", "claim"}) {
                    Files.deleteIfExists(dir.resolve(left));
                }
                Files.deleteIfExists(dir);
            }
        }
        return out;
    }

    /**
     * One of {@link FloorMain}'s programs, its stdout read line by line on a thread of its own so that every wait
     * for a line has a deadline, its stderr kept in a file for the error that names what went wrong.
     */
    private final class Least {
        final Process process;
        /** Right before the spawn: what a start's time is measured from. */
        final long spawnedNs;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Path stderr;

        Least(List<String> args, Path tmp) throws IOException {
            this(List.of(), args, tmp);
        }

        /** @param jvmFlags flags after the members' own; with a {@code -cp} of their own, instead of the classes' */
        Least(List<String> jvmFlags, List<String> args, Path tmp) throws IOException {
            List<String> cmd = new ArrayList<>(java);
            cmd.addAll(jvmFlags);
            if (!jvmFlags.contains("-cp")) {
                cmd.addAll(List.of("-cp", classes.toString()));
            }
            cmd.add(FloorMain.class.getName());
            cmd.addAll(args);
            stderr = Files.createTempFile(tmp, "least-", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr.toFile());
            spawnedNs = System.nanoTime();
            process = pb.start();
            cleanup.register(new Killer(process));
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.US_ASCII))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException ended) {
                    // Its stdout closed: no more lines.
                }
                lines.add(END);
            }, "stdout of a floor's JVM");
            reader.setDaemon(true);
            reader.start();
        }

        void expect(String line) throws IOException, InterruptedException {
            String got = lines.poll(LINE_WITHIN_S, TimeUnit.SECONDS);
            if (!line.equals(got)) {
                String said = got == null ? "nothing within " + LINE_WITHIN_S + " s" : END.equals(got) ? "nothing"
                        : "'" + got + "'";
                throw new BenchException("a floor's JVM (pid " + process.pid() + ") said " + said + " where it should "
                        + "say '" + line + "'; its stderr: " + Files.readString(stderr).strip());
            }
        }

        void awaitEnd() throws InterruptedException {
            if (!process.waitFor(LINE_WITHIN_S, TimeUnit.SECONDS)) {
                throw new BenchException("a floor's JVM (pid " + process.pid() + ") did not end");
            }
        }

        /** Killed if it still runs, and waited for, so that its files can go. */
        void end() throws IOException, InterruptedException {
            process.destroyForcibly().waitFor();
            Files.deleteIfExists(stderr);
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
