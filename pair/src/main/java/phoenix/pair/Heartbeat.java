package phoenix.pair;

/** One decoded, authenticated heartbeat: the primary's state, its sequence number and its pid. */
record Heartbeat(long seq, long senderPid, PairState state) {
}
