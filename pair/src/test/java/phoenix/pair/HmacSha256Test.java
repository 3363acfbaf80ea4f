package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class HmacSha256Test {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] jdkMac(byte[] key, byte[] data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }

    private static byte[] repeat(int b, int n) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, (byte) b);
        return out;
    }

    @Test
    void rfc4231TestVectors() {
        // Test cases 1, 2, 3, 6 and 7 of RFC 4231 (6 and 7 have a 131-byte key, which is hashed first).
        assertArrayEquals(HEX.parseHex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
                new HmacSha256(repeat(0x0b, 20)).doFinal("Hi There".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(HEX.parseHex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
                new HmacSha256("Jefe".getBytes(StandardCharsets.US_ASCII))
                        .doFinal("what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(HEX.parseHex("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
                new HmacSha256(repeat(0xaa, 20)).doFinal(repeat(0xdd, 50)));
        assertArrayEquals(HEX.parseHex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
                new HmacSha256(repeat(0xaa, 131)).doFinal("Test Using Larger Than Block-Size Key - Hash Key First"
                        .getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(HEX.parseHex("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
                new HmacSha256(repeat(0xaa, 131)).doFinal(("This is a test using a larger than block-size key and "
                        + "a larger than block-size data. The key needs to be hashed before being used by the HMAC "
                        + "algorithm.").getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void sha256IsTheJdksForEveryLengthAroundTheBlocks() throws GeneralSecurityException {
        Random random = new Random(1);
        for (int n = 0; n <= 200; n++) {
            byte[] data = new byte[n];
            random.nextBytes(data);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), HmacSha256.sha256(data),
                    "length " + n);
        }
    }

    @Test
    void macIsTheJdksForKeysAndMessagesOfEveryLength() throws GeneralSecurityException {
        Random random = new Random(2);
        for (int keyLength : new int[] {1, 31, 32, 33, 63, 64, 65, 100, 200}) {
            byte[] key = new byte[keyLength];
            random.nextBytes(key);
            HmacSha256 mac = new HmacSha256(key);
            // One instance for every message: each MAC starts afresh after doFinal, as javax.crypto.Mac's does.
            for (int n = 0; n <= 300; n += 1 + n / 20) {
                byte[] data = new byte[n];
                random.nextBytes(data);
                assertArrayEquals(jdkMac(key, data), mac.doFinal(data), "key " + keyLength + ", length " + n);
            }
        }
    }

    @Test
    void piecesAddUpToTheWhole() throws GeneralSecurityException {
        Random random = new Random(3);
        byte[] key = new byte[32];
        random.nextBytes(key);
        HmacSha256 mac = new HmacSha256(key);
        for (int round = 0; round < 200; round++) {
            byte[] data = new byte[random.nextInt(400)];
            random.nextBytes(data);
            // In pieces of random lengths, through both update methods, buffers with an offset among them.
            int at = 0;
            while (at < data.length) {
                int n = Math.min(data.length - at, random.nextInt(90));
                if (random.nextBoolean()) {
                    ByteBuffer wrapped = ByteBuffer.wrap(data, at, n).slice();
                    mac.update(wrapped);
                } else {
                    mac.update(java.util.Arrays.copyOfRange(data, at, at + n));
                }
                at += n;
            }
            assertArrayEquals(jdkMac(key, data), mac.doFinal(), "round " + round);
        }
    }
}
