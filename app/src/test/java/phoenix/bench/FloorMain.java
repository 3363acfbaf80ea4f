package phoenix.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The programs the floors are measured with, run with the members' own JVM flags: with no arguments an empty main
 * that prints one line (the start floor); with {@code connect PATH [MS]} a JVM that connects to a Unix-domain
 * socket and then idles until it is killed, writing a byte every {@code MS} if given (the death floor, and the
 * victim of Java's least takeover), and with {@code connect PATH MS term} says "handling" once its handler is in
 * place and ends its side of the connection at a SIGTERM (the victim of Java's least SIGTERM takeover); with
 * {@code watch PATH} Java's least takeover, and with {@code start DIR PORT} Java's least start (see {@link #watch}
 * and {@link #start}).
 */
public final class FloorMain {
    private static final byte[] CLAIM = "epoch=1\n".getBytes(StandardCharsets.US_ASCII);

    private FloorMain() {
    }

    /**
     * Prints one line and ends, connects and idles, or runs one of the least members.
     *
     * @param args nothing, {@code connect PATH [MS]}, {@code watch PATH} or {@code start DIR PORT}
     * @throws IOException when a socket or a file cannot be had
     * @throws InterruptedException never: it is killed while it sleeps
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length >= 2 && "connect".equals(args[0])) {
            connect(Path.of(args[1]), args.length > 2 ? Long.parseLong(args[2]) : 0,
                    args.length > 3 && "term".equals(args[3]));
            return;
        }
        if (args.length == 2 && "watch".equals(args[0])) {
            watch(Path.of(args[1]));
            return;
        }
        if (args.length == 3 && "start".equals(args[0])) {
            start(Path.of(args[1]), Integer.parseInt(args[2]));
            return;
        }
        System.out.println("started");
    }

    private static void connect(Path path, long everyMs, boolean endOnTerm) throws IOException,
            InterruptedException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(path));
        if (endOnTerm) {
            endOnTerm(c);
        }
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            if (everyMs <= 0) {
                Thread.sleep(Long.MAX_VALUE);
            }
            Thread.sleep(everyMs);
            one.clear();
            try {
                c.write(one);
            } catch (IOException ended) {
                if (!endOnTerm) {
                    throw ended;
                }
                // Its side ended at the SIGTERM: it lives on, idle, until it is killed.
                everyMs = 0;
            }
        }
    }

    /**
     * The least a primary does at a SIGTERM: its handler ends this side of the connection, on the thread the JVM
     * starts for it, and the JVM lives on (it is killed once the watcher has printed). The handler is set through
     * {@code sun.misc.Signal} by reflection, as a member's is, and the JVM hands it a signal once first (a
     * SIGWINCH, with a handler that does nothing), as a member's JVM has before it is the primary. A datagram
     * channel is opened and closed first, as a member has its heartbeat port: the JDK's socket code that the
     * shutdown uses ({@code sun.nio.ch.Net}) is then loaded, which a Unix-domain connection alone does not load
     * (5-6 ms at its first use, here).
     */
    private static void endOnTerm(SocketChannel c) throws IOException, InterruptedException {
        DatagramChannel.open(StandardProtocolFamily.INET).close();
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            java.lang.reflect.Method handle = signal.getMethod("handle", signal, handlerType);
            java.util.concurrent.CountDownLatch rehearsed = new java.util.concurrent.CountDownLatch(1);
            Object rehearsal = java.lang.reflect.Proxy.newProxyInstance(FloorMain.class.getClassLoader(),
                    new Class<?>[] {handlerType}, (proxy, method, args) -> {
                        if ("handle".equals(method.getName())) {
                            rehearsed.countDown();
                        }
                        return null;
                    });
            Object onTerm = java.lang.reflect.Proxy.newProxyInstance(FloorMain.class.getClassLoader(),
                    new Class<?>[] {handlerType}, (proxy, method, args) -> {
                        if ("handle".equals(method.getName())) {
                            c.shutdownOutput();
                        }
                        return null;
                    });
            Object winch = signal.getConstructor(String.class).newInstance("WINCH");
            handle.invoke(null, winch, rehearsal);
            handle.invoke(null, signal.getConstructor(String.class).newInstance("TERM"), onTerm);
            signal.getMethod("raise", signal).invoke(null, winch);
            rehearsed.await();
            System.out.println("handling");
        } catch (ReflectiveOperationException e) {
            throw new IOException("cannot handle SIGTERM through sun.misc.Signal: " + e, e);
        }
    }

    /**
     * Java's least takeover: listens on {@code path}, accepts one connection and reads it in a selector loop
     * (kept warm by the byte its peer writes every few ms, as a standby's loop is by heartbeats); at its
     * end-of-stream it creates a file exclusively, as a claim does, and prints a line. The claim's calls are run
     * once before, on another file, as a standby rehearses them. Whatever a member does beyond this is its own.
     */
    static void watch(Path path) throws IOException {
        Files.deleteIfExists(path);
        Path rehearsal = Path.of(path + ".rehearsal");
        Path claim = Path.of(path + ".claim");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            server.bind(UnixDomainSocketAddress.of(path));
            System.out.println("listening");
            try (SocketChannel c = server.accept()) {
                c.configureBlocking(false);
                c.register(selector, SelectionKey.OP_READ);
                claim(rehearsal);
                Files.delete(rehearsal);
                System.out.println("connected");
                ByteBuffer in = ByteBuffer.allocate(64);
                while (true) {
                    selector.select();
                    selector.selectedKeys().clear();
                    in.clear();
                    if (c.read(in) < 0) {
                        break;
                    }
                }
                claim(claim);
                System.out.println("took over");
            }
        } finally {
            Files.deleteIfExists(claim);
            Files.deleteIfExists(path);
        }
    }

    /**
     * Java's least start of a member: a selector, the UDP port bound on 127.0.0.1, a Unix-domain socket listening
     * in {@code dir}, a file created there exclusively (a claim), then a line.
     */
    static void start(Path dir, int port) throws IOException {
        Path socket = dir.resolve("control");
        Path claim = dir.resolve("claim");
        try (Selector selector = Selector.open();
                DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET);
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            udp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            udp.configureBlocking(false);
            udp.register(selector, SelectionKey.OP_READ);
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            claim(claim);
            System.out.println("1");
        } finally {
            Files.deleteIfExists(claim);
            Files.deleteIfExists(socket);
        }
    }

    private static void claim(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.wrap(CLAIM));
        }
    }
}
