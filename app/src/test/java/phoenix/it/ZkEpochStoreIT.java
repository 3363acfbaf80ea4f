package phoenix.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import phoenix.pair.ZkEpochStoreChecks;
import phoenix.testing.cluster.ZkEnsemble;

/**
 * The ZooKeeper epoch store (issue 10) against a 3-server ensemble of real JVMs on 127.0.0.1 (no root needed):
 * the epoch store contract that the state directory also passes, concurrent claims with one winner, a fenced
 * writer refused, the checkpoint across a killed leader, the lease ending before a cut-off member's session can
 * be seen to expire, and no ZooKeeper class loaded without ZooKeeper. The checks are in {@link
 * ZkEpochStoreChecks} (the store is package-private); this class starts and kills the ensemble.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZkEpochStoreIT extends ZkEpochStoreChecks {
    @TempDir
    static Path servers;
    private static ZkEnsemble zk;

    @BeforeAll
    static void startEnsemble() throws Exception {
        zk = ZkEnsemble.onLoopback(3, servers);
        zk.start();
        zk.awaitQuorum(Duration.ofSeconds(60));
    }

    @AfterAll
    static void killEnsemble() {
        if (zk != null) {
            zk.close();
        }
    }

    @Override
    protected ZkEnsemble ensemble() {
        return zk;
    }
}
