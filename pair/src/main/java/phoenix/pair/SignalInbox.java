package phoenix.pair;

import org.slf4j.Logger;

/**
 * Where signals arrive: on the signal's own thread, which only counts the signal and wakes the loop; the loop
 * takes it up in order with everything else ({@link StandbyLoop#onStandbySignal},
 * {@link PrimaryLoop#onPrimarySignal}).
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
    /** How many SIGINTs and SIGTERMs met the standby's handler, the last one's name, and the role it met. */
    private volatile int ignored;
    private String ignoredName;
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
     * everything else. The thread takes the member's name, so that what it logs carries the member's tag.
     */
    @Override
    public void onSignal(String name, int number, boolean asPrimary) {
        Thread.currentThread().setName(tag);
        if (!asPrimary && number != 1) {
            // Meant for the primary (a pkill -f that matches the program reaches both); also one that arrived just
            // before this standby took over. Said by the loop (logIgnored), not here: pkill -f sends it as the
            // primary hands over, and a log line on this thread would compete with the takeover for a core.
            synchronized (this) {
                ignored++;
                ignoredName = name;
                ignoredRole = role;
            }
            return;
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
     * member's loops outside a takeover's path, so that none of them logs on the signal's thread.
     */
    void logIgnored() {
        if (ignored == ignoredSaid) {
            return;
        }
        int count;
        String name;
        String asRole;
        synchronized (this) {
            count = ignored - ignoredSaid;
            ignoredSaid = ignored;
            name = ignoredName;
            asRole = ignoredRole;
        }
        Log.LOG.warn("{} ignores SIG{}{}: it exists to outlive the primary; end the pair with 'stop'", asRole, name,
                count > 1 ? " (" + count + " signals)" : "");
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
