package phoenix.pair;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A tiny program for the class-loading check of {@code phoenix.it.ZkEpochStoreIT}: {@code LocalStoreMain DIR}
 * does what a member without a coordinator does with its store (the state directory, through {@link
 * EpochStore}: name, stop mark, claim, read, write, delete) and prints {@code ok}; {@code LocalStoreMain DIR zk}
 * also tries to open a ZooKeeper store on a port where nothing listens, the control that shows Curator's
 * classes being loaded when they are used.
 */
public final class LocalStoreMain {
    private LocalStoreMain() {
    }

    /**
     * Runs the check.
     *
     * @param args the state directory, and {@code zk} for the control
     * @throws Exception when the store fails
     */
    public static void main(String[] args) throws Exception {
        EpochStore store = StateDir.prepare(Path.of(args[0]));
        store.claimName("class-load");
        store.clearStopped();
        long epoch = store.maxCheckpointEpoch() + 1;
        PairState claimed = store.readCheckpoint(false).orElse(PairState.NONE).started(epoch, false);
        if (!store.claimEpoch(claimed)) {
            throw new IllegalStateException("epoch " + epoch + " was taken");
        }
        store.readCheckpoint(true);
        store.writeCheckpoint(claimed.withSnapshot(new Snapshot(claimed.snapshot().step() + 1, new byte[0])));
        store.deleteCheckpointsBefore(epoch);
        store.baseAt(epoch);
        store.markStopped();
        if (args.length > 1 && "zk".equals(args[1])) {
            try {
                ZkEpochStore.open("127.0.0.1:1", "/class-load", Duration.ofSeconds(2), Duration.ofMillis(500),
                        Duration.ofMillis(200)).close();
            } catch (PairException expected) {
                System.out.println("zk: " + expected.getMessage());
            }
        }
        System.out.println("ok");
    }
}
