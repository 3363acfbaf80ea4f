package phoenix.pair;

/**
 * The replication messages of a service pair on the watch connection, the one place that parses and formats
 * them. The primary sends a state as a header line {@code STATE <version> <length>} followed by exactly
 * {@code length} raw bytes (at most {@link Replicator#MAX_STATE_BYTES}); the standby answers every state with
 * {@code ACKSTATE <version>}, the newest version it holds. Heartbeats never carry a state: they carry its
 * version in the snapshot's step field.
 */
final class StateFrames {
    /** What {@link #bodyLength} says of a line that carries no body. */
    static final int NO_BODY = -1;
    /** What {@link #bodyLength} says of a header that no primary of ours sends. */
    static final int INVALID = -2;
    private static final String STATE = "STATE ";
    private static final String ACK = "ACKSTATE ";

    private StateFrames() {
    }

    /** @return the header line that announces a state of {@code length} bytes */
    static String header(long version, int length) {
        if (length < 0 || length > Replicator.MAX_STATE_BYTES) {
            throw new IllegalArgumentException("state is " + length + " bytes; at most "
                    + Replicator.MAX_STATE_BYTES + " can be replicated");
        }
        return STATE + version + " " + length;
    }

    /**
     * @return how many raw bytes follow {@code line}: {@link #NO_BODY} when it is not a state header, {@link
     *     #INVALID} when it is a malformed one (a bad number, a negative version, a length above the limit)
     */
    static int bodyLength(String line) {
        if (!line.startsWith(STATE)) {
            return NO_BODY;
        }
        String[] words = line.split(" ", -1);
        if (words.length != 3) {
            return INVALID;
        }
        try {
            long version = Long.parseLong(words[1]);
            long length = Long.parseLong(words[2]);
            return version < 1 || length < 0 || length > Replicator.MAX_STATE_BYTES ? INVALID : (int) length;
        } catch (NumberFormatException e) {
            return INVALID;
        }
    }

    /** @return the version of a header that {@link #bodyLength} accepted */
    static long version(String header) {
        return Long.parseLong(header.split(" ")[1]);
    }

    /** @return the standby's answer: it holds {@code version} */
    static String ack(long version) {
        return ACK + version;
    }

    /** @return the version an {@code ACKSTATE} line names, or -1 when the line is not one */
    static long parseAck(String line) {
        if (!line.startsWith(ACK)) {
            return -1;
        }
        try {
            long v = Long.parseLong(line.substring(ACK.length()));
            return v < 0 ? -1 : v;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
