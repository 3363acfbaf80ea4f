package phoenix.pair;

/** Why a standby refused a datagram on its heartbeat port. */
enum Rejection {
    /** Fewer bytes than the smallest heartbeat. */
    SHORT("short"),
    /** More bytes than the largest heartbeat. */
    LONG("long"),
    /** The first four bytes are not the heartbeat magic. */
    WRONG_MAGIC("wrong-magic"),
    /** A protocol version this member does not speak. */
    WRONG_VERSION("wrong-version"),
    /** Right magic and version, but fields that contradict the length or each other. */
    GARBAGE("garbage"),
    /** A well-formed heartbeat of another pair. */
    OTHER_PAIR("other-pair"),
    /** The message authentication code does not match: forged or corrupted. */
    BAD_MAC("bad-mac"),
    /** Authentic, but from an epoch older than one already seen: a replaced primary. */
    STALE_EPOCH("stale-epoch"),
    /**
     * Authentic and of the current epoch, but a heartbeat that already arrived on the same path (the port or the
     * watch connection), or one too far below the newest taken to tell (64 sequence numbers). Every heartbeat
     * comes once by each path: its copy on the other path, and one the network reordered, are ignored without
     * being counted, so a healthy pair counts none.
     */
    REPLAYED("replayed");

    private final String label;

    Rejection(String label) {
        this.label = label;
    }

    /** The name used in status output and logs. */
    String label() {
        return label;
    }
}
