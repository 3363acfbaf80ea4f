package phoenix.pair;

import org.slf4j.Logger;

/**
 * Where signals arrive: on the signal's own thread, which only counts the signal and wakes the loop; the loop
 * takes it up in order with everything else ({@link StandbyLoop#onStandbySignal},
 * {@link PrimaryLoop#onPrimarySignal}). A SIGINT or SIGTERM that meets a standby's handler is only counted, without
 * waking the loop (a spare's excepted), and said by the loop's next pass ({@link #logIgnored}).
 */
final class SignalInbox implements Signals.Receiver {
    private final Channels channels;
    private String tag;
    private int signalsSeen;
    /** How many signals the loop has taken up; read and written by the loop thread only. */
    int signalsHandled;
    private int lastSignal;
    /** How many SIGHUPs arrived, whichever handlers they met. */
    private int hangUps;
    /** How many SIGHUPs met the standby's handler (every other signal counted met the primary's). */
    private int standbyHangUps;
    /** How many of each the standby's loop has taken up; read and written by the loop thread only. */
    int hangUpsHandled;
    int standbyHangUpsHandled;
    /** How the member ends because of a signal, once one has been taken up; loop thread only. */
    Ending signalEnding;
    /** How many SIGINTs and SIGTERMs met the standby's handler, which ones (1 << number), and the role they met. */
    private volatile int ignored;
    private int ignoredNumbers;
    private String ignoredRole;
    /** How many of those the loop has said; loop thread only. */
    private int ignoredSaid;
    /** What the member is while it is not the primary, for the log: "standby", or "spare" while it waits. */
    volatile String role = "standby";

    SignalInbox(Channels channels) {
        this.channels = channels;
    }

    /** @param memberTag the name of the member's thread, which every thread of the member logs under */
    void tag(String memberTag) {
        tag = memberTag;
    }

    /**
     * A signal arrived (on the signal's own thread): count it and wake the loop, which acts on it in order with
     * everything else. The thread takes the member's name, so that what it logs carries the member's tag; one
     * that met the standby's handler is only counted (see {@link #logIgnored}).
     */
    @Override
    public void onSignal(String name, int number, boolean asPrimary) {
        if (!asPrimary && number != 1) {
            // Meant for the primary (a pkill -f that matches the program reaches both); also one that arrived just
            // before this standby took over. Said by the loop (logIgnored), not here: pkill -f sends it as the
            // primary hands over, and a log line on this thread would compete with the takeover for a core.
            String asRole = role;
            synchronized (this) {
                ignored++;
                ignoredNumbers |= 1 << number;
                ignoredRole = asRole;
            }
            if (!"standby".equals(asRole)) {
                // A spare's loop may sleep for a minute, and no takeover is under way there: said now.
                channels.wakeup();
            }
            return;
        }
        if (tag != null) {
            Thread.currentThread().setName(tag);
        }
        synchronized (this) {
            signalsSeen++;
            lastSignal = number;
            if (number == 1) {
                hangUps++;
                if (!asPrimary) {
                    standbyHangUps++;
                }
            }
        }
        channels.wakeup();
    }

    /**
     * Says, once, the SIGINTs and SIGTERMs that met the standby's handler since the last call: called by the
     * member's loops outside a takeover's path (a new primary's only once its first step has returned), so that
     * none of them logs on the signal's thread.
     *
     * @return the line it logged, or null when there was nothing to say
     */
    String logIgnored() {
        if (ignored == ignoredSaid) {
            return null;
        }
        int count;
        int numbers;
        String asRole;
        synchronized (this) {
            count = ignored - ignoredSaid;
            ignoredSaid = ignored;
            numbers = ignoredNumbers;
            ignoredNumbers = 0;
            asRole = ignoredRole;
        }
        boolean interrupt = (numbers & 1 << 2) != 0;
        boolean terminate = (numbers & ~(1 << 2)) != 0;
        String line = asRole + " ignores " + (interrupt && terminate ? "SIGINT and SIGTERM" : interrupt ? "SIGINT"
                : "SIGTERM") + (count > 1 ? " (" + count + " signals)" : "")
                + ": it exists to outlive the primary; end the pair with 'stop'";
        Log.LOG.warn(line);
        return line;
    }

    synchronized int hangUps() {
        return hangUps;
    }

    synchronized int standbyHangUps() {
        return standbyHangUps;
    }

    synchronized int signalsSeen() {
        return signalsSeen;
    }

    /** @return whether a signal arrived that the loop has not taken up yet */
    boolean pending() {
        return signalsSeen() != signalsHandled;
    }

    /** @return the last signal's number */
    synchronized int lastSignal() {
        return lastSignal;
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(SignalInbox.class);
    }
}
