package phoenix.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Signals to one pid at a time, with kill(1): never a pattern, never a group. */
public final class Kill {
    private Kill() {
    }

    /**
     * Sends a signal to one process and waits for kill(1) to finish.
     *
     * @param pid the process, one a test started or a member of its own pair
     * @param signal the signal's name without {@code SIG}: KILL, TERM, STOP, CONT, ...
     * @return whether kill(1) succeeded (false, for instance, when the process is already gone)
     * @throws IOException when kill(1) cannot be run
     * @throws InterruptedException when interrupted while kill(1) runs; it is killed then
     */
    public static boolean signal(long pid, String signal) throws IOException, InterruptedException {
        if (pid <= 0) {
            throw new IllegalArgumentException("kill -" + signal + " " + pid + ": not one process");
        }
        Process p = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " did not end within 10 s");
            }
            if (p.exitValue() != 0 && ProcStat.running(pid)) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + out);
            }
            return p.exitValue() == 0;
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * Sends one signal to several processes with one kill(1), so that they get it together (every process of a
     * host killed at once, say).
     *
     * @param signal the signal's name, such as KILL or STOP
     * @param pids the processes, ones a test started or members of its own pair
     * @throws IOException when kill(1) cannot be run
     * @throws InterruptedException when interrupted while kill(1) runs
     */
    public static void together(String signal, long... pids) throws IOException, InterruptedException {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("kill", "-" + signal));
        for (long pid : pids) {
            cmd.add(String.valueOf(pid));
        }
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                .waitFor();
    }

    /**
     * Pauses processes together for a while, as a suspended laptop or a descheduled virtual machine does: SIGSTOP
     * to each, then, after {@code length}, SIGCONT to each. The length is the fault's own, not a wait for an
     * outcome.
     *
     * @param length how long the processes stay stopped
     * @param pids the processes, ones a test started or members of its own pair
     * @throws IOException when kill(1) cannot be run
     * @throws InterruptedException when interrupted; the processes are continued first
     */
    public static void pauseTogether(java.time.Duration length, long... pids) throws IOException,
            InterruptedException {
        for (long pid : pids) {
            signal(pid, "STOP");
        }
        try {
            Thread.sleep(length.toMillis());
        } finally {
            for (long pid : pids) {
                signal(pid, "CONT");
            }
        }
    }

    /**
     * Sends SIGKILL or SIGTERM to one process from this JVM, without starting kill(1), for measurements whose
     * clock starts at the signal: kill(1)'s own start would count otherwise.
     *
     * @param pid the process, one a test started or a member of its own pair
     * @param force SIGKILL when true, SIGTERM when false
     * @return {@link System#nanoTime()} just before the signal was sent
     * @throws IllegalStateException when the process is gone or the signal could not be sent
     */
    public static long direct(long pid, boolean force) {
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow(
                () -> new IllegalStateException("pid " + pid + " is gone; nothing to signal"));
        long now = System.nanoTime();
        boolean sent = force ? h.destroyForcibly() : h.destroy();
        if (!sent) {
            throw new IllegalStateException((force ? "SIGKILL" : "SIGTERM") + " to pid " + pid + " was not sent");
        }
        return now;
    }
}
