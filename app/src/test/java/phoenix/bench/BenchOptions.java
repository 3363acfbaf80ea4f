package phoenix.bench;

import java.nio.file.Path;

/** The benchmark's command line, checked as it is read; {@code --quick} changes the defaults only. */
final class BenchOptions {
    static final String USAGE = String.join("\n",
            "usage: run-phoenix.sh bench [options]      (or test-scripts/bench.sh [options])",
            "",
            "  --quick               a smoke run: 10 takeovers per signal, 3 for the peer-like configuration,",
            "                        15 s of stress",
            "  --takeovers N         SIGKILL and SIGTERM takeovers each, default configuration (default 30)",
            "  --peer-takeovers N    the same for the peer-like configuration (default: --takeovers; quick 3)",
            "  --hangs N             SIGSTOP takeovers, default configuration (default: takeovers / 3, at least 3)",
            "  --peer-hangs N        the same for the peer-like configuration (default: peer takeovers / 3, at",
            "                        least 2)",
            "  --stress-seconds S    how long every core is kept busy (default 60; quick 15)",
            "  --idle-seconds S      how long an idle pair's CPU is measured (default 10)",
            "  --settle-ms MS[,MS]   wait this long after the pair is protected before each signal; a list takes",
            "                        turns, each value a row of its own (default 0,300,2000: right after",
            "                        \"protected\", a moment later, a pair in its steady state)",
            "  --floors N            samples of the death floor (default 30); the start floor and fresh starts",
            "                        take N / 3, at least 11 and 7; a member's own death N / 3, at least 3",
            "  --json FILE           where the raw samples go (default app/target/bench.json)",
            "  --replication         only the replication rows: a service pair's synchronous replicate latency",
            "                        (1 KiB, 1 MiB) and throughput",
            "  --kv                  only the key-value example's rows (also the last phase of a full run): its",
            "                        primary signalled under writes, the gap to the next answered GET and",
            "                        acknowledged PUT, and whether an acknowledged write was lost; the JSON",
            "                        holds those rows alone",
            "  --kv-kills N          SIGKILL takeovers of the key-value example (default 20; quick 8)",
            "  --kv-terms N          SIGTERM takeovers of the key-value example (default 5; quick 2)",
            "  --hosts               only the rows across hosts (needs root and iproute2): a pair with",
            "                        --coordinator and --bind on 3 hosts (network namespaces pbh*, 10.231.0.0/24)",
            "                        beside a 3-server ZooKeeper ensemble, 2 s sessions; every member of the",
            "                        primary's host SIGKILLed, the host SIGSTOPped for 6 s, cut off from",
            "                        everything, cut off from ZooKeeper only -> next number on another host; no",
            "                        overlap, no gap; and in the same run SIGKILL of the primary process -> next",
            "                        number for a plain pair and for the pair across hosts side by side",
            "  --hosts-rounds N      rounds of each fault across hosts (default 10; quick 3); the same-host kills",
            "                        take max(N, 10) rounds each (quick 5)",
            "  --zk-logs DIR         with --hosts: ZooKeeper's transaction logs (which every write waits for) in a new",
            "                        directory under DIR, such as /dev/shm, instead of beside its data in /tmp",
            "  --help                this text",
            "",
            "prints a Markdown table on stdout, progress on stderr; exits 1 when a pair skipped a number, the",
            "key-value example lost an acknowledged write, two hosts printed in overlapping epochs or a",
            "measurement could not be made, 2 on a bad command line or (--hosts) without root or iproute2");

    boolean help;
    boolean quick;
    boolean replication;
    boolean kv;
    boolean hosts;
    int hostsRounds;
    Path zkLogs;
    int sameHostKills;
    int kvKills;
    int kvTerms;
    int takeovers;
    int peerTakeovers;
    int hangs;
    int peerHangs;
    int stressSeconds;
    int idleSeconds;
    int[] settleMs = {0, 300, 2000};
    int deathFloors;
    int startFloors;
    int freshStarts;
    Path json;

