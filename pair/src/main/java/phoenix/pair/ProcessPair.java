package phoenix.pair;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Runs a program as a process pair, and reaches a running pair from outside. The entry points of the
 * library: {@link #run} makes this process a member of a pair, {@link #status} and {@link #stop} talk to the
 * pair through its control sockets in the state directory.
 */
public final class ProcessPair {
    private static final long REQUEST_TIMEOUT_MS = 3000;
    /** How long nobody answering may be a takeover under way rather than no pair. */
    private static final long NO_ANSWER_GRACE_NS = 500_000_000L;

    private ProcessPair() {
    }

    /**
     * Makes this process a member of the pair: it starts as the standby and, when the primary is gone or
     * silent, takes over and runs {@code task}. Returns when this member ends: stopped, fenced, failed, or, with
     * {@link PairConfig#handleSignals()} on (the default), on SIGINT, SIGTERM or SIGHUP after a primary has handed
     * over to its standby ({@link Ending#INTERRUPTED}, {@link Ending#TERMINATED}, {@link Ending#HUNG_UP}); a
     * standby ignores SIGINT and SIGTERM. The program's own clean-up runs after it returns; exit with
     * {@link Ending#exitCode()}.
     *
     * <p>A standby that this member spawns runs {@link PairConfig#standbyCommand()}, with stdin from
     * {@code /dev/null} in the background (the terminal belongs to the shell once the first member ends) and the
     * window's terminal when it runs in a window of its own.
     *
     * @param config the pair's configuration
     * @param task the work to protect
     * @return how this member ended
     * @throws PairException when the member cannot start: the message says why and what to do
     */
    public static Ending run(PairConfig config, PairTask task) {
        if (config.standbyCommand().isEmpty()) {
            throw new PairException("pair '" + config.name() + "' has no standby command and this system does not "
                    + "report this process's own command line; set one with PairConfig.Builder.standbyCommand");
        }
        return new Member(config, task, NanoClock.SYSTEM).run();
    }

    /**
     * Makes this process a member of a pair that protects an event-driven {@code service}: as {@link
     * #run(PairConfig, PairTask)}, but the primary runs the service, which replicates its state through a
     * {@link Replicator} whenever that changes, instead of stepping on a timer. The states travel on the
     * Unix-domain watch connection between primary and standby; heartbeats carry only the newest version the
     * standby holds. A takeover starts the service from the newest state the standby held; a standby counts as
     * ready (the pair as protected) only once it holds the newest state. The service is stopped before the watch
     * connection closes, so that on a hand-over the old primary has stopped before the new one starts.
     *
     * @param config the pair's configuration; its step interval is not used
     * @param service the service to protect
     * @return how this member ended
     * @throws PairException when the member cannot start: the message says why and what to do
     */
    public static Ending run(PairConfig config, PairService service) {
        if (config.standbyCommand().isEmpty()) {
            throw new PairException("pair '" + config.name() + "' has no standby command and this system does not "
                    + "report this process's own command line; set one with PairConfig.Builder.standbyCommand");
        }
        return new Member(config, service, NanoClock.SYSTEM).run();
    }

    /**
     * This process's pid, as {@code ProcessHandle.current().pid()}, read where the system has {@code /proc} from its
     * {@code self} link: a JVM's first use of {@link ProcessHandle} costs a program's start about 10 ms (JDK 17) of
     * set-up that nothing else before a pair's first step needs.
     *
     * @return this process's pid
     */
    public static long ownPid() {
        return Pids.self();
    }

    /**
     * Asks the pair how it is.
     *
     * @param config names the pair and its state directory
     * @return the status, or empty when no member of the pair is running
     * @throws PairException when the state directory belongs to a pair of another name
     */
    public static Optional<PairStatus> status(PairConfig config) {
        // During a takeover neither socket answers for a few milliseconds (the old primary's is closed, the new
        // one binds it after its claim, fence and read): nobody answering is asked again for a while before it
        // counts as "no pair" (an adversarial run saw gaps of 20-185 ms on a loaded machine).
        long deadline = System.nanoTime() + NO_ANSWER_GRACE_NS;
        while (true) {
            Optional<Status> primary = ask(config, config.controlSocket(), "STATUS");
            Optional<Status> standby = ask(config, config.standbySocket(), "STATUS");
            if (primary.isPresent() || standby.isPresent()) {
                return Optional.of(PairStatus.of(config.name(), primary.orElse(null), standby.orElse(null)));
            }
            if (System.nanoTime() - deadline >= 0) {
                return Optional.empty();
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    /**
     * Lists the pair's members on every host, as its coordinator knows them: each member that names one
     * announces itself there while its ZooKeeper session lives.
     *
     * @param config names the pair and its coordinator
     * @return the members, ordered by host and pid, less those of this host whose process has ended (ZooKeeper
     *     lists a member killed by SIGKILL until its session expires); empty for a pair without a coordinator
     * @throws PairException when the coordinator cannot be reached or read
     */
    public static java.util.List<PairMember> members(PairConfig config) {
        if (config.coordinator() == null) {
            return java.util.List.of();
        }
        EpochStore store = Coordinators.open(config, null);
        try {
            String host = PairMember.localHost();
            return store.memberRecords().values().stream().map(PairMember::parse)
                    .filter(m -> !m.host().equals(host) || Pids.running(m.pid()))
                    .sorted(java.util.Comparator.comparing(PairMember::host).thenComparingLong(PairMember::pid))
                    .toList();
        } finally {
            store.close();
        }
    }

    private static Optional<Status> ask(PairConfig config, java.nio.file.Path socket, String request) {
        Optional<Status> answer = ControlClient.request(socket, request, REQUEST_TIMEOUT_MS).map(Status::parse);
        answer.ifPresent(s -> requireName(config, s.get("name"), s.get("pid")));
        return answer;
    }

    private static void requireName(PairConfig config, String name, String pid) {
        if (!name.isEmpty() && !name.equals(config.name())) {
            throw new PairException("state directory " + config.stateDir() + " holds the running pair '" + name
                    + "' (pid " + pid + "), not '" + config.name() + "'; use --name " + name);
        }
    }

    /**
     * Stops the pair: the primary ends its standby and then itself; with a coordinator, from any host: a primary on
     * another host is asked there (proving the pair's secret from this host's state directory) and ends the
     * standbys connected to it on every host. Returns once the members on this host have ended their part: each
     * closes the request's connection as the last thing it does, so the end is known from there, not from the
     * pids, and a member that nobody reaps (a zombie) counts as ended.
     *
     * @param config names the pair and its state directory
     * @param wait how long to wait for the members to end
     * @return the pair's last status, with the last step, or empty when no member was running
     * @throws PairException when a member does not end within {@code wait}
     */
    public static Optional<PairStatus> stop(PairConfig config, Duration wait) {
        Optional<PairStatus> before = status(config);
        boolean hasPrimary = before.isPresent() && before.get().primaryPid() > 0;
        if (!hasPrimary && config.coordinator() != null) {
            // The primary runs on another host: it is asked there, and ends the standbys on every host, this one's
            // included.
            java.util.OptionalLong step = RemoteLink.stopOnOtherHost(config, wait);
            if (step.isPresent()) {
                long deadline = System.nanoTime() + wait.toNanos();
                before.ifPresent(b -> awaitEnd(b.standbyPid(), deadline));
                PairStatus b = before.orElse(new PairStatus(config.name(), 0, 0, false, 0, "", 0, 0, 0,
                        java.util.Map.of(), ""));
                return Optional.of(new PairStatus(b.name(), step.getAsLong(), b.epoch(), false, 0, "stopped",
                        b.standbyPid(), b.takeovers(), 0, b.rejected(), b.checkpointError()));
            }
        }
        if (before.isEmpty()) {
            return before;
        }
        Optional<List<String>> answer = ControlClient.request(
                hasPrimary ? config.controlSocket() : config.standbySocket(), "STOP", wait.toMillis());
        long step = answer.map(ControlProtocol::parseStopped).orElse(OptionalLong.empty())
                .orElse(before.get().step());
        long deadline = System.nanoTime() + wait.toNanos();
        for (long pid : new long[] {before.get().primaryPid(), before.get().standbyPid(), before.get().sparePid()}) {
            awaitEnd(pid, deadline);
        }
        PairStatus b = before.get();
        return Optional.of(new PairStatus(b.name(), step, b.epoch(), false, b.primaryPid(), "stopped",
                b.standbyPid(), b.takeovers(), 0, b.rejected(), b.checkpointError(), b.sparePid()));
    }

    /** Waits until the process has ended: gone, or a zombie that its parent has not reaped. */
    private static void awaitEnd(long pid, long deadlineNs) {
        while (Pids.running(pid)) {
            if (System.nanoTime() - deadlineNs >= 0) {
                throw new PairException("member pid " + pid + " did not end after the stop request; end it with "
                        + "'kill " + pid + "'");
            }
            try {
                // Polling a pid that is not our child: the JDK has no way to be told when it ends.
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
