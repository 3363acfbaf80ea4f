package phoenix.pair;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * This process's pid and command line, and whether a process still runs. {@link ProcessHandle#isAlive()} calls an
 * exited process that its parent has not reaped yet (a zombie) alive; a pair started by a parent that never reaps
 * would then look as if it never ended. Where {@code /proc} is there, its state letter decides.
 */
final class Pids {
    private static final Path PROC = Path.of("/proc");
    /** This process's pid once read; 0 before. */
    private static volatile long self;

    private Pids() {
    }

    /**
     * This process's pid: where {@code /proc} is there, the last of the pids in {@code self/status}'s {@code NSpid}
     * line, which is the pid in this process's own namespace, as getpid(2) and ProcessHandle give it, even where
     * {@code /proc} is another namespace's. A JVM's first use of {@link ProcessHandle} starts its process reaper's
     * set-up, whose lambdas are the JVM's first (about 10 ms of the method-handle machinery on JDK 17), on a
     * person's start before its first number.
     */
    static long self() {
        long known = self;
        if (known != 0) {
            return known;
        }
        try {
            known = ownPidIn(new String(Files.readAllBytes(PROC.resolve("self").resolve("status")),
                    java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            // Not Linux, or no /proc mounted: the JDK's answer.
        }
        self = known != 0 ? known : ProcessHandle.current().pid();
        return self;
    }

    /**
     * @param status the text of {@code /proc/PID/status}
     * @return the last pid of its {@code NSpid} line (the pid in the process's own namespace), or 0 when it has
     *     none (a kernel before 4.1)
     */
    static long ownPidIn(String status) {
        int at = status.startsWith("NSpid:") ? 0 : status.indexOf("\nNSpid:");
        if (at < 0) {
            return 0;
        }
        int from = status.indexOf(':', at) + 1;
        int end = status.indexOf('\n', from);
        String pids = status.substring(from, end < 0 ? status.length() : end).strip();
        int cut = pids.length();
        while (cut > 0 && !Character.isWhitespace(pids.charAt(cut - 1))) {
            cut--;
        }
        String last = pids.substring(cut);
        return StateDir.isPid(last) ? Long.parseLong(last) : 0;
    }

    /**
     * This process's command line, the program first, as {@link ProcessHandle.Info#command()} and {@code
     * arguments()} give it: where {@code /proc} is there read from {@code self/exe} and {@code self/cmdline}, the
     * same files the JDK reads, without ProcessHandle's set-up (see {@link #self}).
     *
     * @return the program and its arguments; empty where the system does not tell
     */
    static List<String> commandLine() {
        try {
            String program = Files.readSymbolicLink(PROC.resolve("self").resolve("exe")).toString();
            List<String> arguments = argumentsIn(Files.readAllBytes(PROC.resolve("self").resolve("cmdline")),
                    jnuCharset());
            if (arguments != null) {
                List<String> out = new ArrayList<>();
                out.add(program);
                out.addAll(arguments);
                return List.copyOf(out);
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or no /proc mounted: the JDK's answer.
        }
        return jdkCommandLine();
    }

    /**
     * @param cmdline the bytes of {@code /proc/PID/cmdline}: NUL-terminated strings, argv[0] (the program as it was
     *     typed) first
     * @param charset what the strings are in: the JDK's encoding of file names and arguments
     * @return the arguments after argv[0]; null when there is not even argv[0]
     */
    static List<String> argumentsIn(byte[] cmdline, java.nio.charset.Charset charset) {
        List<String> out = new ArrayList<>();
        int from = 0;
        boolean first = true;
        for (int i = 0; i < cmdline.length; i++) {
            if (cmdline[i] == 0) {
                if (!first) {
                    out.add(new String(cmdline, from, i - from, charset));
                }
                first = false;
                from = i + 1;
            }
        }
        return first ? null : out;
    }

    /** The encoding the JDK reads arguments and file names in ({@code sun.jnu.encoding}), else the default. */
    private static java.nio.charset.Charset jnuCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name != null ? java.nio.charset.Charset.forName(name) : java.nio.charset.Charset.defaultCharset();
        } catch (IllegalArgumentException unknown) {
            return java.nio.charset.Charset.defaultCharset();
        }
    }

    /** This process's command line as {@link ProcessHandle} tells it; empty where it does not. */
    static List<String> jdkCommandLine() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        if (info.command().isEmpty() || info.arguments().isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        out.add(info.command().get());
        out.addAll(List.of(info.arguments().get()));
        return List.copyOf(out);
    }

    /** @return whether {@code pid} names a process that has not ended: not gone, not a zombie */
    static boolean running(long pid) {
        if (pid <= 0) {
            return false;
        }
        if (Files.isDirectory(PROC.resolve("self"))) {
            try {
                String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                return state != 'Z' && state != 'X';
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
