package phoenix.pair;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Opens the store a pair keeps its epochs and checkpoint in: the state directory, or, when the pair names a
 * coordinator, the ZooKeeper store of the phoenix-pair-zk jar. That jar and ZooKeeper's are looked up only
 * then, by name: a pair without a coordinator loads none of their classes, and the library itself needs
 * nothing but slf4j-api.
 */
final class Coordinators {
    /** The ZooKeeper store, in the phoenix-pair-zk jar; it adds to this package on the class path. */
    static final String ZK_STORE = "phoenix.pair.ZkEpochStore";

    private Coordinators() {
    }

    /**
     * @param dir the member's state directory: the store when the pair names no coordinator
     * @return the store, connected
     * @throws PairException when the coordinator's jar is missing or none of its servers answers in time
     */
    static EpochStore open(PairConfig config, StateDir dir) {
        if (config.coordinator() == null) {
            return dir;
        }
        Method open;
        try {
            open = Class.forName(ZK_STORE).getDeclaredMethod("open", PairConfig.class);
        } catch (ClassNotFoundException | LinkageError | NoSuchMethodException e) {
            throw new PairException("--coordinator needs the phoenix-pair-zk jar and its dependencies (Curator, "
                    + "ZooKeeper) on the class path; they are not there (" + e + ")");
        }
        try {
            return (EpochStore) open.invoke(null, config);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new PairException("cannot open coordinator " + config.coordinator() + ": " + cause, cause);
        } catch (IllegalAccessException e) {
            throw new PairException("cannot open coordinator " + config.coordinator() + ": " + e, e);
        }
    }
}
