package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A member's {@code --bind} must be an address other hosts reach it on: a standby on another host that connects
 * to a loopback, wildcard or foreign address reaches nobody, or another machine, and would take a refusal there for
 * the primary's death.
 */
class BindAddressTest {
    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "224.0.0.1", "203.0.113.77",
        "2001:db8::77"})
    void refusesAnAddressOtherHostsCannotReachThisMemberOn(String address) {
        PairException e = assertThrows(PairException.class, () -> Member.requireOwnAddress(address));
        assertTrue(e.getMessage().startsWith("--bind " + address + " is "), e.getMessage());
        assertTrue(e.getMessage().contains("give this host's own address"), e.getMessage());
    }
}
