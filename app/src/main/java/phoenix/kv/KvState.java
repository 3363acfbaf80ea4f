package phoenix.kv;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The map a primary serves, and its encoding as the pair's replicated state. Read by any thread; changed by the
 * writer alone ({@link KvWriter}), and only with what a replicate covered.
 *
 * <p>The encoding, big-endian: a format byte ({@link #FORMAT}), the number of entries (4 bytes), then per entry
 * the key's length (4 bytes), the key in UTF-8, the value's length (4 bytes) and the value. An empty state (a new
 * pair) is the empty map.
 */
final class KvState {
    /** The format byte that starts every encoded state. */
    static final byte FORMAT = 1;
    /** The bytes of an encoded empty map: the format byte and the entry count. */
    static final int HEADER_BYTES = 1 + 4;
    /** The longest key accepted. */
    static final int MAX_KEY_LENGTH = 200;
    /** Keys are URL-safe as they are (RFC 3986's unreserved characters), so a path names a key without decoding. */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._~-]{1," + MAX_KEY_LENGTH + "}");

    private final Map<String, byte[]> entries = new ConcurrentHashMap<>();
    private long encodedBytes = HEADER_BYTES;

    /** @return whether {@code key} is one this store accepts */
    static boolean isKey(String key) {
        return KEY.matcher(key).matches();
    }

    /** @return the bytes one entry takes in the encoding */
    static long entryBytes(String key, byte[] value) {
        return 4L + key.getBytes(StandardCharsets.UTF_8).length + 4L + value.length;
    }

    /**
     * Reads an encoded state.
     *
     * @param state the bytes a replicate carried; empty for a new pair
     * @return the map they hold
     * @throws IllegalArgumentException when the bytes are not a state of this format, naming what is wrong
     */
    static KvState decode(byte[] state) {
        KvState s = new KvState();
        if (state.length == 0) {
            return s;
        }
        ByteBuffer in = ByteBuffer.wrap(state);
        byte format = in.get();
        if (format != FORMAT) {
            throw new IllegalArgumentException("kv state has format " + format + ", this program reads " + FORMAT);
        }
        int count = readLength(in, "entry count");
        for (int i = 0; i < count; i++) {
            String key = new String(readBytes(in, "key of entry " + i), StandardCharsets.UTF_8);
            byte[] value = readBytes(in, "value of entry " + i);
            if (!isKey(key) || s.entries.put(key, value) != null) {
                throw new IllegalArgumentException("kv state's entry " + i + " has a bad or repeated key");
            }
            s.encodedBytes += entryBytes(key, value);
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException("kv state has " + in.remaining() + " bytes after its " + count
                    + " entries");
        }
        return s;
    }

    private static int readLength(ByteBuffer in, String what) {
        if (in.remaining() < 4) {
            throw new IllegalArgumentException("kv state ends inside the length of its " + what + " at byte "
                    + in.position());
        }
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("kv state's " + what + " claims " + n + " at byte "
                    + (in.position() - 4) + ", but " + in.remaining() + " bytes follow");
        }
        return n;
    }

    private static byte[] readBytes(ByteBuffer in, String what) {
        byte[] b = new byte[readLength(in, what)];
        in.get(b);
        return b;
    }

    /** @return the value of {@code key}, or null; not to be changed */
    byte[] get(String key) {
        return entries.get(key);
    }

    /** @return how many keys the map holds */
    int size() {
        return entries.size();
    }

    /** @return the length of {@link #encode()} */
    long encodedBytes() {
        return encodedBytes;
    }

    /** @return the bytes {@code key}'s entry takes in the encoding now, 0 when it has none */
    long entryBytes(String key) {
        byte[] v = entries.get(key);
        return v == null ? 0 : entryBytes(key, v);
    }

    /** @return the whole map, encoded */
    byte[] encode() {
        return encodeWith(Map.of(), encodedBytes);
    }

    /**
     * Encodes the map as it will be once {@code pending} is applied, leaving it as it is.
     *
     * @param pending keys and their new values
     * @param bytes the length of the result, which the caller has counted
     * @return the encoding
     */
    byte[] encodeWith(Map<String, byte[]> pending, long bytes) {
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(bytes));
        out.put(FORMAT);
        int count = entries.size();
        for (String key : pending.keySet()) {
            if (!entries.containsKey(key)) {
                count++;
            }
        }
        out.putInt(count);
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            put(out, e.getKey(), pending.getOrDefault(e.getKey(), e.getValue()));
        }
        for (Map.Entry<String, byte[]> e : pending.entrySet()) {
            if (!entries.containsKey(e.getKey())) {
                put(out, e.getKey(), e.getValue());
            }
        }
        if (out.hasRemaining()) {
            throw new IllegalStateException("kv state counted " + bytes + " bytes but encoded " + out.position());
        }
        return out.array();
    }

    private static void put(ByteBuffer out, String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        out.putInt(k.length).put(k).putInt(value.length).put(value);
    }

    /**
     * Applies what a replicate covered.
     *
     * @param pending keys and their new values
     * @param bytes the length of the encoding afterwards
     */
    void apply(Map<String, byte[]> pending, long bytes) {
        entries.putAll(pending);
        encodedBytes = bytes;
    }
}
