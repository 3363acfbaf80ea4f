package phoenix.kv;

import java.nio.charset.StandardCharsets;

/**
 * What a request gets: an HTTP status and a body, a value or one line that says why.
 *
 * @param status the HTTP status
 * @param body the body; empty for 204
 * @param isValue whether the body is a stored value (else a line of text)
 */
record Reply(int status, byte[] body, boolean isValue) {
    /** The answer to a write the standby holds. */
    static final Reply STORED = new Reply(204, new byte[0], false);

    /** @return a reply that carries a stored value */
    static Reply value(byte[] value) {
        return new Reply(200, value, true);
    }

    /** @return a reply with one line of text saying why */
    static Reply line(int status, String reason) {
        return new Reply(status, (reason + "\n").getBytes(StandardCharsets.UTF_8), false);
    }

    /** @return the body as text, for messages and tests */
    String text() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
