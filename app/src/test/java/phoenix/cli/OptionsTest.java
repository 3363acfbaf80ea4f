package phoenix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import phoenix.pair.PairConfig;

class OptionsTest {

    private static Options parse(String... args) {
        return Options.parse(args);
    }

    private static UsageException refused(String... args) {
        return assertThrows(UsageException.class, () -> Options.parse(args), () -> "accepted " + List.of(args));
    }

    @Test
    void runsWithTheDefaultsWhenGivenNothing() {
        Options o = parse();

        assertEquals(Options.Command.RUN, o.command);
        assertEquals("default", o.name);
        assertEquals(0, o.port);
        assertEquals(null, o.stateDir);
        assertEquals(Duration.ofSeconds(1), o.interval);
        assertEquals(Duration.ofMillis(100), o.heartbeat);
        assertEquals(5, o.misses);
        assertEquals("auto", o.terminal);
        assertFalse(o.fresh);
        assertEquals(0, o.crashAt);
    }

    @ParameterizedTest
    @CsvSource({"10ms, 10", "1s, 1000", "1.5s, 1500", "2m, 120000", "250ms, 250", "1ms, 1", "60m, 3600000",
        "1.25ms, 1.25", "0.5s, 500", "3S, 3000", "1.5S, 1500", "2M, 120000", "' 10ms ', 10", "007ms, 7"})
    void readsADurationWrittenWithAUnit(String text, double millis) {
        Duration expected = Duration.ofNanos(Math.round(millis * 1e6));

        assertEquals(expected, parse("--interval", text).interval);
        assertEquals(expected, parse("--heartbeat=" + text).heartbeat);
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "10 ms", "-1s", "0ms", "2h", "", "ms", "1.s", ".5s", "1e3ms", "0.5ms", "61m",
        "1,5s", "1.5.5s", "1.5sm", "s5", "1msms", "\uff11s"})
    void refusesADurationThatIsNotOneOrOutOfRange(String text) {
        UsageException e = refused("--heartbeat", text);

        assertTrue(e.getMessage().startsWith("--heartbeat '" + text + "' is "), e.getMessage());
    }

    @Test
    void acceptsAnHourAsTheMessagePromises() {
        assertEquals(Duration.ofHours(1), parse("--interval", "1h").interval);
        assertEquals(Duration.ofMinutes(30), parse("--step-timeout", "0.5h").stepTimeout);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--fresh=no", "--json=false", "--heartbeat-only=0", "--help=1", "--fresh="})
    void refusesAValueOnASwitch(String arg) {
        UsageException e = assertThrows(UsageException.class, () -> Options.parse(new String[] {"run", arg}));
        assertTrue(e.getMessage().contains("takes no value"), e.getMessage());
    }

    @Test
    void aDurationIsPassedOnInMillisecondsWithoutTrailingZeros() {
        assertEquals("0ms", Options.millis(Duration.ZERO));
        assertEquals("100ms", Options.millis(Duration.ofMillis(100)));
        assertEquals("3600000ms", Options.millis(Duration.ofHours(1)));
        assertEquals("1.5ms", Options.millis(Duration.ofNanos(1_500_000)));
        assertEquals("0.000001ms", Options.millis(Duration.ofNanos(1)));
        assertEquals("12.34ms", Options.millis(Duration.ofNanos(12_340_000)));
        assertEquals("-2.5ms", Options.millis(Duration.ofNanos(-2_500_000)));
        for (long nanos : new long[] {1_000_000, 1_000_001, 123_456_789, 3_599_999_999_999L, 3_600_000_000_000L}) {
            assertEquals(Duration.ofNanos(nanos), parse("--interval", Options.millis(Duration.ofNanos(nanos)))
                    .interval, "read back: " + nanos + " ns");
        }
    }

    @Test
    void saysWhatADurationLooksLike() {
        assertTrue(refused("--interval", "5").getMessage().contains("10ms, 1s or 1.5s"));
        assertTrue(refused("--interval", "2d").getMessage().contains("10ms, 1s or 1.5s"));
        assertTrue(refused("--interval", "2h").getMessage().contains("out of range; use 1ms to 1h"));
        assertTrue(refused("--interval", "0ms").getMessage().contains("out of range; use 1ms to 1h"));
    }

    @Test
    void refusesAnUnknownOption() {
        UsageException e = refused("--name", "p", "--bogus", "1");

        assertEquals("unknown option '--bogus'; see --help", e.getMessage());
    }

    @Test
    void refusesAnUnknownOptionWrittenWithAValue() {
        assertEquals("unknown option '--colour=red'; see --help", refused("--colour=red").getMessage());
    }

    @Test
    void refusesAnUnknownCommand() {
        assertTrue(refused("start").getMessage().contains("unknown command 'start'"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--name", "--port", "--state-dir", "--interval", "--heartbeat", "--misses", "--terminal",
        "--crash-at"})
    void refusesAnOptionWithoutItsValue(String option) {
        UsageException e = refused("run", option);

        assertEquals(option + " needs a value; see --help", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1023", "65536", "-1", "http", "47011.0", "99999999999999999999"})
    void refusesAPortOutOfRange(String port) {
        UsageException e = refused("--port", port);

        assertEquals("--port '" + port + "' is not accepted; use a port from 1024 to 65535", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1024, 47011, 65535})
    void acceptsAPortInRange(int port) {
        assertEquals(port, parse("--port", String.valueOf(port)).port);
        assertEquals(port, parse("--port=" + port).port);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "101", "-5", "five"})
    void refusesMissesOutOfRange(String misses) {
        UsageException e = refused("--misses", misses);

        assertEquals("--misses '" + misses + "' is not accepted; use a whole number from 2 to 100", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 100})
    void acceptsMissesAtTheLimits(int misses) {
        assertEquals(misses, parse("--misses", String.valueOf(misses)).misses);
    }

    @Test
    void refusesAnEmptyStateDirAndARelativeTerminalPath() {
        assertTrue(refused("--state-dir=").getMessage().contains("--state-dir"));
        assertTrue(refused("--terminal", "bin/xterm").getMessage().contains("--terminal"));
        assertEquals("/usr/bin/xterm", parse("--terminal", "/usr/bin/xterm").terminal);
    }

    @Test
    void readsTheCommandsAndFlags() {
        assertEquals(Options.Command.STATUS, parse("status", "--json").command);
        assertTrue(parse("status", "--json").json);
        assertEquals(Options.Command.STOP, parse("stop").command);
        assertEquals(Options.Command.HELP, parse("run", "--help").command);
        assertEquals(Options.Command.HELP, parse("-h").command);
        assertTrue(parse("--fresh").fresh);
        assertEquals(7, parse("--crash-at", "7").crashAt);
    }

    @Test
    void givesTheSpawnedStandbyTheSameSettings() {
        Options o = parse("run", "--name", "pair-7", "--port", "47011", "--state-dir", "/tmp/phoenix-unit/p7",
                "--interval", "1.5s", "--heartbeat", "50ms", "--misses", "7", "--terminal", "none", "--crash-at",
                "12", "--fresh");
        PairConfig config = config(o);

        List<String> args = o.standbyArgs(config);
        Options back = Options.parse(args.toArray(new String[0]));

        assertEquals(Options.Command.RUN, back.command);
        assertEquals(o.name, back.name);
        assertEquals(47011, back.port);
        assertEquals(Path.of("/tmp/phoenix-unit/p7"), back.stateDir);
        assertEquals(Duration.ofMillis(1500), back.interval);
        assertEquals(Duration.ofMillis(50), back.heartbeat);
        assertEquals(7, back.misses);
        assertEquals("none", back.terminal);
        assertEquals(12, back.crashAt);
        assertFalse(args.contains("--spawned-by"), "the spawned-by marker travels in the environment");
        assertFalse(back.fresh, "a spawned standby must never discard the checkpoint");
        assertEquals(config.toString(), config(back).toString());
    }

    @Test
    void spellsOutTheDerivedPortAndStateDirectoryForTheStandby() {
        Options o = parse("--name", "p8", "--heartbeat", "20.234567ms", "--interval", "59.999s");
        PairConfig config = config(o);

        Options back = Options.parse(o.standbyArgs(config).toArray(new String[0]));

        assertEquals(config.port(), back.port);
        assertEquals(config.stateDir(), back.stateDir);
        assertEquals(Duration.ofNanos(20_234_567), back.heartbeat);
        assertEquals(Duration.ofMillis(59_999), back.interval);
        assertEquals(0, back.crashAt);
        assertFalse(o.standbyArgs(config).contains("--crash-at"));
    }

    @Test
    void spellsOutEveryDurationExactlyForTheStandby() {
        Random random = new Random(7);
        for (int i = 0; i < 2000; i++) {
            Duration interval = Duration.ofNanos(1_000_000 + (long) (random.nextDouble() * 3_599_000_000_000L));
            Duration heartbeat = Duration.ofNanos(20_000_000 + random.nextInt(1_000_000_000) * 9L);
            PairConfig config = PairConfig.builder("p").stateDir(Path.of("/tmp/phoenix-unit/p"))
                    .stepInterval(interval).heartbeatInterval(heartbeat).build();

            Options back = Options.parse(new Options().standbyArgs(config).toArray(new String[0]));

            assertEquals(interval, back.interval);
            assertEquals(heartbeat, back.heartbeat);
        }
    }

    private static PairConfig config(Options o) {
        return PairConfig.builder(o.name).port(o.port).stateDir(o.stateDir).stepInterval(o.interval)
                .heartbeatInterval(o.heartbeat).misses(o.misses).terminal(o.terminal).stepTimeout(o.stepTimeout)
                .coordinator(o.coordinator).bind(o.bind).sessionTimeout(o.sessionTimeout).spare(o.spare).build();
    }

    @Test
    void givesTheSpawnedStandbyItsSpareAndNoneWhenOff() {
        Options on = parse("--name", "sp-1", "--spare", "on");
        assertTrue(on.spare);
        Options back = Options.parse(on.standbyArgs(config(on)).toArray(new String[0]));
        assertTrue(back.spare, "the standby, and the spare it runs, keep a spare too");
        assertEquals(config(on).toString(), config(back).toString());
        assertFalse(parse("--spare=off").spare);
        assertFalse(new Options().standbyArgs(config(new Options())).contains("--spare"), "off: none passed on");
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "1", "ON", ""})
    void refusesASpareOtherThanOnOrOff(String value) {
        UsageException e = refused("--spare", value);
        assertTrue(e.getMessage().contains("--spare takes on or off"), e.getMessage());
    }

    @Test
    void givesTheSpawnedStandbyTheBindAddress() {
        Options o = parse("--name", "zk-2", "--coordinator", "zk://127.0.0.1:2181/phoenix", "--bind", "10.1.2.3");
        assertEquals("10.1.2.3", Options.parse(o.standbyArgs(config(o)).toArray(new String[0])).bind);
        assertFalse(new Options().standbyArgs(config(new Options())).contains("--bind"), "none passed on");
    }

    @Test
    void givesTheSpawnedStandbyTheCoordinatorAndItsSessionTimeout() {
        Options o = parse("--name", "zk-1", "--coordinator", "zk://127.0.0.1:2181,127.0.0.2:2181/phoenix",
                "--session-timeout", "3s");
        PairConfig config = config(o);
        assertEquals("/phoenix/zk-1", config.coordinatorRoot());

        Options back = Options.parse(o.standbyArgs(config).toArray(new String[0]));

        assertEquals("zk://127.0.0.1:2181,127.0.0.2:2181/phoenix", back.coordinator);
        assertEquals(Duration.ofSeconds(3), back.sessionTimeout);
        assertEquals(config.toString(), config(back).toString());
        assertFalse(new Options().standbyArgs(config(new Options())).contains("--coordinator"),
                "no coordinator, none passed on");
    }

    @Test
    void refusesASessionTimeoutWithoutACoordinator() {
        assertTrue(refused("--session-timeout", "3s").getMessage().contains("needs --coordinator"));
        assertEquals(Duration.ofSeconds(3), parse("--session-timeout=3s", "--coordinator=zk://h:1/p").sessionTimeout);
    }

    /** A program on the library that does not step and takes one option of its own, as the kv example does. */
    private static final Program SERVICE = new Program("svc", "run-svc.sh", OptionsTest.class, "serve", "svc", false,
            List.of(Program.OwnOption.port("--http-port", 8470, "HTTP port")));

    @Test
    void givesAProgramItsOwnDefaultsAndOptions() {
        Options o = Options.parse(new String[] {"--http-port", "9000"}, SERVICE);

        assertEquals("svc", o.name);
        assertEquals("9000", o.own("--http-port"));
        assertEquals("8470", Options.parse(new String[0], SERVICE).own("--http-port"));
        assertEquals("9001", Options.parse(new String[] {"--http-port=9001"}, SERVICE).own("--http-port"));
    }

    @Test
    void refusesAProgramsOwnOptionOutOfRangeAndTheStepOptionsOfAProgramThatDoesNotStep() {
        UsageException port = assertThrows(UsageException.class,
                () -> Options.parse(new String[] {"--http-port", "80"}, SERVICE));
        assertEquals("--http-port '80' is not accepted; use a port from 1024 to 65535", port.getMessage());
        for (String option : List.of("--interval", "--crash-at", "--step-timeout")) {
            UsageException e = assertThrows(UsageException.class,
                    () -> Options.parse(new String[] {option, "1"}, SERVICE));
            assertTrue(e.getMessage().startsWith(option + " is an option of a program that steps"), e.getMessage());
        }
        assertThrows(UsageException.class, () -> parse("--http-port", "9000"), "the counter has no --http-port");
    }

    @Test
    void givesAProgramsStandbyItsOwnOptionsAndNoStepOptions() {
        Options o = Options.parse(new String[] {"--http-port", "9000", "--fresh"}, SERVICE);
        PairConfig config = PairConfig.builder("svc").stateDir(Path.of("/tmp/svc")).build();

        List<String> args = o.standbyArgs(config);

        assertTrue(args.containsAll(List.of("--http-port", "9000")), args.toString());
        assertFalse(args.contains("--interval") || args.contains("--step-timeout") || args.contains("--fresh"),
                args.toString());
        Options back = Options.parse(args.toArray(new String[0]), SERVICE);
        assertEquals("9000", back.own("--http-port"));
        assertEquals(config.port(), back.port);
    }

    @Test
    void listsAProgramsOwnOptionsInItsUsage() {
        String usage = Options.usage(SERVICE);

        assertTrue(usage.startsWith("usage: run-svc.sh [run] [options]"), usage);
        assertTrue(usage.contains("--http-port PORT     HTTP port (default: 8470)"), usage);
        assertFalse(usage.contains("--interval") || usage.contains("--crash-at"), usage);
        assertEquals(Options.USAGE, Options.usage(Program.COUNTER));
    }
}
