package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The handshake between members on different hosts, the standby's end against a primary's end played by the
 * test on 127.0.0.1: each end proves the pair's secret with an HMAC over the other's nonce, and an end without it
 * is told apart from one that is gone (refused) or silent (unreachable).
 */
class RemoteLinkTest {
    private static final byte[] KEY = new byte[32];
    private final HeartbeatCodec codec = new HeartbeatCodec(42, KEY);

    static {
        Arrays.fill(KEY, (byte) 7);
    }

    @Test
    void anHmacProvesTheSecretAndTheHmacOfAnotherSecretOrPairDoesNot() {
        String text = RemoteLink.authText("a".repeat(32), "b".repeat(32), 99, "h1");
        String mac = codec.sign(text);
        assertEquals(64, mac.length());
        assertTrue(codec.verify(text, mac));
        assertFalse(codec.verify(text + " ", mac), "another text");
        byte[] other = KEY.clone();
        other[0] ^= 1;
        assertFalse(new HeartbeatCodec(42, other).verify(text, mac), "another secret");
        assertFalse(new HeartbeatCodec(43, KEY).verify(text, mac), "another pair");
        assertFalse(codec.verify(text, "0".repeat(64)));
        assertFalse(codec.verify(text, ""));
    }

    @Test
    void connectsOnceBothEndsHaveProvedTheSecret() throws Exception {
        try (ServerSocket server = listen()) {
            CompletableFuture<String> primary = primaryEnd(server, codec, true);
            RemoteLink.Attempt a = RemoteLink.connect("127.0.0.1", server.getLocalPort(), codec, 99, "h1", 5000);
            assertEquals(RemoteLink.Outcome.CONNECTED, a.outcome(), a.detail());
            assertEquals("verified", primary.get(10, TimeUnit.SECONDS));
            a.channel().close();
        }
    }

    @Test
    void aPrimaryWithoutALeaseIsConnectedAndSaysSoUnderItsProof() throws Exception {
        try (ServerSocket server = listen()) {
            CompletableFuture<String> primary = primaryEnd(server, codec, "nolease");
            RemoteLink.Attempt a = RemoteLink.connect("127.0.0.1", server.getLocalPort(), codec, 99, "h1", 5000);
            assertEquals(RemoteLink.Outcome.CONNECTED, a.outcome(), a.detail());
            assertTrue(a.noLease(), a.detail());
            assertEquals("verified", primary.get(10, TimeUnit.SECONDS));
            a.channel().close();
        }
        try (ServerSocket server = listen()) {
            // NOLEASE added to a proof of the plain AUTHOK: not the primary's word, refused as a wrong proof.
            primaryEnd(server, codec, "forged");
            RemoteLink.Attempt a = RemoteLink.connect("127.0.0.1", server.getLocalPort(), codec, 99, "h1", 5000);
            assertEquals(RemoteLink.Outcome.DENIED, a.outcome(), a.detail());
        }
    }

    @Test
    void aPrimaryWithoutTheSecretIsDenied() throws Exception {
        byte[] other = KEY.clone();
        other[5] ^= 1;
        try (ServerSocket server = listen()) {
            // The impostor cannot check the standby's proof, and its own proves nothing.
            CompletableFuture<String> impostor = primaryEnd(server, new HeartbeatCodec(42, other), true);
            RemoteLink.Attempt a = RemoteLink.connect("127.0.0.1", server.getLocalPort(), codec, 99, "h1", 5000);
            assertEquals(RemoteLink.Outcome.DENIED, a.outcome());
            assertTrue(a.detail().contains("did not prove that it holds the pair's secret"), a.detail());
            assertEquals("refused", impostor.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void somethingThatIsNotAPhoenixMemberOrABusyOneIsTriedAgainNotDenied() throws Exception {
        try (ServerSocket server = listen()) {
            CompletableFuture<Void> web = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            RemoteLink.Attempt a = RemoteLink.connect("127.0.0.1", server.getLocalPort(), codec, 99, "h1", 5000);
            assertEquals(RemoteLink.Outcome.UNREACHABLE, a.outcome(), "neither the owner's death nor a wrong secret");
            assertTrue(a.detail().contains("is not a phoenix member"), a.detail());
            web.get(10, TimeUnit.SECONDS);
            CompletableFuture<Void> busy = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write("BUSY\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            a = RemoteLink.connect("127.0.0.1", server.getLocalPort(), codec, 99, "h1", 5000);
            assertEquals(RemoteLink.Outcome.UNREACHABLE, a.outcome());
            assertTrue(a.detail().contains("busy with connections that proved nothing"), a.detail());
            busy.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPortNobodyListensOnIsRefusedAndASilentOneUnreachable() throws Exception {
        int closed;
        try (ServerSocket server = listen()) {
            closed = server.getLocalPort();
        }
        assertEquals(RemoteLink.Outcome.REFUSED,
                RemoteLink.connect("127.0.0.1", closed, codec, 99, "h1", 5000).outcome(),
                "the kernel refuses: nobody listens, the process is gone");
        try (ServerSocket silent = listen()) {
            // Accepted by the kernel, never answered (a paused process): no HELLO within the time.
            RemoteLink.Attempt a = RemoteLink.connect("127.0.0.1", silent.getLocalPort(), codec, 99, "h1", 200);
            assertEquals(RemoteLink.Outcome.UNREACHABLE, a.outcome(), a.detail());
        }
    }

    private static ServerSocket listen() throws IOException {
        return new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
    }

    /**
     * The primary's end of the handshake, as {@link RemoteLink#onPendingLine} checks it: HELLO, the standby's AUTH
     * checked, AUTHOK with the primary's own proof.
     *
     * @return "verified" when the standby's proof held, "refused" when it did not
     */
    private static CompletableFuture<String> primaryEnd(ServerSocket server, HeartbeatCodec key, boolean answer) {
        return primaryEnd(server, key, answer ? "ok" : "none");
    }

    /** @param reply {@code ok}, {@code nolease}, {@code forged} (NOLEASE under the plain proof) or {@code none} */
    private static CompletableFuture<String> primaryEnd(ServerSocket server, HeartbeatCodec key, String reply) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                String nonce = RemoteLink.nonce();
                out.write(("HELLO " + nonce + "\n").getBytes(StandardCharsets.US_ASCII));
                String[] auth = in.readLine().split(" ");
                boolean ok = auth.length == 5 && key.verify(RemoteLink.authText(nonce, auth[3],
                        Long.parseLong(auth[1]), auth[2]), auth[4]);
                String answer = switch (reply) {
                    case "ok" -> "AUTHOK " + key.sign(RemoteLink.okText(auth[3], nonce));
                    case "nolease" -> "AUTHOK " + key.sign(RemoteLink.noLeaseText(auth[3], nonce)) + " NOLEASE";
                    case "forged" -> "AUTHOK " + key.sign(RemoteLink.okText(auth[3], nonce)) + " NOLEASE";
                    default -> null;
                };
                if (answer != null) {
                    out.write((answer + "\n").getBytes(StandardCharsets.US_ASCII));
                }
                return ok ? "verified" : "refused";
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
