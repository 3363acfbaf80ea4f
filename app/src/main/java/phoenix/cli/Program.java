package phoenix.cli;

import java.util.List;
import java.util.function.Predicate;

/**
 * How one program that runs as a process pair presents its command line: the word that starts its messages, the
 * script that runs it, its main class, what {@code run} does, its default pair name and the options it takes
 * beside the pair's own. Parsing, {@code status}, {@code stop}, the one-line errors and the exit codes are the same
 * for every program ({@link Options}, {@link Main#run(String[], Program, Main.Primary)}); the counter is
 * {@link #COUNTER}, the key-value example in {@code phoenix.kv} another.
 *
 * @param tag the word that starts every message and names the member's thread, such as {@code phoenix}
 * @param script the script that runs the program, for the usage text
 * @param mainClass the class whose {@code main} a new member runs
 * @param summary what {@code run} does, a few words for the usage text
 * @param defaultName the pair's name when {@code --name} is not given
 * @param steps whether the program steps on a timer, and so takes {@code --interval}, {@code --step-timeout} and
 *     {@code --crash-at}
 * @param ownOptions the options that this program alone takes, each with a value
 */
public record Program(String tag, String script, Class<?> mainClass, String summary, String defaultName,
        boolean steps, List<OwnOption> ownOptions) {
    /** The counter: {@code run-phoenix.sh}, counting 1, 2, 3, ... on a timer. */
    public static final Program COUNTER = new Program("phoenix", "run-phoenix.sh", Main.class,
            "count 1, 2, 3, ... as a process pair", "default", true, List.of());

    /** Copies the list of options. */
    public Program {
        ownOptions = List.copyOf(ownOptions);
    }

    /** @return the option named {@code name}, or null when this program has none of that name */
    OwnOption ownOption(String name) {
        for (OwnOption o : ownOptions) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        return null;
    }

    /**
     * An option that one program alone takes, with a value; its value travels to the standby as written.
     *
     * @param name the option, such as {@code --http-port}
     * @param valueName the value's name in the usage text, such as {@code PORT}
     * @param defaultValue the value when the option is not given
     * @param help what it means, for the usage text
     * @param accepts whether a value is accepted
     * @param accepted what is accepted, for the message that refuses a value: "a port from 1 to 65535"
     */
    public record OwnOption(String name, String valueName, String defaultValue, String help,
            Predicate<String> accepts, String accepted) {
        /**
         * An option whose value is a TCP or UDP port.
         *
         * @param name the option
         * @param defaultPort the port when the option is not given
         * @param help what the port is for
         * @return the option
         */
        public static OwnOption port(String name, int defaultPort, String help) {
            return new OwnOption(name, "PORT", String.valueOf(defaultPort), help, OwnOption::isPort,
                    "a port from 1024 to 65535");
        }

        private static boolean isPort(String text) {
            try {
                int port = Integer.parseInt(text);
                return port >= 1024 && port <= 65535;
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }
}
