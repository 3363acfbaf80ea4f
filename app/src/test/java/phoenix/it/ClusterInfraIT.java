package phoenix.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import phoenix.testing.Awaits;
import phoenix.testing.ProcessTracker;
import phoenix.testing.cluster.Netns;
import phoenix.testing.cluster.ZkClientMain;
import phoenix.testing.cluster.ZkEnsemble;
import phoenix.testing.cluster.ZkEnsemble.Mode;

/**
 * The test infrastructure for phoenix across hosts (issue 10), checked before anything is built on it: hosts as
 * network namespaces ({@link Netns}) and a 3-server ZooKeeper ensemble of real JVMs ({@link ZkEnsemble}), one
 * server per host, or all on 127.0.0.1. A client inside host 1 creates a znode; the leader is killed by pid and
 * another is elected with the data intact; host 3 cut off from the other two loses its place in the quorum while
 * they go on serving, and catches up once healed; host 3 cut off entirely cannot be reached at all. The
 * namespace test needs root and iproute2: without them it is skipped, except under CI ({@code CI=true} or {@code
 * phoenix.requireTools=true}), where it fails.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterInfraIT {
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final String PATH = "/phx-infra";

    private final ProcessTracker tracker = new ProcessTracker("ClusterInfraIT");
    @TempDir
    Path work;
    private Netns net;
    private ZkEnsemble zk;

    @AfterEach
    void removeEverything() {
        // Processes first: a namespace with a process still in it outlives its name.
        if (zk != null) {
            zk.close();
        }
        tracker.close();
        if (net != null) {
            net.close();
        }
    }

    @Test
    void ensembleAcrossNamespaceHostsSurvivesALeaderKillAndCutOffHosts() throws Exception {
        Netns.assumeAvailable("ClusterInfraIT");
        net = Netns.create(3);
        String prefix = net.prefix();
        Process sh = tracker.start(net.inHost(1, List.of("sh", "-c", "echo $$; ip -o -4 addr show")));
        String[] shOut = output(sh).split("\n", 2);
        assertEquals(String.valueOf(sh.pid()), shOut[0], "ip netns exec execs the command: the pid is its own");
        assertTrue(shOut[1].contains(" lo ") && shOut[1].contains("inet " + net.address(1) + "/24"),
                "host 1 has its loopback and its address: " + shOut[1]);

        zk = ZkEnsemble.inNamespaces(net, work);
        zk.start();
        int leader = zk.awaitQuorum(WITHIN);

        Process client = tracker.start(net.inHost(1, ZkClientMain.command("create", zk.connectString(), PATH,
                "from host 1")).redirectError(work.resolve("client.log").toFile()));
        assertEquals("created " + PATH, output(client).strip(), "a client in host 1 creates a znode");
        assertEquals(0, client.exitValue());
        assertEquals("from host 1", read(zk.connectString(), PATH), "the test JVM reads it through the bridge");

        zk.kill(leader);
        int[] others = others(leader);
        int next = zk.awaitQuorum(WITHIN, others);
        assertNotEquals(leader, next, "a new leader once leader " + leader + " was killed");
        assertEquals(Mode.UNREACHABLE, zk.mode(leader));
        assertEquals("from host 1", read(zk.connectString(), PATH), "the data survives the leader");
        zk.start(leader);
        zk.awaitQuorum(WITHIN);

        net.cut(3, 1, 2);
        Awaits.await("server 3, cut off from hosts 1 and 2, to leave the quorum", WITHIN)
                .until(() -> zk.mode(3) == Mode.NOT_SERVING);
        zk.awaitQuorum(WITHIN, 1, 2);
        create(zk.connectString(1) + "," + zk.connectString(2), PATH + "-cut", "while 3 was cut off");
        assertEquals(Mode.NOT_SERVING, zk.mode(3), "server 3 stays out while cut off");
        net.heal();
        zk.awaitQuorum(WITHIN);
        assertEquals("while 3 was cut off", read(zk.connectString(3), PATH + "-cut"), "server 3 caught up");

        net.isolate(3);
        Awaits.await("server 3, isolated, to be out of reach", WITHIN).until(() -> zk.mode(3) == Mode.UNREACHABLE);
        zk.awaitQuorum(WITHIN, 1, 2);
        assertEquals("from host 1", read(zk.connectString(1) + "," + zk.connectString(2), PATH));
        net.heal();
        zk.awaitQuorum(WITHIN);

        zk.close();
        net.close();
        assertEquals(List.of(), Netns.leftovers(prefix), "close() removes the namespaces, the bridge and the veths");
    }

    @Test
    void ensembleOnLoopbackSurvivesALeaderKill() throws Exception {
        zk = ZkEnsemble.onLoopback(3, work);
        zk.start();
        int leader = zk.awaitQuorum(WITHIN);
        create(zk.connectString(), PATH, "on loopback");

        zk.kill(leader);
        assertFalse(zk.running(leader));
        int next = zk.awaitQuorum(WITHIN, others(leader));
        assertNotEquals(leader, next);
        assertEquals("on loopback", read(zk.connectString(), PATH));
        zk.start(leader);
        zk.awaitQuorum(WITHIN);
        assertEquals("on loopback", read(zk.connectString(leader), PATH), "the restarted server has the data");
    }

    private static int[] others(int server) {
        return server == 1 ? new int[] {2, 3} : server == 2 ? new int[] {1, 3} : new int[] {1, 2};
    }

    /** Creates a znode through a fresh client, retried while the ensemble settles. */
    private static void create(String connect, String path, String data) {
        Awaits.await("creating " + path + " through " + connect, WITHIN).ignoreExceptions().until(() -> {
            ZooKeeper c = ZkClientMain.connect(connect, Duration.ofSeconds(5));
            try {
                c.create(path, data.getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                        CreateMode.PERSISTENT);
                return true;
            } finally {
                c.close();
            }
        });
    }

    /** Reads a znode through a fresh client (an old session may have expired in an election), retried. */
    private static String read(String connect, String path) {
        AtomicReference<String> data = new AtomicReference<>();
        Awaits.await("reading " + path + " through " + connect, WITHIN).ignoreExceptions().until(() -> {
            ZooKeeper c = ZkClientMain.connect(connect, Duration.ofSeconds(5));
            try {
                data.set(new String(c.getData(path, false, null), StandardCharsets.UTF_8));
                return true;
            } finally {
                c.close();
            }
        });
        return data.get();
    }

    private static String output(Process p) throws IOException, InterruptedException {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "pid " + p.pid() + " ended");
        return out.strip();
    }
}
