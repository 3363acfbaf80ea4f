package phoenix.bench;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Busy loops that keep every core busy: one {@code sha256sum /dev/zero} per core, each ended by pid. */
final class BusyLoops implements AutoCloseable {
    private final List<Process> loops = new ArrayList<>();
    private boolean closed;

    synchronized BusyLoops start(int count) throws IOException {
        if (closed) {
            throw new BenchException("busy loops already ended");
        }
        for (int i = 0; i < count; i++) {
            loops.add(new ProcessBuilder("sha256sum", "/dev/zero").redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start());
        }
        return this;
    }

    /** @return the CPU time the loops used so far, in clock ticks */
    synchronized long cpuTicks() {
        return loops.stream().mapToLong(p -> Math.max(0, Procs.cpuTicks(p.pid()))).sum();
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Process p : loops) {
            p.destroyForcibly();
        }
        boolean interrupted = Thread.interrupted();
        for (Process p : loops) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "busy loops " + loops.stream().map(p -> String.valueOf(p.pid())).toList();
    }
}
