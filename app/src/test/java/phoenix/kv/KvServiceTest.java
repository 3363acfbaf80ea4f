package phoenix.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import phoenix.pair.Replica;
import phoenix.testing.Ports;

/** The service on a real HTTP server on the loopback, with a fake replicator: what a client sees. */
class KvServiceTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final int port = Ports.freeTcpPort();
    private KvService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.stop();
        }
    }

    private HttpResponse<String> send(String method, String key, String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/kv/" + key))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build();
        return client.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private FakeReplicator startNew() throws IOException {
        FakeReplicator replicator = new FakeReplicator();
        service = new KvService(port);
        service.start(Replica.INITIAL, replicator);
        return replicator;
    }

    @Test
    void servesWritesAndReadsAndNamesTheMemberThatAnswered() throws Exception {
        FakeReplicator replicator = startNew();

        assertEquals(204, send("PUT", "a", "1").statusCode());
        HttpResponse<String> get = send("GET", "a", null);
        assertEquals(200, get.statusCode());
        assertEquals("1", get.body());
        assertEquals(String.valueOf(ProcessHandle.current().pid()),
                get.headers().firstValue(KvService.PID_HEADER).orElse(""));
        assertEquals(405, send("DELETE", "a", null).statusCode());
        assertEquals(1, replicator.states.size());
    }

    @Test
    void aSuccessorBindsTheSamePortAtOnceAfterStopAndServesTheReplicatedState() throws Exception {
        FakeReplicator replicator = startNew();
        assertEquals(204, send("PUT", "k", "v1").statusCode());
        byte[] held = replicator.states.get(0);

        service.stop();
        assertThrows(IOException.class, () -> send("GET", "k", null), "nothing answers after stop");
        service = new KvService(port);
        service.start(new Replica(1, held), new FakeReplicator());

        HttpResponse<String> get = send("GET", "k", null);
        assertEquals(200, get.statusCode());
        assertEquals("v1", get.body());
    }

    @Test
    void hasItsHandlerThreadsRunningBeforeItStartsAndStartsNoMore() throws Exception {
        service = new KvService(port);
        assertEquals(KvService.HANDLER_THREADS, service.handlerThreads(), "started by the warm-up");

        service.start(Replica.INITIAL, new FakeReplicator());
        assertEquals(404, send("GET", "a", null).statusCode());

        assertEquals(KvService.HANDLER_THREADS, service.handlerThreads());
    }

    @Test
    void aStartWhoseStateCannotBeReadLeavesThePortFree() throws Exception {
        service = new KvService(port);

        assertThrows(IllegalArgumentException.class, () -> service.start(new Replica(3, new byte[] {9}),
                new FakeReplicator()));

        try (ServerSocket again = new ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
        }
    }

    @Test
    void startsFromTheStateItWasGiven() throws Exception {
        KvState s = KvState.decode(new byte[0]);
        s.apply(Map.of("x", "y".getBytes(UTF_8)), s.encodedBytes() + KvState.entryBytes("x", new byte[1]));
        service = new KvService(port);
        service.start(new Replica(7, s.encode()), new FakeReplicator());

        assertEquals("y", send("GET", "x", null).body());
        assertEquals(404, send("GET", "nothing", null).statusCode());
    }
}
