package phoenix.pair;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a process still runs. {@link ProcessHandle#isAlive()} calls an exited process that its parent has not
 * reaped yet (a zombie) alive; a pair started by a parent that never reaps would then look as if it never ended.
 * Where {@code /proc} is there, its state letter decides.
 */
final class Pids {
    private static final Path PROC = Path.of("/proc");

    private Pids() {
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
