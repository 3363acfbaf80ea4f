package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class HeartbeatCodecTest {
    private static final long PAIR_ID = 0x1234_5678_9ABC_DEF0L;
    private static final byte[] KEY = key(7);
    private static final PairState STATE = new PairState(3, 2, 40, 1,
            new Snapshot(42, "task data".getBytes(StandardCharsets.US_ASCII)), 2);

    private final HeartbeatCodec codec = new HeartbeatCodec(PAIR_ID, KEY);

    private static byte[] key(int seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        return k;
    }

    private static byte[] encode(HeartbeatCodec c, long seq, long pid, PairState state) {
        ByteBuffer out = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES);
        c.encode(seq, pid, state, out);
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    private byte[] valid() {
        return encode(codec, 17, 4242, STATE);
    }

    private Object decode(byte[] datagram) {
        return codec.decode(ByteBuffer.wrap(datagram));
    }

    @Test
    void decodesWhatItEncoded() {
        Object decoded = decode(valid());

        assertEquals(new Heartbeat(17, 4242, STATE), decoded);
    }

    @Test
    void roundTripsTheLargestSnapshotAndExtremeValues() {
        byte[] data = new byte[Snapshot.MAX_DATA_BYTES];
        new Random(1).nextBytes(data);
        PairState big = new PairState(Long.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE - 1, Integer.MAX_VALUE,
                new Snapshot(Long.MAX_VALUE, data), Long.MAX_VALUE);
        byte[] datagram = encode(codec, Long.MIN_VALUE, Integer.MAX_VALUE, big);

        assertEquals(HeartbeatCodec.MAX_BYTES, datagram.length);
        assertEquals(new Heartbeat(Long.MIN_VALUE, Integer.MAX_VALUE, big), decode(datagram));
    }

    @Test
    void encodedLengthIsHeaderDataAndMac() {
        assertEquals(HeartbeatCodec.MIN_BYTES + 9, valid().length);
        PairState noData = new PairState(1, 0, -1, 0, Snapshot.INITIAL);
        assertEquals(HeartbeatCodec.MIN_BYTES, encode(codec, 1, 1, noData).length);
    }

    @Test
    void decodesADatagramThatDoesNotStartTheBuffer() {
        byte[] datagram = valid();
        ByteBuffer in = ByteBuffer.allocate(datagram.length + 20);
        in.put(new byte[13]).put(datagram).flip().position(13);

        assertEquals(new Heartbeat(17, 4242, STATE), codec.decode(in));
    }

    @Test
    void refusesADatagramShorterThanTheSmallestHeartbeatAsShort() {
        byte[] datagram = valid();

        assertEquals(Rejection.SHORT, decode(new byte[0]));
        assertEquals(Rejection.SHORT, decode(Arrays.copyOf(datagram, HeartbeatCodec.MIN_BYTES - 1)));
    }

    @Test
    void refusesADatagramLongerThanTheLargestHeartbeatAsLong() {
        byte[] datagram = Arrays.copyOf(valid(), HeartbeatCodec.MAX_BYTES + 1);

        assertEquals(Rejection.LONG, decode(datagram));
    }

    @Test
    void refusesAnotherMagicAsWrongMagic() {
        byte[] datagram = valid();
        datagram[0] = 'X';

        assertEquals(Rejection.WRONG_MAGIC, decode(datagram));
    }

    @Test
    void refusesAnotherVersionAsWrongVersion() {
        byte[] datagram = valid();
        datagram[4] = 1;

        assertEquals(Rejection.WRONG_VERSION, decode(datagram));
    }

    @Test
    void refusesAnotherTypeAsGarbage() {
        byte[] datagram = valid();
        datagram[5] = 2;

        assertEquals(Rejection.GARBAGE, decode(datagram));
    }

    @Test
    void refusesANonZeroReservedFieldAsGarbage() {
        byte[] datagram = valid();
        datagram[63] = 1;

        assertEquals(Rejection.GARBAGE, decode(datagram));
    }

    @Test
    void refusesADataLengthThatContradictsTheDatagramLengthAsGarbage() {
        byte[] datagram = valid();
        byte[] oneMore = Arrays.copyOf(datagram, datagram.length + 1);
        byte[] longerField = datagram.clone();
        longerField[7]++;

        assertEquals(Rejection.GARBAGE, decode(oneMore));
        assertEquals(Rejection.GARBAGE, decode(longerField));
    }

    @Test
    void refusesAHeartbeatOfAnotherPairAsOtherPair() {
        HeartbeatCodec other = new HeartbeatCodec(PAIR_ID + 1, KEY);

        assertEquals(Rejection.OTHER_PAIR, decode(encode(other, 17, 4242, STATE)));
    }

    @Test
    void refusesOneFlippedByteInTheBodyAsBadMac() {
        byte[] datagram = valid();
        datagram[39] ^= 1;  // the lowest byte of the step: 42 would be read as 43

        assertEquals(Rejection.BAD_MAC, decode(datagram));
    }

    @Test
    void refusesOneFlippedByteInTheMacAsBadMac() {
        byte[] datagram = valid();
        datagram[datagram.length - 1] ^= (byte) 0x80;

        assertEquals(Rejection.BAD_MAC, decode(datagram));
    }

    @Test
    void refusesAHeartbeatSignedWithAnotherKeyAsBadMac() {
        HeartbeatCodec forger = new HeartbeatCodec(PAIR_ID, key(8));

        assertEquals(Rejection.BAD_MAC, decode(encode(forger, 17, 4242, STATE)));
    }

    @Test
    void refusesEverySingleBitFlipForTheReasonOfTheFieldItHits() {
        byte[] datagram = valid();
        for (int i = 0; i < datagram.length; i++) {
            Rejection expected;
            if (i < 4) {
                expected = Rejection.WRONG_MAGIC;
            } else if (i == 4) {
                expected = Rejection.WRONG_VERSION;
            } else if (i < 8 || (i >= 60 && i < 64)) {
                expected = Rejection.GARBAGE;
            } else if (i < 16) {
                expected = Rejection.OTHER_PAIR;
            } else {
                expected = Rejection.BAD_MAC;
            }
            for (int bit = 0; bit < 8; bit++) {
                byte[] flipped = datagram.clone();
                flipped[i] ^= (byte) (1 << bit);
                assertEquals(expected, decode(flipped), "bit " + bit + " of byte " + i);
            }
        }
    }

    @Test
    void refusesAnAuthenticHeartbeatWithImpossibleFieldsAsGarbage() {
        // Signed with the right key, so only the field checks after the MAC can refuse these.
        PairState[] impossible = {
            new PairState(0, 0, -1, 0, Snapshot.INITIAL),
            new PairState(-5, 0, -1, 0, Snapshot.INITIAL),
            new PairState(1, -1, -1, 0, Snapshot.INITIAL),
            new PairState(1, 0, -2, 0, Snapshot.INITIAL),
            new PairState(1, 0, -1, -1, Snapshot.INITIAL),
            new PairState(3, 0, -1, 0, Snapshot.INITIAL, 4),
            new PairState(3, 0, -1, 0, Snapshot.INITIAL, -1),
        };
        for (PairState s : impossible) {
            assertEquals(Rejection.GARBAGE, decode(encode(codec, 1, 1, s)), s.toString());
        }
        byte[] negativeStep = encode(codec, 1, 1, new PairState(1, 0, -1, 0, Snapshot.ofStep(5)));
        negativeStep[32] = (byte) 0x80;
        resign(negativeStep);
        assertEquals(Rejection.GARBAGE, decode(negativeStep));
    }

    /** Recomputes the MAC of a datagram after a test changed its body, as a holder of the key could. */
    private static void resign(byte[] datagram) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
            mac.update(datagram, 0, datagram.length - HeartbeatCodec.MAC_BYTES);
            System.arraycopy(mac.doFinal(), 0, datagram, datagram.length - HeartbeatCodec.MAC_BYTES,
                    HeartbeatCodec.MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void resignedDatagramsAreAcceptedSoTheGarbageTestMeansSomething() {
        byte[] datagram = valid();
        datagram[39] = 50;
        resign(datagram);

        Heartbeat hb = assertInstanceOf(Heartbeat.class, decode(datagram));
        assertEquals(50, hb.state().snapshot().step());
    }

    @Test
    void neverThrowsOnRandomDatagramsOfAnyLength() {
        Random random = new Random(20240611);
        Map<Rejection, Integer> seen = new EnumMap<>(Rejection.class);
        for (int i = 0; i < 20_000; i++) {
            byte[] datagram = new byte[random.nextInt(HeartbeatCodec.MAX_BYTES + 64)];
            random.nextBytes(datagram);
            if (i % 2 == 0 && datagram.length >= 8) {
                // Half of them get past the magic and version, so that the later checks see random input too.
                ByteBuffer.wrap(datagram).putInt(HeartbeatCodec.MAGIC).put(HeartbeatCodec.VERSION);
                if (i % 4 == 0 && datagram.length >= HeartbeatCodec.HEADER_BYTES) {
                    // A quarter are well-formed up to the pair id, an eighth up to the MAC.
                    ByteBuffer b = ByteBuffer.wrap(datagram);
                    b.put(5, HeartbeatCodec.TYPE_HEARTBEAT).putInt(60, 0);
                    b.putShort(6, (short) Math.max(0, datagram.length - HeartbeatCodec.MIN_BYTES));
                    if (i % 8 == 0) {
                        b.putLong(8, PAIR_ID);
                    }
                }
            }
            Object decoded = decode(datagram);
            Rejection r = assertInstanceOf(Rejection.class, decoded, "datagram " + i);
            seen.merge(r, 1, Integer::sum);
        }
        assertTrue(seen.keySet().containsAll(EnumSet.of(Rejection.SHORT, Rejection.LONG,
                Rejection.WRONG_MAGIC, Rejection.GARBAGE, Rejection.OTHER_PAIR, Rejection.BAD_MAC)), seen.toString());
    }

    @Test
    void neverThrowsOnMangledHeartbeats() {
        Random random = new Random(42);
        byte[] datagram = valid();
        for (int i = 0; i < 20_000; i++) {
            byte[] mangled = Arrays.copyOf(datagram, random.nextInt(datagram.length + 16));
            for (int flips = random.nextInt(4); flips > 0 && mangled.length > 0; flips--) {
                mangled[random.nextInt(mangled.length)] = (byte) random.nextInt(256);
            }
            Object decoded = decode(mangled);
            assertNotNull(decoded);
            if (decoded instanceof Heartbeat) {
                assertTrue(Arrays.equals(datagram, mangled), "accepted a changed datagram: " + decoded);
            }
        }
    }
}
