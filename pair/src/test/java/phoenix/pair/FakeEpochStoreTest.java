package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The fake store held to the {@link EpochStore} contract, so that tests built on it test the real rules. */
class FakeEpochStoreTest extends EpochStoreContract {
    private FakeEpochStore first;

    @Override
    EpochStore open() {
        if (first == null) {
            first = new FakeEpochStore();
            return first;
        }
        return first.another();
    }

    @Test
    void recordsTheCallsOfEveryHandleInOrder() throws Exception {
        FakeEpochStore s = (FakeEpochStore) open();

        s.claimEpoch(at(1, 0, 0));
        ((FakeEpochStore) open()).readCheckpoint(true);

        assertEquals(List.of("claim 1", "read takeover"), s.calls());
    }
}
