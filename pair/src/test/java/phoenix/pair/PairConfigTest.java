package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PairConfigTest {
    private static final Path DIR = Path.of("/tmp/phoenix-unit/pair");

    private static PairConfig.Builder builder(String name) {
        return PairConfig.builder(name).stateDir(DIR);
    }

    private static void assertRefused(PairConfig.Builder b, String... parts) {
        PairException e = assertThrows(PairException.class, b::build);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1,5", "5,2", "10,9", "19,5"})
    void refusesATakeoverTimeoutTheMachineCannotKeepAndSaysWhatWorks(String heartbeatAndMisses) {
        String[] hm = heartbeatAndMisses.split(",");
        PairConfig.Builder b = builder("p").heartbeatInterval(Duration.ofMillis(Long.parseLong(hm[0])))
                .misses(Integer.parseInt(hm[1]));
        if (Long.parseLong(hm[0]) < 10) {
            assertRefused(b, "heartbeat interval", "use 10 ms");
        } else {
            assertRefused(b, "takeover timeout", "the smallest accepted is 100 ms", "--misses");
        }
    }

    @Test
    void acceptsTheSmallestTakeoverTimeout() {
        assertEquals(Duration.ofMillis(100), builder("p").heartbeatInterval(Duration.ofMillis(20)).misses(5).build()
                .takeoverTimeout());
    }

    @Test
    void refusesAnEmptyStandbyCommand() {
        assertRefused(builder("p").standbyCommand(List.of()), "empty standby command");
    }

    @Test
    void readsTheSpawnedByMarkerOfItsOwnPairOnly() {
        assertEquals(42, PairConfig.Builder.spawnedByFromEnvironment("orders", "42:orders"));
        assertEquals(0, PairConfig.Builder.spawnedByFromEnvironment("orders", "42:invoices"));
        assertEquals(0, PairConfig.Builder.spawnedByFromEnvironment("orders", null));
        assertEquals(0, PairConfig.Builder.spawnedByFromEnvironment("orders", "x:orders"));
        assertEquals(0, PairConfig.Builder.spawnedByFromEnvironment("orders", "42"));
    }

    @Test
    void buildsWithTheDefaults() {
        PairConfig c = builder("counter").build();

        assertEquals("counter", c.name());
        assertEquals(PairConfig.derivedPort("counter"), c.port());
        assertEquals(DIR, c.stateDir());
        assertEquals(Duration.ofSeconds(1), c.stepInterval());
        assertEquals(Duration.ofMillis(100), c.heartbeatInterval());
        assertEquals(5, c.misses());
        assertEquals(Duration.ofMillis(500), c.takeoverTimeout());
        assertEquals("auto", c.terminal());
        assertEquals(ProcessHandle.current().info().command().orElseThrow(), c.standbyCommand().get(0),
                "a standby relaunches this process's own command line by default");
        assertEquals(PairConfig.DEFAULT_STEP_TIMEOUT, c.stepTimeout());
        assertTrue(c.handleSignals());
    }

    @Test
    void makesTheStateDirectoryAbsoluteAndNormal() {
        PairConfig c = PairConfig.builder("p").stateDir(Path.of("a/./b/../c")).build();

        assertTrue(c.stateDir().isAbsolute(), c.stateDir().toString());
        assertEquals(Path.of("a/c").toAbsolutePath(), c.stateDir());
        assertEquals(c.stateDir().resolve("standby.sock"), c.standbySocket());
    }

    @Test
    void derivesAStablePortInItsRangeFromTheName() {
        for (String name : List.of("a", "default", "counter", "Z.9_-x", "x".repeat(40))) {
            int port = PairConfig.derivedPort(name);
            assertEquals(port, PairConfig.derivedPort(name));
            assertTrue(port >= 12000 && port < 32000, name + " -> " + port + ": below the ephemeral range");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-lead", ".hidden", "_lead", "has space", "slash/inside", "\u00fcber", "tab\there",
        "12345678901234567890123456789012345678901"})
    void refusesABadName(String name) {
        assertRefused(builder(name), "pair name '" + name + "'", "1 to 40");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "Pair-1", "p.q_r", "1234567890123456789012345678901234567890"})
    void acceptsAGoodName(String name) {
        assertEquals(name, builder(name).build().name());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 1, 1023, 65536, Integer.MAX_VALUE})
    void refusesAPortOutOfRange(int port) {
        assertRefused(builder("p").port(port), "port " + port + " ", "1024 to 65535");
    }

    @ParameterizedTest
    @ValueSource(ints = {1024, 47011, 65535})
    void acceptsAPortInRange(int port) {
        assertEquals(port, builder("p").port(port).build().port());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 1, 101, 1000})
    void refusesMissesOutOfRange(int misses) {
        assertRefused(builder("p").misses(misses), "misses " + misses + " ", "2 to 100");
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 100})
    void acceptsMissesAtTheLimits(int misses) {
        assertEquals(misses, builder("p").misses(misses).build().misses());
    }

    @Test
    void refusesIntervalsOutOfRange() {
        assertRefused(builder("p").stepInterval(Duration.ZERO), "step interval 0 ms");
        assertRefused(builder("p").stepInterval(Duration.ofMinutes(61)), "step interval 3660000 ms");
        assertRefused(builder("p").heartbeatInterval(Duration.ofSeconds(11)), "heartbeat interval 11000 ms");
        assertRefused(builder("p").heartbeatInterval(null), "heartbeat interval (none)");
    }

    @Test
    void refusesAStateDirectoryTooLongForAUnixSocket() {
        // "/tmp/" + 85 + "/standby.sock" is 103 bytes, the most a socket path may have; one more is too long.
        Path fits = Path.of("/tmp/" + "d".repeat(85));
        Path tooLong = Path.of("/tmp/" + "d".repeat(86));

        assertEquals(fits, builder("p").stateDir(fits).build().stateDir());
        assertRefused(builder("p").stateDir(tooLong), "state directory " + tooLong + " ", "104 bytes, at most 103",
                "--state-dir");
    }

    @Test
    void titlesWindowsWithThePairsNameUnlessTheClientChoosesALabel() {
        assertEquals("orders", builder("orders").build().windowLabel());
        assertEquals("phoenix orders", builder("orders").windowLabel("phoenix orders").build().windowLabel());
    }

    @Test
    void refusesAWindowLabelThatIsNotPrintable() {
        assertRefused(builder("p").windowLabel(" "), "window label", "printable");
        assertRefused(builder("p").windowLabel("a\007b"), "window label 'a?b'", "printable");
    }

    @Test
    void refusesABlankTerminalAndANegativePid() {
        assertRefused(builder("p").terminal(" "), "terminal");
        assertRefused(builder("p").spawnedBy(-3), "spawned-by pid -3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"zk://127.0.0.1:2181/phoenix", "zk://a:1,b.example:65535,[::1]:2181/p/q-r/s.t"})
    void acceptsACoordinatorAndSplitsItIntoServersAndThePairsPath(String coordinator) {
        PairConfig c = builder("pair-1").coordinator(coordinator).build();
        assertEquals(coordinator, c.coordinator());
        int path = coordinator.indexOf('/', 5);
        assertEquals(coordinator.substring(5, path), c.coordinatorServers());
        assertEquals(coordinator.substring(path) + "/pair-1", c.coordinatorRoot());
        assertEquals(PairConfig.DEFAULT_SESSION_TIMEOUT, c.sessionTimeout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.5", "127.0.0.1", "255.255.255.255", "::1", "fd00::1:2", "::ffff:10.0.0.1"})
    void acceptsABindAddressWithACoordinator(String address) {
        assertEquals(address, builder("p").coordinator("zk://h:1/p").bind(address).build().bind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "host.example", "10.0.0.256", "10.0.0", "1.2.3.4.5", "10.0.0.1 ",
        "fe80::1%eth0", ":", "a:b:c:d:e:f:g:h:i", "10.0.0.1\n", "010.0.0.1", "10.00.0.1"})
    void refusesABindThatIsNotAnIpAddress(String address) {
        assertRefused(builder("p").coordinator("zk://h:1/p").bind(address), "bind address '", "not an IP address");
    }

    @Test
    void aSpareIsOffByDefaultAndRefusedWithACoordinator() {
        assertFalse(builder("p").build().spare());
        assertTrue(builder("p").spare(true).build().spare());
        assertRefused(builder("p").coordinator("zk://h:1/p").spare(true), "spare", "leave out --spare with "
                + "--coordinator");
    }

    @Test
    void refusesABindWithoutACoordinator() {
        assertRefused(builder("p").bind("10.0.0.5"), "--bind", "needs --coordinator");
        assertEquals(null, builder("p").build().bind(), "no members on other hosts by default");
    }

    @Test
    void namesNoCoordinatorByDefault() {
        PairConfig c = builder("p").build();
        assertEquals(null, c.coordinator());
        assertEquals(null, c.coordinatorServers());
        assertEquals(null, c.coordinatorRoot());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "127.0.0.1:2181/phoenix", "zk://127.0.0.1:2181", "zk://127.0.0.1:2181/",
        "zk://127.0.0.1/phoenix", "zk://:2181/phoenix", "zk://h:2181/phoenix/", "zk://h:2181//phoenix",
        "zk://h:2181/./phoenix", "zk://h:2181/../phoenix", "zk://h:2181/has space", "http://h:2181/phoenix",
        "zk://h:2181/p\nx"})
    void refusesACoordinatorThatIsNotZkServersAndAPath(String coordinator) {
        assertRefused(builder("p").coordinator(coordinator), "coordinator '", "zk://HOST:PORT[,HOST:PORT...]/PATH");
    }

    @ParameterizedTest
    @ValueSource(strings = {"zk://h:0/p", "zk://h:65536/p", "zk://h:99999/p", "zk://a:1,b:70000/p", "zk://a:1,/p"})
    void refusesACoordinatorPortOutOfRange(String coordinator) {
        assertRefused(builder("p").coordinator(coordinator), "coordinator '" + coordinator + "'", "1 to 65535");
    }

    @Test
    void refusesZooKeepersOwnPath() {
        assertRefused(builder("p").coordinator("zk://h:2181/zookeeper"), "/zookeeper is ZooKeeper's own");
        assertRefused(builder("p").coordinator("zk://h:2181/zookeeper/quota"), "/zookeeper is ZooKeeper's own");
        assertEquals("/zookeepers/p", builder("p").coordinator("zk://h:2181/zookeepers").build().coordinatorRoot());
    }

    @Test
    void refusesASessionTimeoutOutOfRange() {
        assertRefused(builder("p").sessionTimeout(Duration.ofMillis(999)), "session timeout 999 ms",
                "1000 ms to 60000 ms");
        assertRefused(builder("p").sessionTimeout(Duration.ofSeconds(61)), "session timeout 61000 ms");
        assertEquals(Duration.ofSeconds(5),
                builder("p").sessionTimeout(Duration.ofSeconds(5)).build().sessionTimeout());
    }
}
