package phoenix.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KvStateTest {
    private static KvState stateOf(Map<String, byte[]> entries) {
        KvState s = KvState.decode(new byte[0]);
        long bytes = s.encodedBytes();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            bytes += KvState.entryBytes(e.getKey(), e.getValue());
        }
        s.apply(entries, bytes);
        return s;
    }

    @Test
    void readsTheEmptyStateOfANewPairAsAnEmptyMap() {
        KvState s = KvState.decode(new byte[0]);

        assertEquals(0, s.size());
        assertArrayEquals(new byte[] {KvState.FORMAT, 0, 0, 0, 0}, s.encode());
    }

    @Test
    void encodesLengthPrefixedEntriesAfterAFormatByte() {
        byte[] encoded = stateOf(Map.of("k", "vv".getBytes(UTF_8))).encode();

        assertArrayEquals(new byte[] {1, 0, 0, 0, 1, 0, 0, 0, 1, 'k', 0, 0, 0, 2, 'v', 'v'}, encoded);
    }

    @Test
    void readsBackWhatItEncodedEmptyValuesAndBinaryValuesIncluded() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("a", new byte[0]);
        entries.put("b.c_d~e-f", new byte[] {0, -1, 10, 13, 127});
        entries.put("x".repeat(KvState.MAX_KEY_LENGTH), new byte[70_000]);

        KvState back = KvState.decode(stateOf(entries).encode());

        assertEquals(3, back.size());
        entries.forEach((k, v) -> assertArrayEquals(v, back.get(k), k));
        assertEquals(back.encode().length, back.encodedBytes());
    }

    @Test
    void encodesPendingChangesWithoutApplyingThem() {
        KvState s = stateOf(Map.of("a", new byte[] {1}, "b", new byte[] {2}));
        Map<String, byte[]> pending = new LinkedHashMap<>();
        pending.put("b", new byte[] {3, 3});
        pending.put("c", new byte[] {4});
        long bytes = s.encodedBytes() - s.entryBytes("b") + KvState.entryBytes("b", pending.get("b"))
                + KvState.entryBytes("c", pending.get("c"));

        KvState next = KvState.decode(s.encodeWith(pending, bytes));

        assertArrayEquals(new byte[] {3, 3}, next.get("b"));
        assertArrayEquals(new byte[] {4}, next.get("c"));
        assertArrayEquals(new byte[] {1}, next.get("a"));
        assertArrayEquals(new byte[] {2}, s.get("b"), "the map itself is unchanged");
        assertNull(s.get("c"));
    }

    @Test
    void refusesAnotherFormat() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KvState.decode(new byte[] {2, 0, 0, 0, 0}));

        assertTrue(e.getMessage().contains("format 2"), e.getMessage());
    }

    @Test
    void refusesEveryTruncationOfAValidState() {
        byte[] encoded = stateOf(Map.of("key", "value".getBytes(UTF_8))).encode();
        for (int n = 1; n < encoded.length; n++) {
            byte[] cut = Arrays.copyOf(encoded, n);
            assertThrows(IllegalArgumentException.class, () -> KvState.decode(cut), "cut to " + n + " bytes");
        }
    }

    @Test
    void refusesTrailingBytesALengthBeyondTheEndAndARepeatedKey() {
        byte[] encoded = stateOf(Map.of("k", new byte[] {1})).encode();
        byte[] longer = Arrays.copyOf(encoded, encoded.length + 1);
        assertThrows(IllegalArgumentException.class, () -> KvState.decode(longer));

        byte[] hugeLength = encoded.clone();
        ByteBuffer.wrap(hugeLength).putInt(1 + 4 + 4 + 1, Integer.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> KvState.decode(hugeLength));

        ByteBuffer twice = ByteBuffer.allocate(5 + 2 * 10).put(KvState.FORMAT).putInt(2);
        for (int i = 0; i < 2; i++) {
            twice.putInt(1).put((byte) 'k').putInt(1).put((byte) 7);
        }
        assertThrows(IllegalArgumentException.class, () -> KvState.decode(twice.array()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "a b", "%41", "é", "a?b"})
    void refusesKeysThatAreNotUrlSafeAsTheyAre(String key) {
        assertTrue(!KvState.isKey(key), key);
    }

    @Test
    void refusesAKeyLongerThanTheLimit() {
        assertTrue(KvState.isKey("k".repeat(KvState.MAX_KEY_LENGTH)));
        assertTrue(!KvState.isKey("k".repeat(KvState.MAX_KEY_LENGTH + 1)));
    }
}
