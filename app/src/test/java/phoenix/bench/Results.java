package phoenix.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one run measured, per configuration, with the machine it ran on. */
final class Results {
    final BenchOptions options;
    final int cores = Runtime.getRuntime().availableProcessors();
    final String cpuModel = Procs.cpuModel();
    final String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch");
    final String javaVersion = System.getProperty("java.version");
    final String javaVm = System.getProperty("java.vm.name");
    final String loadAtStart = Procs.loadAverage();
    final long startedNs = System.nanoTime();
    final long startedMillis = System.currentTimeMillis();
    final Map<Setup, Config> configs = new EnumMap<>(Setup.class);
    /** The default configuration with a spare ({@code --spare on}), measured after the default's takeovers. */
    final Config spare = new Config(Setup.DEFAULT);
    /** The spare's own CPU (% of a core) while it waits, and its RSS (MB): NaN until measured. */
    double spareCpuPct = Double.NaN;
    double spareRssMb = Double.NaN;
    final List<Double> killCommandMs = new ArrayList<>();
    final List<Double> jvmStartMs = new ArrayList<>();
    final List<Double> deathFloorMs = new ArrayList<>();
    /**
     * A member's own death beside the death floor: the default pair's primary SIGKILLed -> EOF on a connection to its
     * control socket (Measure#memberDeath).
     */
    final List<Double> memberDeathMs = new ArrayList<>();
    final List<Double> startFloorMs = new ArrayList<>();
    /** Java's least takeover and start ({@link FloorMain}), with the members' flags. */
    final List<Double> javaTakeoverMs = new ArrayList<>();
    /** Java's least takeover at a SIGTERM whose handler ends the victim's side of the connection. */
    final List<Double> javaTermTakeoverMs = new ArrayList<>();
    final List<Double> javaStartMs = new ArrayList<>();
    /** Java's least start with a class-data archive (AppCDS, or JDK 25's AOT cache) of its own. */
    final List<Double> javaStartArchivedMs = new ArrayList<>();
    final List<Start> freshStarts = new ArrayList<>();
    final List<Start> freshStartsNoArchive = new ArrayList<>();
    String floorFlags = "";
    String memberCommand = "";
    String loadAtEnd = "";
    String code = "";
    long elapsedNs;
    final Map<String, Long> phaseNs = new LinkedHashMap<>();
    /** The key-value example's takeovers, in order; empty when it was not measured. */
    final List<KvTakeover> kvTakeovers = new ArrayList<>();
    /** The death floor measured beside the key-value example's takeovers, one sample after each. */
    final List<Double> kvDeathFloorMs = new ArrayList<>();
    /** The key-value example's writes, once its run is done; null when it was not measured. */
    KvWrites kvWrites;

    Results(BenchOptions options) {
        this.options = options;
        for (Setup s : Setup.values()) {
            configs.put(s, new Config(s));
        }
    }

    Config of(Setup s) {
        return configs.get(s);
    }

    /** @return whether the key-value example lost no acknowledged write and no value went back, when measured */
    boolean kvWritesOk() {
        return kvWrites == null || kvWrites.lost().isEmpty();
    }

    boolean sequencesOk() {
        return configs.values().stream().flatMap(c -> c.sequences.stream()).allMatch(SequenceCheck::ok)
                && spare.sequences.stream().allMatch(SequenceCheck::ok);
    }

    /** @return the fresh starts' spawn -> first number, with the member's own command line */
    List<Double> freshStartMs() {
        return freshStarts.stream().map(Start::firstNumberMs).toList();
    }

    /**
     * A fresh start of a pair with a member's command line, and one SIGKILL takeover in it.
     *
     * @param firstNumberMs spawn of the first member -> its first number
     * @param protectedMs spawn of the first member -> the status says protected (its standby READY, attached)
     * @param reprotectMs after a SIGKILL of that primary, the next number -> protected again (a new standby's start)
     */
    record Start(double firstNumberMs, double protectedMs, double reprotectMs) {
    }

    /** What one configuration measured. */
    static final class Config {
        final Setup setup;
        final List<Takeover> kill = new ArrayList<>();
        final List<Takeover> term = new ArrayList<>();
        final List<Hang> hangs = new ArrayList<>();
        final List<SequenceCheck> sequences = new ArrayList<>();
        /** The new primaries' log lines that say where each takeover's microseconds went. */
        final List<String> takeoverTimes = new ArrayList<>();
        Stress stress;
        Idle idle;

        Config(Setup setup) {
            this.setup = setup;
        }

        List<Takeover> takeovers() {
            List<Takeover> all = new ArrayList<>(kill);
            all.addAll(term);
            return all;
        }
    }

