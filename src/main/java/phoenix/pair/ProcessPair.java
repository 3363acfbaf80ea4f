package phoenix.pair;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs a program as a process pair, and reaches a running pair from outside. The entry points of the
 * library: {@link #run} makes this process a member of a pair, {@link #status} and {@link #stop} talk to the
 * pair through its control sockets in the state directory.
 */
public final class ProcessPair {
    private static final long REQUEST_TIMEOUT_MS = 3000;

    private ProcessPair() {
    }

    /**
     * Makes this process a member of the pair: it starts as the standby and, when the primary is gone or
     * silent, takes over and runs {@code task}. Returns only when this member ends.
     *
     * @param config the pair's configuration
     * @param task the work to protect
     * @return how this member ended
     * @throws PairException when the member cannot start: the message says why and what to do
     */
    public static Ending run(PairConfig config, PairTask task) {
        return new Member(config, task, NanoClock.SYSTEM).run();
    }

    /**
     * Asks the pair how it is.
     *
     * @param config names the pair and its state directory
     * @return the status, or empty when no member of the pair is running
     */
    public static Optional<PairStatus> status(PairConfig config) {
        Optional<Status> primary = ControlClient.request(config.controlSocket(), "STATUS", REQUEST_TIMEOUT_MS)
                .map(Status::parse);
        Optional<Status> standby = ControlClient.request(config.standbySocket(), "STATUS", REQUEST_TIMEOUT_MS)
                .map(Status::parse);
        if (primary.isEmpty() && standby.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(PairStatus.of(config.name(), primary.orElse(null), standby.orElse(null)));
    }

    /**
     * Stops the pair: the primary ends its standby and then itself; waits until both processes are gone.
     *
     * @param config names the pair and its state directory
     * @param wait how long to wait for the members to end
     * @return the pair's last status, with the final count, or empty when no member was running
     * @throws PairException when a member does not end within {@code wait}
     */
    public static Optional<PairStatus> stop(PairConfig config, Duration wait) {
        Optional<PairStatus> before = status(config);
        if (before.isEmpty()) {
            return before;
        }
        boolean hasPrimary = before.get().primaryPid() > 0;
        Optional<List<String>> answer = ControlClient.request(
                hasPrimary ? config.controlSocket() : config.standbySocket(), "STOP", wait.toMillis());
        long count = answer.flatMap(lines -> lines.stream().filter(l -> l.startsWith("STOPPED count="))
                .map(l -> Long.parseLong(l.substring("STOPPED count=".length()))).findFirst())
                .orElse(before.get().count());
        long deadline = System.nanoTime() + wait.toNanos();
        for (long pid : new long[] {before.get().primaryPid(), before.get().standbyPid()}) {
            Optional<ProcessHandle> handle = pid > 0 ? ProcessHandle.of(pid) : Optional.empty();
            if (handle.isPresent()) {
                awaitExit(handle.get(), deadline);
            }
        }
        PairStatus b = before.get();
        return Optional.of(new PairStatus(b.name(), count, b.epoch(), false, b.primaryPid(), "stopped",
                b.standbyPid(), b.takeovers(), 0, b.rejected(), b.checkpointError()));
    }

    private static void awaitExit(ProcessHandle handle, long deadlineNs) {
        try {
            handle.onExit().get(Math.max(0, deadlineNs - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new PairException("member pid " + handle.pid() + " did not end after the stop request; end it with "
                    + "'kill " + handle.pid() + "'");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
