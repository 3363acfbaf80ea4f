package phoenix.pair;

/**
 * The standby's half of a service's replication: the newest state the primary sent, which a takeover starts
 * the service from. States are applied in order and never go back: an older or equal version than the one
 * held is not taken; every state is answered with the version held ({@code ACKSTATE v}).
 */
final class ReplicaHolder {
    // Written by the loop, read by the step thread that starts the service after a takeover.
    private volatile Replica replica = Replica.INITIAL;

    /**
     * A state arrived on the watch connection.
     *
     * @param header its header line, which {@link StateFrames#bodyLength} accepted
     * @param bytes its bytes
     * @param primary where the answer goes
     */
    void onState(String header, byte[] bytes, Connection primary) {
        long version = StateFrames.version(header);
        if (version > replica.version()) {
            replica = new Replica(version, bytes);
        }
        primary.send(StateFrames.ack(replica.version()));
    }

    /** @return the newest state held; {@link Replica#INITIAL} before any */
    Replica replica() {
        return replica;
    }
}