    static BenchOptions parse(String[] args, Path root) {
        BenchOptions o = new BenchOptions();
        Integer takeovers = null;
        Integer peerTakeovers = null;
        Integer hangs = null;
        Integer peerHangs = null;
        Integer stress = null;
        Integer idle = null;
        Integer floors = null;
        Integer kvKills = null;
        Integer kvTerms = null;
        Integer hostsRounds = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help":
                case "-h":
                    o.help = true;
                    break;
                case "--replication":
                    o.replication = true;
                    break;
                case "--kv":
                    o.kv = true;
                    break;
                case "--hosts":
                    o.hosts = true;
                    break;
                case "--zk-logs":
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--zk-logs needs a directory, such as /dev/shm");
                    }
                    o.zkLogs = Path.of(args[++i]);
                    if (!java.nio.file.Files.isDirectory(o.zkLogs)) {
                        throw new IllegalArgumentException("--zk-logs " + o.zkLogs + ": no such directory");
                    }
                    break;
                case "--hosts-rounds":
                    hostsRounds = number(args, ++i, a, 1);
                    break;
                case "--kv-kills":
                    kvKills = number(args, ++i, a, 0);
                    break;
                case "--kv-terms":
                    kvTerms = number(args, ++i, a, 0);
                    break;
                case "--quick":
                    o.quick = true;
                    break;
                case "--takeovers":
                    takeovers = number(args, ++i, a, 1);
                    break;
                case "--peer-takeovers":
                    peerTakeovers = number(args, ++i, a, 1);
                    break;
                case "--hangs":
                    hangs = number(args, ++i, a, 0);
                    break;
                case "--peer-hangs":
                    peerHangs = number(args, ++i, a, 0);
                    break;
                case "--stress-seconds":
                    stress = number(args, ++i, a, 1);
                    break;
                case "--idle-seconds":
                    idle = number(args, ++i, a, 1);
                    break;
                case "--settle-ms":
                    String[] list = value(args, i + 1, a).split(",", -1);
                    o.settleMs = new int[list.length];
                    for (int k = 0; k < list.length; k++) {
                        o.settleMs[k] = number(list, k, a, 0);
                    }
                    i++;
                    break;
                case "--floors":
                    floors = number(args, ++i, a, 1);
                    break;
                case "--json":
                    o.json = Path.of(value(args, ++i, a)).toAbsolutePath();
                    break;
                default:
                    throw new IllegalArgumentException("unknown option '" + a + "'; see --help");
            }
        }
        o.takeovers = takeovers != null ? takeovers : o.quick ? 10 : 30;
        o.peerTakeovers = peerTakeovers != null ? peerTakeovers : o.quick ? 3 : o.takeovers;
        o.hangs = hangs != null ? hangs : Math.max(3, o.takeovers / 3);
        o.peerHangs = peerHangs != null ? peerHangs : Math.max(2, o.peerTakeovers / 3);
        o.stressSeconds = stress != null ? stress : o.quick ? 15 : 60;
        o.idleSeconds = idle != null ? idle : 10;
        o.deathFloors = floors != null ? floors : 30;
        o.kvKills = kvKills != null ? kvKills : o.quick ? 8 : 20;
        o.kvTerms = kvTerms != null ? kvTerms : o.quick ? 2 : 5;
        if (o.kvKills + o.kvTerms == 0) {
            throw new IllegalArgumentException("--kv-kills 0 and --kv-terms 0 leave nothing to measure");
        }
        if (o.hosts && (o.kv || o.replication)) {
            throw new IllegalArgumentException("--hosts runs alone, without --kv or --replication; choose one");
        }
        o.hostsRounds = hostsRounds != null ? hostsRounds : o.quick ? 3 : 10;
        o.sameHostKills = o.quick && hostsRounds == null ? 5 : Math.max(o.hostsRounds, 10);
        o.startFloors = Math.max(11, o.deathFloors / 3);
        o.freshStarts = Math.max(7, o.deathFloors / 3);
        if (o.json == null) {
            o.json = root.resolve("app").resolve("target").resolve("bench.json");
        }
        return o;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value; see --help");
        }
        return args[i];
    }

    private static int number(String[] args, int i, String option, int min) {
        String v = value(args, i, option);
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > 100_000) {
                throw new IllegalArgumentException(option + " " + v + " is out of range; use " + min + " to 100000");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number, not '" + v + "'");
        }
    }

    String mode() {
        return quick ? "quick" : "full";
    }
}
