package phoenix.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import phoenix.pair.Replicator;

class KvRequestsTest {
    private final FakeReplicator replicator = new FakeReplicator();
    private final KvState state = KvState.decode(new byte[0]);
    private final KvWriter writer = new KvWriter(state, replicator);
    private final List<String> puts = new ArrayList<>();
    /** Writes go straight through the writer's batch step, one write a batch, on the test's thread. */
    private final KvRequests requests = new KvRequests(state, (key, value) -> {
        puts.add(key);
        KvWriter.Write w = new KvWriter.Write(key, value);
        writer.commit(List.of(w));
        return w.reply().join();
    });

    private Reply send(String method, String path, String body) throws IOException {
        byte[] bytes = body.getBytes(UTF_8);
        return requests.handle(method, path, bytes.length, new ByteArrayInputStream(bytes));
    }

    private static void assertOneLine(Reply r, int status, String fragment) {
        assertEquals(status, r.status(), r.text());
        assertFalse(r.isValue());
        assertTrue(r.text().endsWith("\n") && r.text().indexOf('\n') == r.text().length() - 1,
                "one line: " + r.text());
        assertTrue(r.text().contains(fragment), "'" + fragment + "' in: " + r.text());
    }

    @Test
    void storesAPutAndAnswersAGetWithIt() throws IOException {
        Reply put = send("PUT", "/kv/colour", "blue");

        assertEquals(204, put.status());
        assertEquals(0, put.body().length);
        Reply get = send("GET", "/kv/colour", "");
        assertEquals(200, get.status());
        assertTrue(get.isValue());
        assertArrayEquals("blue".getBytes(UTF_8), get.body());
        assertArrayEquals("blue".getBytes(UTF_8), replicator.last().get("colour"), "the standby holds it");
    }

    @Test
    void answers404ForAKeyNeverStored() throws IOException {
        assertOneLine(send("GET", "/kv/nothing", ""), 404, "no key 'nothing'");
    }

    @Test
    void answers503AndStoresNothingWhenTheStandbyDoesNotHoldTheWrite() throws IOException {
        replicator.failWith = "no standby held it within 20 s";

        Reply put = send("PUT", "/kv/k", "v");

        assertOneLine(put, 503, "no standby held it within 20 s");
        assertOneLine(send("GET", "/kv/k", ""), 404, "no key");
    }

    @ParameterizedTest
    @CsvSource({"DELETE, /kv/k, 405, use GET or PUT", "POST, /kv/k, 405, method POST",
        "GET, /other, 404, keys are at /kv/KEY", "GET, /kv/, 400, is not accepted",
        "PUT, /kv/a/b, 400, key 'a/b'", "GET, /kv/%41, 400, key '%41'"})
    void refusesWhatIsNotAKeyOrAMethodWithOneLine(String method, String path, int status, String fragment)
            throws IOException {
        assertOneLine(send(method, path, "x"), status, fragment);
        assertEquals(List.of(), puts, "nothing reached the writer");
    }

    @Test
    void refusesADeclaredBodyLargerThanAStateWithoutReadingIt() throws IOException {
        InputStream unread = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the body was read");
            }
        };

        Reply r = requests.handle("PUT", "/kv/big", Replicator.MAX_STATE_BYTES, unread);

        assertOneLine(r, 413, "a value of " + Replicator.MAX_STATE_BYTES + " bytes");
    }

    @Test
    void refusesAnUndeclaredBodyLargerThanAState() throws IOException {
        byte[] big = new byte[Replicator.MAX_STATE_BYTES];

        Reply r = requests.handle("PUT", "/kv/big", -1, new ByteArrayInputStream(big));

        assertOneLine(r, 413, "at most " + Replicator.MAX_STATE_BYTES + " bytes");
        assertEquals(List.of(), puts);
    }

    @Test
    void storesTheLargestValueThatFitsAndRefusesOneByteMore() throws IOException {
        long most = Replicator.MAX_STATE_BYTES - KvState.HEADER_BYTES - KvState.entryBytes("k", new byte[0]);
        byte[] fits = new byte[(int) most];

        assertEquals(204, requests.handle("PUT", "/kv/k", fits.length, new ByteArrayInputStream(fits)).status());
        assertEquals(Replicator.MAX_STATE_BYTES, replicator.states.get(0).length);
        byte[] more = new byte[(int) most + 1];
        assertEquals(413, requests.handle("PUT", "/kv/k", more.length, new ByteArrayInputStream(more)).status());
    }
}
