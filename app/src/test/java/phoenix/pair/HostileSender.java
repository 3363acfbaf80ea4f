package phoenix.pair;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends hostile traffic to a pair's heartbeat port for the integration tests: random bytes of every length,
 * truncated and oversized heartbeats, heartbeats of another pair, forged ones (wrong key), and authentic ones
 * made with the pair's own secret but replayed (old sequence numbers) or from a stale epoch. One thread sends;
 * any thread may read {@link #sent()}.
 */
public final class HostileSender implements AutoCloseable {
    private final DatagramChannel channel;
    private final InetSocketAddress target;
    private final HeartbeatCodec authentic;
    private final HeartbeatCodec forged;
    private final HeartbeatCodec otherPair;
    private final Random random = new Random(42);
    private final ByteBuffer buf = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES + 64);
    private final AtomicLong sent = new AtomicLong();

    /**
     * A sender aimed at one pair.
     *
     * @param stateDir the pair's state directory, whose secret makes authentic replays possible
     * @param port the pair's heartbeat port
     * @throws IOException when no socket can be opened
     */
    public HostileSender(Path stateDir, int port) throws IOException {
        this.channel = DatagramChannel.open();
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        this.authentic = StateDir.existing(stateDir).codec();
        this.forged = new HeartbeatCodec(authentic.pairId(), new byte[32]);
        this.otherPair = new HeartbeatCodec(authentic.pairId() + 1, new byte[32]);
    }

    /**
     * Sends one datagram of each hostile kind.
     *
     * @param epoch the pair's current epoch, so that replays carry it and stale ones carry less
     * @throws IOException when sending fails
     */
    public synchronized void burst(long epoch) throws IOException {
        PairState state = new PairState(Math.max(1, epoch), 0, -1, 0, Snapshot.ofStep(1_000_000));
        byte[] noise = new byte[random.nextInt(HeartbeatCodec.MAX_BYTES + 40)];
        random.nextBytes(noise);
        send(ByteBuffer.wrap(noise));
        authentic.encode(1, 1, state, buf);
        buf.limit(random.nextInt(HeartbeatCodec.MIN_BYTES));
        send(buf);
        authentic.encode(1, 1, state, buf);
        ByteBuffer longer = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES + 8);
        longer.put(buf).position(longer.capacity()).flip();
        send(longer);
        forged.encode(Long.MAX_VALUE, 1, state, buf);
        send(buf);
        otherPair.encode(Long.MAX_VALUE, 1, state, buf);
        send(buf);
        authentic.encode(1, 1, state, buf);
        send(buf);
        if (epoch > 1) {
            authentic.encode(Long.MAX_VALUE, 1, new PairState(epoch - 1, 0, -1, 0, Snapshot.ofStep(1)), buf);
            send(buf);
        }
    }

    private void send(ByteBuffer b) throws IOException {
        channel.send(b, target);
        sent.incrementAndGet();
    }

    /** @return how many datagrams were sent */
    public long sent() {
        return sent.get();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
