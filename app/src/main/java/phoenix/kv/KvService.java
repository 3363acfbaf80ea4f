package phoenix.kv;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.LoggerFactory;
import phoenix.pair.PairService;
import phoenix.pair.Replica;
import phoenix.pair.Replicator;

/**
 * The key-value service a primary runs: binds the HTTP port on 127.0.0.1, serves from the last replicated state,
 * and stops at once when this member stops being the primary, so that its successor can bind the same port.
 */
final class KvService implements PairService {
    /** The header that names the member that answered, so a client can tell the old primary from the new. */
    static final String PID_HEADER = "Kv-Pid";
    /** How long a new primary tries to bind a port that its predecessor's socket still holds. */
    private static final long BIND_RETRY_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long BIND_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(2);
    /** How many requests are handled at once; a PUT holds its thread until the standby holds it. */
    static final int HANDLER_THREADS = 16;

    private final int httpPort;
    // Made on every member, so that a standby has loaded the server's classes before it takes over.
    private HttpServer server;
    // Started by the warm-up, before the member joins the pair: a new primary hands its first requests to threads
    // that are already there. Starting a thread on the way would cost a few round trips through the scheduler
    // (the JVM's Thread.start waits until the new thread has run), milliseconds each on a busy machine.
    private final ThreadPoolExecutor handlers;
    private Serving serving;

    /** What serves once started: the HTTP server and the writer. */
    private record Serving(HttpServer server, KvWriter writer, int keys) {
        /** Stops serving: the listening socket and every connection close now; waiting PUTs are answered 503. */
        void stop() {
            server.stop(0);
            writer.stop();
        }
    }

    /**
     * A service that will serve on {@code httpPort} once it starts.
     *
     * @param httpPort the TCP port on 127.0.0.1
     */
    KvService(int httpPort) {
        this.httpPort = httpPort;
        this.handlers = new ThreadPoolExecutor(HANDLER_THREADS, HANDLER_THREADS, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "kv http");
                    t.setDaemon(true);
                    return t;
                });
        try {
            this.server = HttpServer.create();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make an HTTP server", e);
        }
        // Before the member joins the pair: a standby says it is ready only once it would answer at once.
        warmUp();
    }

    /**
     * Runs what a new primary runs, from {@link #serve} to a few requests and the stop, on a throwaway server on a
     * port of the kernel's choice, before the member joins the pair: the first time a JVM does it, it loads and
     * initialises a few hundred classes (the exchange, its headers, the date format, the lambdas' classes), which
     * on a busy machine took a new primary 100-500 ms after it had bound its port. A standby that has done it once
     * answers its first request after a takeover within milliseconds. The handler threads are started here and
     * stay, for the primary this member may become.
     */
    private void warmUp() {
        handlers.prestartAllCoreThreads();
        Serving warm = null;
        try {
            Replicator nowhere = new Replicator() {
                private long version;

                @Override
                public synchronized long replicate(byte[] bytes) {
                    return ++version;
                }

                @Override
                public long replicateAsync(byte[] bytes) {
                    return replicate(bytes);
                }
            };
            warm = serve(HttpServer.create(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    Replica.INITIAL, nowhere, handlers);
            int port = warm.server().getAddress().getPort();
            for (int i = 0; i < 2; i++) {
                request(port, "PUT", "/kv/warm-up", "x");
                request(port, "GET", "/kv/warm-up", "");
                request(port, "GET", "/kv/none", "");
            }
        } catch (IOException | RuntimeException e) {
            // Only a warm-up: a member that could not do it serves all the same, its first request a little later.
        } finally {
            if (warm != null) {
                warm.stop();
            }
        }
    }

    /** Sends one request and reads the whole answer. */
    private static void request(int port, String method, String path, String body) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            String request = method + " " + path + " HTTP/1.1\r\nHost: warm-up\r\nConnection: close\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body;
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readAllBytes();
        }
    }

    @Override
    public synchronized void start(Replica from, Replicator replicator) throws IOException {
        long startNs = System.nanoTime();
        serving = serve(server, new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort), from, replicator,
                handlers);
        long servingNs = System.nanoTime();
        // After the server runs: the first log line may set up the logging, which a takeover need not wait for.
        LoggerFactory.getLogger(KvService.class).info("serving {} keys (version {}) on http://127.0.0.1:{}{}, {} us "
                + "after the start", serving.keys(), from.version(), httpPort, KvRequests.PREFIX,
                (servingNs - startNs) / 1000);
    }

    /** Serves {@code from} on {@code address} with {@code handlers}: the bound and started server, the writer. */
    private static Serving serve(HttpServer unbound, InetSocketAddress address, Replica from, Replicator replicator,
            Executor handlers) throws IOException {
        // Bound first: from here on the kernel queues a client's connection, and the server takes it as it starts,
        // rather than refusing it while the state is decoded (a large one takes a while).
        HttpServer server = bind(unbound, address);
        KvState state;
        try {
            state = KvState.decode(from.state());
        } catch (RuntimeException e) {
            // The port goes back at once, for the member that takes over from this failed start. A server that
            // never started keeps its socket open until its dispatcher has run (the channel is registered with the
            // dispatcher's selector, and a registered channel closes on the next select): start it to stop it.
            server.start();
            server.stop(0);
            throw e;
        }
        KvWriter writer = new KvWriter(state, replicator);
        KvRequests requests = new KvRequests(state, writer);
        String pid = String.valueOf(ProcessHandle.current().pid());
        server.createContext("/", exchange -> answer(exchange, requests, pid));
        server.setExecutor(handlers);
        server.start();
        // After the server: a GET needs no writer, and a PUT that comes first waits in the writer's queue for the
        // moment it takes to start its thread.
        writer.start();
        return new Serving(server, writer, state.size());
    }

    /** Binds the port; a SIGKILLed predecessor's socket may take the kernel a moment to free. */
    private static HttpServer bind(HttpServer unbound, InetSocketAddress address) throws IOException {
        HttpServer server = unbound;
        long start = System.nanoTime();
        while (true) {
            try {
                server.bind(address, 0);
                return server;
            } catch (BindException e) {
                if (System.nanoTime() - start >= BIND_RETRY_NS) {
                    throw new BindException("port " + address.getPort() + " on 127.0.0.1 is held by another "
                            + "program (tried for " + TimeUnit.NANOSECONDS.toSeconds(BIND_RETRY_NS)
                            + " s); choose another with --http-port");
                }
                // A failed bind may leave the server unusable: make a new one.
                server.stop(0);
                server = HttpServer.create();
                LockSupport.parkNanos(BIND_PAUSE_NS);
            }
        }
    }

    private static void answer(HttpExchange exchange, KvRequests requests, String pid) throws IOException {
        try (exchange) {
            String length = exchange.getRequestHeaders().getFirst("Content-Length");
            Reply reply;
            try {
                reply = requests.handle(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        length == null ? -1 : Long.parseLong(length.trim()), exchange.getRequestBody());
            } catch (NumberFormatException e) {
                reply = Reply.line(400, "Content-Length '" + length + "' is not a number");
            }
            exchange.getResponseHeaders().set("Content-Type",
                    reply.isValue() ? "application/octet-stream" : "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set(PID_HEADER, pid);
            byte[] body = reply.body();
            exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** @return how many handler threads run: all of them from the warm-up on */
    int handlerThreads() {
        return handlers.getPoolSize();
    }

    @Override
    public synchronized void stop() {
        if (serving != null) {
            serving.stop();
        } else {
            server.stop(0);
        }
        handlers.shutdownNow();
    }
}
