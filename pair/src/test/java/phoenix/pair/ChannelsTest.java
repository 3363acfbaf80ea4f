package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket: bound ahead by a standby's warm-up, then only renamed by its takeover ({@link Channels}). */
class ChannelsTest {
    private static final long PID = 4242;

    @TempDir
    Path dir;

    private Channels channels;
    private Path control;
    /** The own name of the socket bound ahead. */
    private Path own;

    @BeforeEach
    void open() throws IOException {
        channels = new Channels(PID, dir);
        channels.open();
        control = dir.resolve("primary.sock");
        own = dir.resolve(StateDir.SOCKET_PREFIX + PID + StateDir.AHEAD_SUFFIX);
    }

    @AfterEach
    void close() {
        channels.closeAllButStopRequester();
        channels.closeStopRequesterAndSelector();
    }

    @Test
    void aConnectionWhoseEndWasReadIsKeptOpenUntilCloseEndedOrTheNextOneIsKept() throws IOException {
        try (SocketPair a = new SocketPair(dir); SocketPair b = new SocketPair(dir)) {
            channels.closeLater(a.standby());
            assertTrue(a.standbyEnd.isOpen(), "kept open, to be closed after the takeover's first number");
            channels.closeLater(b.standby());
            assertFalse(a.standbyEnd.isOpen(), "the one kept before is closed when another is kept");
            assertTrue(b.standbyEnd.isOpen());
            channels.closeEnded();
            assertFalse(b.standbyEnd.isOpen());
            channels.closeEnded();
        }
    }

    @Test
    void closingEverythingClosesTheConnectionKeptForLater() throws IOException {
        try (SocketPair a = new SocketPair(dir)) {
            channels.closeLater(a.standby());
            channels.closeAllButStopRequester();
            assertFalse(a.standbyEnd.isOpen());
        }
    }

    @Test
    void aSocketBoundAheadIsRenamedOntoThePathAndAnswersThere() throws IOException {
        channels.bindAhead(control);
        assertTrue(Files.exists(own, LinkOption.NOFOLLOW_LINKS), "bound ahead under the member's own name");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(own)));
        Object ahead = key(own);
        assertFalse(Files.exists(control, LinkOption.NOFOLLOW_LINKS), "nothing at the control path before");

        channels.serverPath = control;
        channels.listen(control);

        assertEquals(ahead, key(control), "the very socket bound ahead, renamed");
        assertFalse(Files.exists(own, LinkOption.NOFOLLOW_LINKS));
        assertTrue(channels.ownsServer());
        assertTrue(connects(control));
    }

    @Test
    void nothingIsBoundAheadForAPathAlreadyListenedOn() throws IOException {
        channels.serverPath = control;
        channels.listen(control);
        Object listened = key(control);

        channels.bindAhead(control);

        assertFalse(Files.exists(own, LinkOption.NOFOLLOW_LINKS), "a takeover that came first did it all itself");
        assertEquals(listened, key(control));
    }

    @Test
    void aSocketBoundAheadWhoseFileWasRemovedIsBoundAnew() throws IOException {
        channels.bindAhead(control);
        Files.delete(own);

        channels.serverPath = control;
        channels.listen(control);

        assertTrue(channels.ownsServer());
        assertTrue(connects(control));
        assertFalse(Files.exists(own, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theStandbySocketListenedOnAgainLeavesTheSocketBoundAheadInPlace() throws IOException {
        Path standby = dir.resolve("standby.sock");
        channels.serverPath = standby;
        channels.listen(standby);
        channels.bindAhead(control);
        Object ahead = key(own);

        // The healer puts a removed standby socket back: bound under the member's plain own name, renamed.
        Files.delete(standby);
        channels.closeServer();
        channels.listen(standby);
        assertTrue(connects(standby));
        assertEquals(ahead, key(own), "the socket bound ahead has a name of its own");

        channels.closeServer();
        channels.serverPath = control;
        channels.listen(control);
        assertEquals(ahead, key(control));
        assertTrue(connects(control));
    }

    @Test
    void aFileThatReplacedTheSocketBoundAheadIsNotMovedOntoThePath() throws IOException {
        channels.bindAhead(control);
        Files.delete(own);
        Files.writeString(own, "not ours");

        channels.serverPath = control;
        channels.listen(control);

        assertTrue(channels.ownsServer());
        assertTrue(connects(control), "bound anew");
        assertEquals("not ours", Files.readString(own), "left where it was");
    }

    @Test
    void aMemberThatEndsAsStandbyRemovesTheSocketItBoundAheadAndBindsNoMore() throws IOException {
        channels.bindAhead(control);

        channels.closeAllButStopRequester();
        channels.bindAhead(control);

        assertFalse(Files.exists(own, LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(control, LinkOption.NOFOLLOW_LINKS));
    }

    private static Object key(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    private static boolean connects(Path p) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return c.connect(UnixDomainSocketAddress.of(p));
        } catch (IOException e) {
            return false;
        }
    }
}
