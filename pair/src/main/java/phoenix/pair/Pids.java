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
     * This process's pid: where {@code /proc} is there, read from its {@code self} link. A JVM's first use of
     * {@link ProcessHandle} starts its process reaper's set-up, whose lambdas are the JVM's first (about 10 ms of
     * the method-handle machinery on JDK 17), on a person's start before its first number.
     */
    static long self() {
        long known = self;
        if (known != 0) {
            return known;
        }
        try {
            String link = Files.readSymbolicLink(PROC.resolve("self")).toString();
            if (StateDir.isPid(link)) {
                known = Long.parseLong(link);
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or no /proc mounted: the JDK's answer.
        }
        self = known != 0 ? known : ProcessHandle.current().pid();
        return self;
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
            byte[] raw = Files.readAllBytes(PROC.resolve("self").resolve("cmdline"));
            List<String> out = new ArrayList<>();
            out.add(program);
            // NUL-terminated strings, argv[0] (the program as it was typed) first.
            int from = 0;
            boolean first = true;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    if (!first) {
                        out.add(new String(raw, from, i - from, java.nio.charset.StandardCharsets.UTF_8));
                    }
                    first = false;
                    from = i + 1;
                }
            }
            if (!first) {
                return List.copyOf(out);
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or no /proc mounted: the JDK's answer.
        }
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
