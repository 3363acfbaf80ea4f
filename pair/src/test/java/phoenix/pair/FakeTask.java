package phoenix.pair;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A task that counts, records its calls, and can be told how to answer the next steps. */
final class FakeTask implements PairTask {
    final List<Snapshot> resumedFrom = new ArrayList<>();
    final List<Snapshot> steppedFrom = new ArrayList<>();
    /** How a step turns the last snapshot into the next; by default the next step number. */
    UnaryOperator<Snapshot> behaviour = last -> Snapshot.ofStep(last.step() + 1);

    @Override
    public void resume(Snapshot from) {
        resumedFrom.add(from);
    }

    @Override
    public Snapshot step(Snapshot last) {
        steppedFrom.add(last);
        return behaviour.apply(last);
    }

    int steps() {
        return steppedFrom.size();
    }
}
