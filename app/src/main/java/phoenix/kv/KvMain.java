package phoenix.kv;

import java.util.List;
import phoenix.cli.Main;
import phoenix.cli.Program;
import phoenix.pair.ProcessPair;

/**
 * The key-value example's command line, {@code examples/kv/run-kv.sh}: {@code run}, {@code status} and
 * {@code stop} with phoenix's options, exit codes and one-line errors, plus {@code --http-port}.
 */
public final class KvMain {
    /** The HTTP port when none is given. */
    public static final int DEFAULT_HTTP_PORT = 8470;
    /** The option that sets the HTTP port. */
    static final String HTTP_PORT = "--http-port";
    /** The key-value example as a program on the pair's command line. */
    static final Program KV = new Program("kv", "examples/kv/run-kv.sh", KvMain.class,
            "serve keys and values over HTTP as a process pair", "kv", false,
            List.of(Program.OwnOption.port(HTTP_PORT, DEFAULT_HTTP_PORT, "TCP port on 127.0.0.1 for HTTP")));

    private KvMain() {
    }

    /**
     * Runs the key-value example.
     *
     * @param args the command line; see {@code --help}
     */
    public static void main(String[] args) {
        System.exit(Main.run(args, KV, (config, options) ->
                ProcessPair.run(config, new KvService(Integer.parseInt(options.own(HTTP_PORT))))));
    }
}
