package phoenix.counter;

import java.io.PrintStream;
import phoenix.pair.AcceptanceTestFailedException;
import phoenix.pair.OutputLostException;
import phoenix.pair.PairTask;
import phoenix.pair.Snapshot;

/**
 * The counter: prints 1, 2, 3, ... one number per step on stdout. Its acceptance test runs before every
 * number and checks for success, not for known errors: the number about to be printed must be exactly one
 * more than the last one replicated, and stdout must have taken the previous line.
 */
public final class Counter implements PairTask {
    private final PrintStream out;
    private final long crashAt;
    private long last;

    /**
     * A counter printing to {@code out}.
     *
     * @param out where the numbers go, one per line
     * @param crashAt a count at which to inject a fault (the counter computes the wrong next number, so the
     *     acceptance test fails there), or 0 for none
     */
    public Counter(PrintStream out, long crashAt) {
        this.out = out;
        this.crashAt = crashAt;
    }

    @Override
    public void resume(Snapshot from) {
        last = from.step();
    }

    @Override
    public Snapshot step(Snapshot replicated) {
        long next = last + 1;
        if (crashAt > 0 && next == crashAt) {
            // Injected fault: the kind of bug that skips a number. Restoring the same state repeats it.
            next = last + 2;
        }
        if (next != replicated.step() + 1) {
            throw new AcceptanceTestFailedException("the next number would be " + next + " but the last replicated"
                    + " number is " + replicated.step() + "; only " + (replicated.step() + 1) + " may follow it");
        }
        if (out.checkError()) {
            throw new OutputLostException("stdout no longer takes output (closed pipe or terminal)");
        }
        out.println(next);
        if (out.checkError()) {
            throw new OutputLostException("stdout did not take number " + next + " (closed pipe or terminal)");
        }
        last = next;
        return Snapshot.ofStep(next);
    }
}