    /**
     * One SIGKILL or SIGTERM takeover. Times from the signal unless said otherwise; NaN when a log line was not
     * seen.
     *
     * @param signal KILL or TERM
     * @param settleMs how long after the pair said it was protected the signal was sent
     * @param latencyMs the signal to the first number that arrived after it
     * @param reprotectMs the first number to the status saying protected again
     * @param signalLoggedMs the signal to the old primary's log line that it ends on the signal
     * @param detectedMs the signal to the standby's log line that it takes over
     * @param promotedMs the signal to the new primary's log line that it is the primary
     * @param spawnedMs the first number to the new primary's log line that it spawned a standby
     * @param attachedMs the first number to the new primary's log line that the new standby attached
     * @param attributed whether the new primary's first number was found by the count it announced in its log
     * @param late how many numbers the old primary printed after the signal, before the new primary's first
     * @param spareReady whether the status before the signal named a prepared spare ({@code --spare on})
     */
    record Takeover(String signal, int settleMs, double latencyMs, double reprotectMs, double signalLoggedMs,
            double detectedMs, double promotedMs, double spawnedMs, double attachedMs, boolean attributed, int late,
            boolean spareReady) {
    }

    /**
     * One SIGSTOP takeover and the SIGCONT after it.
     *
     * @param latencyMs the SIGSTOP (taken before kill(1) is started) to the first number after it
     * @param detectedMs the SIGSTOP to the standby's log line that it takes over
     * @param reprotectMs the first number to the status saying protected again
     * @param stopCommandMs how long kill(1) took, start to exit
     * @param endedWithin2s whether the paused primary ended by itself within 2 s of SIGCONT
     * @param endedMs SIGCONT to its end, NaN when it did not end
     * @param printedAfterResume numbers that arrived after SIGCONT repeating one already printed: the old
     *     primary's
     * @param attributed whether the new primary's first number was found by the count it announced in its log
     * @param late how many numbers the old primary printed after the SIGSTOP was started, before it landed
     */
    record Hang(double latencyMs, double detectedMs, double reprotectMs, double stopCommandMs,
            boolean endedWithin2s, double endedMs, int printedAfterResume, boolean attributed, int late) {
    }

    /**
     * A pair under a busy machine.
     *
     * @param seconds the length of the window
     * @param busyLoops how many busy loops ran
     * @param busyLoopCpuPct the CPU the busy loops got, in percent of one core
     * @param falseTakeovers takeovers that status counted during the window
     * @param promotionsLogged standbys that logged a takeover during the window
     * @param standbysKilled standbys the primary killed for not acknowledging heartbeats
     * @param unprotectedPolls status polls (one a second) that found the pair unprotected or silent
     * @param polls status polls made
     * @param numbers numbers printed during the window
     * @param longestPauseMs the longest time without a number during the window
     */
    record Stress(double seconds, int busyLoops, double busyLoopCpuPct, long falseTakeovers, long promotionsLogged,
            long standbysKilled, int unprotectedPolls, int polls, int numbers, double longestPauseMs) {
    }

    /**
     * An idle pair: a number a second.
     *
     * @param seconds the length of the window
     * @param warmedSeconds how long the pair had run (protected) when the window began
     * @param cpuPct both members together, in percent of one core
     * @param primaryCpuPct the primary alone
     * @param standbyCpuPct the standby alone
     * @param mainThreadsCpuPct of both, the members' own threads (the selector loops)
     * @param jitCpuPct of both, the compiler threads
     * @param primaryRssMb the primary's resident memory at the end of the window
     * @param standbyRssMb the standby's
     * @param samePids whether the same two members ran through the whole window
     */
    record Idle(double seconds, double warmedSeconds, double cpuPct, double primaryCpuPct, double standbyCpuPct,
            double mainThreadsCpuPct, double jitCpuPct, double primaryRssMb, double standbyRssMb, boolean samePids) {
    }

    /**
     * One takeover of the key-value example as its clients saw it, from the signal; NaN when a log line was not
     * seen.
     *
     * @param signal KILL or TERM
     * @param getMs the signal to the new primary's first answered GET (200 or 404)
     * @param putMs the signal to its first acknowledged PUT (204: a new standby holds the write)
     * @param protectedMs the signal to the status saying protected again
     * @param takeoverMs the new primary's own account, from seeing the old one gone to its service started (its
     *     "takeover took" line)
     * @param startMs of that, the service's start: bind and start the HTTP server (its "serving" line)
     * @param standbyReadyMs the new primary spawning a standby to that standby attached and ready (its log)
     * @param takeoverTimes the new primary's "takeover took" line
     */
    record KvTakeover(String signal, double getMs, double putMs, double protectedMs, double takeoverMs,
            double startMs, double standbyReadyMs, String takeoverTimes) {
    }

    /**
     * The key-value example's writes over the whole run.
     *
     * @param pair the pair's name
     * @param writers how many clients wrote, each to a key of its own
     * @param acks PUTs acknowledged (204)
     * @param refusals PUTs answered otherwise (503 while no standby could hold them)
     * @param checks how many times every key was read back against what was acknowledged: after each takeover, and
     *     at the end
     * @param lost what went wrong: an acknowledged write missing, a value gone back; empty when nothing did
     */
    record KvWrites(String pair, int writers, long acks, long refusals, int checks, List<String> lost) {
    }
}
