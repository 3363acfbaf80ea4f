package phoenix.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import phoenix.cli.Main;

/** The example's command line is phoenix's: the same exit codes, with its own name and HTTP port. */
class KvMainTest {
    @TempDir
    Path dir;

    private int run(String... args) {
        return Main.run(args, KvMain.KV, (config, options) -> {
            throw new AssertionError("no pair is run by this test");
        });
    }

    @Test
    void namesThePairKvAndServesOnPort8470UnlessToldOtherwise() {
        assertEquals("kv", KvMain.KV.defaultName());
        assertEquals(String.valueOf(KvMain.DEFAULT_HTTP_PORT), KvMain.KV.ownOptions().get(0).defaultValue());
        assertEquals(8470, KvMain.DEFAULT_HTTP_PORT);
    }

    @Test
    void exitsAsPhoenixDoes() {
        assertEquals(0, run("--help"));
        assertEquals(2, run("--http-port", "80"));
        assertEquals(2, run("--interval", "1s"));
        assertEquals(1, run("status", "--json", "--state-dir", dir.resolve("state").toString()));
        assertEquals(1, run("stop", "--state-dir", dir.resolve("state").toString()));
    }
}
