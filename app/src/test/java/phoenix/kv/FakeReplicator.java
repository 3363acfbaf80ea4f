package phoenix.kv;

import java.util.ArrayList;
import java.util.List;
import phoenix.pair.NotReplicatedException;
import phoenix.pair.Replicator;

/**
 * A replicator that records every state it is given synchronously, and fails when told to. An asynchronous call
 * fails the test: the example acknowledges a PUT only once the standby holds it.
 */
final class FakeReplicator implements Replicator {
    final List<byte[]> states = new ArrayList<>();
    String failWith;

    @Override
    public synchronized long replicate(byte[] state) throws NotReplicatedException {
        if (failWith != null) {
            throw new NotReplicatedException(failWith);
        }
        states.add(state.clone());
        return states.size();
    }

    @Override
    public long replicateAsync(byte[] state) throws NotReplicatedException {
        throw new NotReplicatedException("kv must replicate synchronously before it acknowledges a PUT");
    }

    /** @return the last state replicated, decoded */
    synchronized KvState last() {
        return KvState.decode(states.get(states.size() - 1));
    }
}
