package phoenix.bench;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import phoenix.testing.ProcessTracker;

/** Busy loops that keep every core busy: one {@code sha256sum /dev/zero} per core, each ended by pid. */
final class BusyLoops implements AutoCloseable {
    private final ProcessTracker processes = new ProcessTracker("busy loops");
    private final List<Process> loops = new ArrayList<>();

    synchronized BusyLoops start(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            loops.add(processes.start(new ProcessBuilder("sha256sum", "/dev/zero").redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)));
        }
        return this;
    }

    /** @return the CPU time the loops used so far, in clock ticks */
    synchronized long cpuTicks() {
        return loops.stream().mapToLong(p -> Math.max(0, Procs.cpuTicks(p.pid()))).sum();
    }

    @Override
    public void close() {
        processes.close();
    }

    @Override
    public synchronized String toString() {
        return "busy loops " + loops.stream().map(p -> String.valueOf(p.pid())).toList();
    }
}
