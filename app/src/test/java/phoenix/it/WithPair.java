package phoenix.it;

import org.junit.jupiter.api.AfterEach;

/**
 * An integration test with one {@link PairHarness} at a time in {@link #pair}: whatever it started is killed by
 * pid after each test, also when the test failed or its timeout cut it short.
 */
abstract class WithPair {
    /** The test's pair; null until the test makes one. */
    PairHarness pair;

    @AfterEach
    void killEverything() throws Exception {
        if (pair != null) {
            pair.close();
        }
    }
}
