package phoenix.pair;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4's SHA-256), the pair's heartbeat and proof MAC, without the JDK's
 * cryptography framework. {@code javax.crypto.Mac.getInstance} costs a new JVM 60-90 ms (measured on the 2-core
 * test machine, JDK 17; 21-37 ms on a member's start, where the first Unix-domain socket has loaded part of it): it
 * loads and registers the security providers in order, and the third one, SunEC, is found through a service-loader
 * scan that instantiates every provider of every module, then reads the JCE policy files. A standby computes its
 * codec before it says READY and a first start before its first number, so those milliseconds were a fifth of a
 * member's own start-up. The same MAC computed here costs well under one. HeartbeatCodecTest and HmacSha256Test
 * check every result against {@code javax.crypto.Mac} and RFC 4231.
 *
 * <p>Same use as {@code Mac}: {@link #update} any number of times, then {@link #doFinal}, which starts the next
 * MAC under the same key. Not thread-safe: each codec owns one.
 */
final class HmacSha256 {
    /** The MAC's length in bytes. */
    static final int LENGTH = 32;
    private static final int BLOCK = 64;
    private static final int[] INITIAL = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    private static final int[] K = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

    /** The hash state after the key XOR ipad, and after the key XOR opad: each MAC starts from these. */
    private final int[] innerStart;
    private final int[] outerStart;
    private final int[] state = new int[8];
    private final int[] w = new int[64];
    private final byte[] block = new byte[BLOCK];
    private int filled;
    private long length;

    /**
     * @param key the key, any length (longer than 64 bytes: its SHA-256 is the key, as RFC 2104 says)
     */
    HmacSha256(byte[] key) {
        byte[] k = key.length > BLOCK ? sha256(key) : key;
        byte[] pad = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            pad[i] = (byte) ((i < k.length ? k[i] : 0) ^ 0x36);
        }
        innerStart = startFrom(pad);
        for (int i = 0; i < BLOCK; i++) {
            pad[i] = (byte) ((i < k.length ? k[i] : 0) ^ 0x5c);
        }
        outerStart = startFrom(pad);
        Arrays.fill(pad, (byte) 0);
        begin(innerStart);
    }

    /** The SHA-256 of {@code data}. */
    static byte[] sha256(byte[] data) {
        HmacSha256 h = new HmacSha256();
        h.begin(INITIAL);
        h.update(data, 0, data.length);
        return h.finish();
    }

    /** A bare hash, for {@link #sha256}: no key. */
    private HmacSha256() {
        innerStart = INITIAL;
        outerStart = INITIAL;
    }

    private int[] startFrom(byte[] pad) {
        begin(INITIAL);
        update(pad, 0, BLOCK);
        return state.clone();
    }

    private void begin(int[] from) {
        System.arraycopy(from, 0, state, 0, 8);
        filled = 0;
        length = from == INITIAL ? 0 : BLOCK;
    }

    /** Adds the remaining bytes of {@code data} to the MAC, leaving its position at its limit. */
    void update(ByteBuffer data) {
        while (data.hasRemaining()) {
            int n = Math.min(BLOCK - filled, data.remaining());
            data.get(block, filled, n);
            filled += n;
            length += n;
            if (filled == BLOCK) {
                compress(block, 0);
                filled = 0;
            }
        }
    }

    /** Adds {@code data} to the MAC. */
    void update(byte[] data) {
        update(data, 0, data.length);
    }

    private void update(byte[] data, int offset, int count) {
        int at = offset;
        int end = offset + count;
        length += count;
        if (filled > 0) {
            int n = Math.min(BLOCK - filled, end - at);
            System.arraycopy(data, at, block, filled, n);
            filled += n;
            at += n;
            if (filled < BLOCK) {
                return;
            }
            compress(block, 0);
            filled = 0;
        }
        for (; end - at >= BLOCK; at += BLOCK) {
            compress(data, at);
        }
        System.arraycopy(data, at, block, 0, end - at);
        filled = end - at;
    }

    /** The MAC of everything added since the last one; the next MAC starts empty, under the same key. */
    byte[] doFinal() {
        byte[] inner = finish();
        begin(outerStart);
        update(inner, 0, LENGTH);
        byte[] mac = finish();
        begin(innerStart);
        return mac;
    }

    /** {@link #update(byte[]) update(data)}, then {@link #doFinal()}. */
    byte[] doFinal(byte[] data) {
        update(data);
        return doFinal();
    }

    /** Pads, compresses the last block or two and returns the hash of what was added since {@link #begin}. */
    private byte[] finish() {
        long bits = length * 8;
        block[filled++] = (byte) 0x80;
        if (filled > BLOCK - 8) {
            Arrays.fill(block, filled, BLOCK, (byte) 0);
            compress(block, 0);
            filled = 0;
        }
        Arrays.fill(block, filled, BLOCK - 8, (byte) 0);
        for (int i = 0; i < 8; i++) {
            block[BLOCK - 1 - i] = (byte) (bits >>> (8 * i));
        }
        compress(block, 0);
        byte[] out = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            out[i] = (byte) (state[i >> 2] >>> (24 - 8 * (i & 3)));
        }
        return out;
    }

    private void compress(byte[] data, int offset) {
        for (int t = 0; t < 16; t++) {
            int i = offset + 4 * t;
            w[t] = ((data[i] & 0xff) << 24) | ((data[i + 1] & 0xff) << 16) | ((data[i + 2] & 0xff) << 8)
                    | (data[i + 3] & 0xff);
        }
        for (int t = 16; t < 64; t++) {
            int x = w[t - 15];
            int y = w[t - 2];
            int s0 = Integer.rotateRight(x, 7) ^ Integer.rotateRight(x, 18) ^ (x >>> 3);
            int s1 = Integer.rotateRight(y, 17) ^ Integer.rotateRight(y, 19) ^ (y >>> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        int a = state[0];
        int b = state[1];
        int c = state[2];
        int d = state[3];
        int e = state[4];
        int f = state[5];
        int g = state[6];
        int h = state[7];
        for (int t = 0; t < 64; t++) {
            int t1 = h + (Integer.rotateRight(e, 6) ^ Integer.rotateRight(e, 11) ^ Integer.rotateRight(e, 25))
                    + ((e & f) ^ (~e & g)) + K[t] + w[t];
            int t2 = (Integer.rotateRight(a, 2) ^ Integer.rotateRight(a, 13) ^ Integer.rotateRight(a, 22))
                    + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}
