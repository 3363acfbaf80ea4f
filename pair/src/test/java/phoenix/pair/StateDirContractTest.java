package phoenix.pair;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The local state directory held to the {@link EpochStore} contract. */
class StateDirContractTest extends EpochStoreContract {
    @TempDir
    Path tmp;

    @Override
    EpochStore open() {
        return StateDir.prepare(tmp.resolve("state"));
    }
}
