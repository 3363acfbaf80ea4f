package phoenix.pair;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The heartbeat wire format, version 2, big-endian:
 *
 * <pre>
 *  0 int   magic 'PHNX'          32 long  step
 *  4 byte  version (2)           40 long  stepAtTakeover (-1: none)
 *  5 byte  type (1: heartbeat)   48 int   takeovers
 *  6 short data length n         52 int   streak
 *  8 long  pair id               56 int   sender pid
 * 16 long  epoch                 60 int   reserved (0)
 * 24 long  sequence              64 long  base: the epoch of the last fresh start
 * 72       n bytes of task data, then 16 bytes of HMAC-SHA256 over all before
 * </pre>
 *
 * <p>Not thread-safe: each member owns one codec.
 */
final class HeartbeatCodec {
    static final int MAGIC = 0x50484E58;
    static final byte VERSION = 2;
    static final byte TYPE_HEARTBEAT = 1;
    static final int HEADER_BYTES = 72;
    static final int MAC_BYTES = 16;
    static final int MIN_BYTES = HEADER_BYTES + MAC_BYTES;
    static final int MAX_BYTES = MIN_BYTES + Snapshot.MAX_DATA_BYTES;

    private final long pairId;
    private final HmacSha256 mac;

    HeartbeatCodec(long pairId, byte[] key) {
        this.pairId = pairId;
        // Not javax.crypto.Mac: its first use costs a new JVM tens of milliseconds (see HmacSha256).
        this.mac = new HmacSha256(key);
    }

    long pairId() {
        return pairId;
    }

    /** Writes one heartbeat into {@code out} (cleared first) and flips it for sending. */
    void encode(long seq, long senderPid, PairState state, ByteBuffer out) {
        Snapshot s = state.snapshot();
        out.clear();
        out.putInt(MAGIC).put(VERSION).put(TYPE_HEARTBEAT).putShort((short) s.dataLength())
                .putLong(pairId).putLong(state.epoch()).putLong(seq).putLong(s.step())
                .putLong(state.stepAtTakeover()).putInt((int) state.takeovers()).putInt(state.streak())
                .putInt((int) senderPid).putInt(0).putLong(state.base()).put(s.dataUnsafe());
        ByteBuffer signed = out.duplicate().flip();
        out.put(tag(signed));
        out.flip();
    }

    /**
     * Checks and decodes a datagram.
     *
     * @return the heartbeat, or the reason it was refused; epoch and sequence are checked by the receiver
     */
    Object decode(ByteBuffer in) {
        int length = in.remaining();
        if (length < MIN_BYTES) {
            return Rejection.SHORT;
        }
        if (length > MAX_BYTES) {
            return Rejection.LONG;
        }
        int start = in.position();
        if (in.getInt(start) != MAGIC) {
            return Rejection.WRONG_MAGIC;
        }
        if (in.get(start + 4) != VERSION) {
            return Rejection.WRONG_VERSION;
        }
        int dataLength = Short.toUnsignedInt(in.getShort(start + 6));
        if (in.get(start + 5) != TYPE_HEARTBEAT || in.getInt(start + 60) != 0
                || length != MIN_BYTES + dataLength) {
            return Rejection.GARBAGE;
        }
        if (in.getLong(start + 8) != pairId) {
            return Rejection.OTHER_PAIR;
        }
        ByteBuffer signed = in.duplicate();
        signed.limit(start + HEADER_BYTES + dataLength);
        byte[] expected = tag(signed);
        byte[] actual = new byte[MAC_BYTES];
        in.get(start + HEADER_BYTES + dataLength, actual);
        if (!MessageDigest.isEqual(expected, actual)) {
            return Rejection.BAD_MAC;
        }
        long epoch = in.getLong(start + 16);
        long seq = in.getLong(start + 24);
        long step = in.getLong(start + 32);
        long stepAtTakeover = in.getLong(start + 40);
        int takeovers = in.getInt(start + 48);
        int streak = in.getInt(start + 52);
        int pid = in.getInt(start + 56);
        long base = in.getLong(start + 64);
        if (epoch < 1 || step < 0 || takeovers < 0 || streak < 0 || stepAtTakeover < -1 || base < 0 || base > epoch) {
            return Rejection.GARBAGE;
        }
        byte[] data = new byte[dataLength];
        in.get(start + HEADER_BYTES, data);
        PairState state = new PairState(epoch, takeovers, stepAtTakeover, streak, new Snapshot(step, data), base);
        return new Heartbeat(seq, pid, state);
    }

    /**
     * The pair's HMAC-SHA256 of {@code text}, in hex: what members on different hosts prove to each other that
     * they hold the pair's secret with, without sending it ({@link RemoteLink}).
     */
    String sign(String text) {
        mac.update(("phoenix-remote-v1 " + pairId + " ").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(mac.doFinal(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** @return whether {@code hex} is {@link #sign sign(text)}, compared in constant time */
    boolean verify(String text, String hex) {
        return MessageDigest.isEqual(sign(text).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                hex.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** The truncated HMAC of the remaining bytes of {@code signed}. */
    private byte[] tag(ByteBuffer signed) {
        mac.update(signed);
        return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
    }
}
