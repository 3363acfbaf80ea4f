package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a member's signal handlers leave for its loop: what a standby ignores is said once, by the loop. */
class SignalInboxTest {
    @TempDir
    Path dir;

    private SignalInbox inbox() {
        return new SignalInbox(new Channels(ProcessHandle.current().pid(), dir));
    }

    @Test
    void aSigtermThatMeetsTheStandbysHandlerIsSaidOnceByTheLoopAndNotTakenUpAsTheMembers() {
        SignalInbox signals = inbox();
        signals.onSignal("TERM", 15, false);
        assertFalse(signals.pending(), "a standby's SIGTERM is not the member's to act on");
        assertEquals("standby ignores SIGTERM: it exists to outlive the primary; end the pair with 'stop'",
                signals.logIgnored());
        assertNull(signals.logIgnored(), "said once");
    }

    @Test
    void severalAreSaidInOneLineWithTheirCountAndKindsAndTheRoleTheyMet() {
        SignalInbox signals = inbox();
        signals.role = "spare";
        signals.onSignal("TERM", 15, false);
        signals.onSignal("INT", 2, false);
        signals.onSignal("TERM", 15, false);
        assertEquals("spare ignores SIGINT and SIGTERM (3 signals): it exists to outlive the primary; end the pair "
                + "with 'stop'", signals.logIgnored());
        signals.onSignal("INT", 2, false);
        assertEquals("spare ignores SIGINT: it exists to outlive the primary; end the pair with 'stop'",
                signals.logIgnored(), "the kinds are those since the last line");
    }

    @Test
    void aPrimarysSignalAndAStandbysHangUpAreTheLoopsToTakeUpAndNotSaidAsIgnored() {
        SignalInbox signals = inbox();
        signals.onSignal("TERM", 15, true);
        signals.onSignal("HUP", 1, false);
        assertTrue(signals.pending());
        assertEquals(2, signals.signalsSeen());
        assertEquals(1, signals.standbyHangUps());
        assertNull(signals.logIgnored());
    }
}
