package phoenix.testing.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * A ZooKeeper client as a program of its own, for a test to run in a {@link Netns} host: {@code ZkClientMain
 * create CONNECT PATH DATA} creates a persistent znode and prints {@code created PATH}; {@code ZkClientMain get
 * CONNECT PATH} prints its data. Exits 0 when done, 1 when ZooKeeper said no or did not answer within 20 s, 2 on
 * a bad command line. Also the one place that connects a client in the test JVM: {@link #connect(String,
 * Duration)}.
 */
public final class ZkClientMain {
    /** The session timeout asked for: 2 s, the one phoenix will use. */
    public static final Duration SESSION = Duration.ofSeconds(2);
    private static final Duration WITHIN = Duration.ofSeconds(20);

    private ZkClientMain() {
    }

    /**
     * The command line that runs this program in a new JVM, on the test's class path.
     *
     * @param args its arguments: {@code create CONNECT PATH DATA} or {@code get CONNECT PATH}
     * @return java, its options, the class and the arguments
     */
    public static List<String> command(String... args) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", TestClassPath.get(),
                ZkClientMain.class.getName()));
        c.addAll(List.of(args));
        return c;
    }

    /**
     * Runs one command.
     *
     * @param args {@code create CONNECT PATH DATA} or {@code get CONNECT PATH}
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        boolean create = args.length == 4 && "create".equals(args[0]);
        boolean get = args.length == 3 && "get".equals(args[0]);
        if (!create && !get) {
            System.err.println("usage: ZkClientMain create CONNECT PATH DATA | get CONNECT PATH");
            return 2;
        }
        try {
            ZooKeeper zk = connect(args[1], WITHIN);
            try {
                if (create) {
                    zk.create(args[2], args[3].getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT);
                    System.out.println("created " + args[2]);
                } else {
                    System.out.println(new String(zk.getData(args[2], false, null), StandardCharsets.UTF_8));
                }
                return 0;
            } finally {
                zk.close();
            }
        } catch (IOException | KeeperException | RuntimeException e) {
            System.err.println("ZkClientMain " + String.join(" ", args) + ": " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /**
     * Connects a client with a {@link #SESSION} session and waits until it is connected.
     *
     * @param connect {@code host:port,...}
     * @param within how long connecting may take
     * @return the connected client, to be closed
     * @throws IOException when the client cannot be made, or is not connected within the time
     * @throws InterruptedException when interrupted while waiting
     */
    public static ZooKeeper connect(String connect, Duration within) throws IOException, InterruptedException {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connect, (int) SESSION.toMillis(), e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(within.toMillis(), TimeUnit.MILLISECONDS)) {
            zk.close();
            throw new IOException("no ZooKeeper server of " + connect + " connected within " + within);
        }
        return zk;
    }
}
