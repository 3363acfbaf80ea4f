package phoenix.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
    private static final Path ROOT = Path.of("/nowhere");

    @Test
    void hostsRunsTenRoundsAndTenSameHostKillsByDefault() {
        BenchOptions o = BenchOptions.parse(new String[] {"--hosts"}, ROOT);
        assertTrue(o.hosts);
        assertEquals(10, o.hostsRounds);
        assertEquals(10, o.sameHostKills);
    }

    @Test
    void quickHostsRunsFewer() {
        BenchOptions o = BenchOptions.parse(new String[] {"--hosts", "--quick"}, ROOT);
        assertEquals(3, o.hostsRounds);
        assertEquals(5, o.sameHostKills);
    }

    @Test
    void hostsRoundsAboveTenAlsoSetTheSameHostKills() {
        BenchOptions o = BenchOptions.parse(new String[] {"--hosts", "--hosts-rounds", "12"}, ROOT);
        assertEquals(12, o.hostsRounds);
        assertEquals(12, o.sameHostKills);
        assertEquals(10, BenchOptions.parse(new String[] {"--hosts", "--hosts-rounds", "2"}, ROOT).sameHostKills);
    }

    @Test
    void hostsRefusesAnotherModeAndZeroRounds() {
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--hosts", "--kv"}, ROOT));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--hosts",
            "--replication"}, ROOT));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--hosts-rounds", "0"},
            ROOT));
        assertFalse(BenchOptions.parse(new String[] {"--kv"}, ROOT).hosts);
    }
}
