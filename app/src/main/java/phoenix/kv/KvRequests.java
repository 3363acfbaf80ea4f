package phoenix.kv;

import java.io.IOException;
import java.io.InputStream;
import phoenix.pair.Replicator;

/**
 * What each request gets, free of the HTTP server: {@code GET /kv/KEY} the value (200) or 404, {@code PUT /kv/KEY}
 * what the writer answers (204 once the standby holds it, 503 when it does not), anything else a 4xx with one line
 * that says why.
 */
final class KvRequests {
    /** The path under which keys live. */
    static final String PREFIX = "/kv/";

    /** Where a PUT goes: stored and replicated, or refused, before it returns. */
    @FunctionalInterface
    interface Writes {
        /**
         * Stores {@code value} under {@code key} and returns once a replicate covering it returned or failed.
         *
         * @param key an accepted key
         * @param value the value
         * @return 204 when the standby holds it, else why not
         */
        Reply put(String key, byte[] value);
    }

    private final KvState state;
    private final Writes writes;

    KvRequests(KvState state, Writes writes) {
        this.state = state;
        this.writes = writes;
    }

    /**
     * Answers one request.
     *
     * @param method the HTTP method
     * @param rawPath the path as sent, not decoded
     * @param contentLength the request's declared body length, -1 when not declared
     * @param body the request's body
     * @return the reply
     * @throws IOException when the body cannot be read
     */
    Reply handle(String method, String rawPath, long contentLength, InputStream body) throws IOException {
        if (!rawPath.startsWith(PREFIX)) {
            return Reply.line(404, "no such resource '" + clip(rawPath) + "'; keys are at " + PREFIX + "KEY");
        }
        String key = rawPath.substring(PREFIX.length());
        if (!KvState.isKey(key)) {
            return Reply.line(400, "key '" + clip(key) + "' is not accepted; use 1 to " + KvState.MAX_KEY_LENGTH
                    + " of the characters A-Z a-z 0-9 . _ ~ -");
        }
        switch (method) {
            case "GET": {
                byte[] value = state.get(key);
                return value == null ? Reply.line(404, "no key '" + key + "'") : Reply.value(value);
            }
            case "PUT": {
                // Refused before it is read: no value larger than a whole state can ever be stored.
                long most = Replicator.MAX_STATE_BYTES - KvState.HEADER_BYTES - KvState.entryBytes(key, new byte[0]);
                if (contentLength > most) {
                    return tooLarge(key, String.valueOf(contentLength));
                }
                byte[] value = body.readNBytes((int) most + 1);
                if (value.length > most) {
                    return tooLarge(key, "more than " + most);
                }
                return writes.put(key, value);
            }
            default:
                return Reply.line(405, "method " + clip(method) + " is not accepted; use GET or PUT on "
                        + PREFIX + "KEY");
        }
    }

    private static Reply tooLarge(String key, String length) {
        return Reply.line(413, "a value of " + length + " bytes for key '"
                + key + "' cannot be stored: the whole state is replicated at once and may hold at most "
                + Replicator.MAX_STATE_BYTES + " bytes");
    }

    private static String clip(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
