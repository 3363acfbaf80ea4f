package phoenix.kv;

import java.util.ArrayList;
import java.util.List;
import phoenix.pair.NotReplicatedException;
import phoenix.pair.Replicator;

/** A replicator that records every state it is given, and fails when told to. */
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
        return replicate(state);
    }

    /** @return the last state replicated, decoded */
    synchronized KvState last() {
        return KvState.decode(states.get(states.size() - 1));
    }
}
