package phoenix.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Clients of the key-value example under test: writers that each PUT increasing values (1, 2, 3, ...) to a key of
 * their own and record which were acknowledged (204), and a prober that GETs a key every few milliseconds. Every
 * answer names the member that gave it (the {@code Kv-Pid} header); the first successful answer (a GET's 200 or
 * 404, a PUT's 204) and the first acknowledged PUT of each member are kept, so a test can measure a takeover as
 * a client sees it: signal -> the new primary's first answer. A failed request (connection refused or reset,
 * 503) is tried again after a short pause, with the next value.
 */
public final class KvLoad implements AutoCloseable {
    /** The header that names the member that answered. */
    public static final String PID_HEADER = "Kv-Pid";
    private static final Duration PUT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration GET_TIMEOUT = Duration.ofSeconds(5);

    /** One answer: its status, body and the member that gave it. */
    public record Answer(int status, String body, long pid) {
    }

    private final int httpPort;
    private final AtomicLongArray acked;
    private final AtomicLongArray attempted;
    private final AtomicLong acks = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private final Map<Long, Long> firstAnswerNs = new ConcurrentHashMap<>();
    private final Map<Long, Long> firstAckNs = new ConcurrentHashMap<>();
    private final Map<Long, Long> firstGetNs = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final long writerPauseNs;
    private final long probePauseNs;
    private volatile boolean stopped;

    /**
     * Starts the clients.
     *
     * @param httpPort the example's HTTP port on 127.0.0.1
     * @param writers how many writers, each with its key {@code w0}, {@code w1}, ...
     * @param writerPause the pause after each PUT a writer makes
     * @param probePause the pause after each GET of the prober
     */
    public KvLoad(int httpPort, int writers, Duration writerPause, Duration probePause) {
        this.httpPort = httpPort;
        this.acked = new AtomicLongArray(writers);
        this.attempted = new AtomicLongArray(writers);
        this.writerPauseNs = writerPause.toNanos();
        this.probePauseNs = probePause.toNanos();
        for (int i = 0; i < writers; i++) {
            int w = i;
            threads.add(new Thread(() -> write(w), "kv writer w" + i));
        }
        threads.add(new Thread(this::probe, "kv prober"));
        threads.forEach(t -> {
            t.setDaemon(true);
            t.start();
        });
    }

    /** @return the key of writer {@code w} */
    public static String key(int w) {
        return "w" + w;
    }

    private void write(int w) {
        long value = 0;
        while (!stopped) {
            value++;
            attempted.set(w, value);
            try {
                Answer a = send("PUT", key(w), String.valueOf(value), PUT_TIMEOUT);
                if (a.status() == 204) {
                    long now = System.nanoTime();
                    firstAnswerNs.putIfAbsent(a.pid(), now);
                    firstAckNs.putIfAbsent(a.pid(), now);
                    acked.set(w, value);
                    acks.incrementAndGet();
                } else {
                    refusals.incrementAndGet();
                }
            } catch (IOException e) {
                // The primary died or handed over under this request: the write may or may not be stored.
            } catch (InterruptedException e) {
                return;
            }
            LockSupport.parkNanos(writerPauseNs);
        }
    }

    private void probe() {
        while (!stopped) {
            try {
                Answer a = send("GET", "probe", null, GET_TIMEOUT);
                if (a.status() == 200 || a.status() == 404) {
                    long now = System.nanoTime();
                    firstAnswerNs.putIfAbsent(a.pid(), now);
                    firstGetNs.putIfAbsent(a.pid(), now);
                }
            } catch (IOException e) {
                // No primary serves the port at this moment: try again after the pause.
            } catch (InterruptedException e) {
                return;
            }
            LockSupport.parkNanos(probePauseNs);
        }
    }

    /**
     * Sends one request to the example.
     *
     * @param method GET or PUT
     * @param key the key
     * @param body the value to PUT, null for GET
     * @param timeout how long the answer may take
     * @return the answer
     * @throws IOException when no answer came
     * @throws InterruptedException when interrupted while waiting
     */
    public Answer send(String method, String key, String body, Duration timeout)
            throws IOException, InterruptedException {
        byte[] value = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        // A plain blocking HTTP/1.1 exchange on a connection of its own: no client threads between the socket and
        // the clock, and little CPU taken from the pair under test.
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            String head = method + " /kv/" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + "Content-Length: " + value.length + "\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(value);
            out.flush();
            return parse(s.getInputStream().readAllBytes());
        }
    }

    /** Reads an answer: the status line, the member's pid from its header, and the body after the blank line. */
    private static Answer parse(byte[] response) throws IOException {
        String text = new String(response, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || end < 0) {
            throw new IOException("not an HTTP answer: '" + text + "'");
        }
        int status = Integer.parseInt(text.substring(9, 12));
        long pid = 0;
        for (String line : text.substring(0, end).split("\r\n")) {
            if (line.regionMatches(true, 0, PID_HEADER + ":", 0, PID_HEADER.length() + 1)) {
                pid = Long.parseLong(line.substring(PID_HEADER.length() + 1).trim());
            }
        }
        return new Answer(status, text.substring(end + 4), pid);
    }

    /** @return the last acknowledged value of each writer's key, 0 where none was */
    public long[] acked() {
        long[] out = new long[acked.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = acked.get(i);
        }
        return out;
    }

    /** @return the last value each writer sent, acknowledged or not */
    public long[] attempted() {
        long[] out = new long[attempted.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = attempted.get(i);
        }
        return out;
    }

    /** @return how many PUTs were acknowledged in all */
    public long acks() {
        return acks.get();
    }

    /** @return how many PUTs were answered with something other than 204 (503 while no standby held them) */
    public long refusals() {
        return refusals.get();
    }

    /** @return when member {@code pid} first answered any request ({@link System#nanoTime()}), if it has */
    public OptionalLong firstAnswerNs(long pid) {
        Long t = firstAnswerNs.get(pid);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /** @return when member {@code pid} first answered the prober's GET ({@link System#nanoTime()}), if it has */
    public OptionalLong firstGetNs(long pid) {
        Long t = firstGetNs.get(pid);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /**
     * The member that first answered the prober at or after {@code sinceNs}, that had not answered before: a new
     * primary, known without asking the pair (a status request in the gap would compete with the takeover).
     *
     * @param sinceNs {@link System#nanoTime()}, such as the moment of a signal
     * @return that member's pid, or 0 when none has answered yet
     */
    public long newMemberSince(long sinceNs) {
        return firstGetNs.entrySet().stream().filter(e -> e.getValue() - sinceNs >= 0)
                .min((a, b) -> Long.compare(a.getValue() - sinceNs, b.getValue() - sinceNs))
                .map(Map.Entry::getKey).orElse(0L);
    }

    /** @return when member {@code pid} first acknowledged a PUT ({@link System#nanoTime()}), if it has */
    public OptionalLong firstAckNs(long pid) {
        Long t = firstAckNs.get(pid);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /** Stops the clients and waits until each has finished its request in flight. */
    @Override
    public void close() {
        stopped = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(70));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
