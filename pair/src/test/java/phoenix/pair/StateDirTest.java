package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StateDirTest {
    private static final PairState STATE = new PairState(7, 6, 40, 2, new Snapshot(42, new byte[] {0, 1, -1, 127}));

    @TempDir
    Path tmp;

    private Path file() {
        return tmp.resolve("checkpoint");
    }

    private static String withCrc(String body) {
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.US_ASCII));
        return body + " crc32c=" + String.format("%08x", crc.getValue()) + "\n";
    }

    /** Asserts that the checkpoint text is refused with a message that names the file and the way out. */
    private PairException assertRefused(String text, String why) {
        PairException e = assertThrows(PairException.class, () -> StateDir.parseCheckpoint(file(), text),
                () -> "accepted: " + text);
        assertTrue(e.getMessage().contains(file().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("--fresh"), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        return e;
    }

    // ---- the checkpoint -----------------------------------------------------------------------------------

    @Test
    void parsesWhatItFormats() {
        String text = StateDir.formatCheckpoint(STATE);

        assertEquals(STATE, StateDir.parseCheckpoint(file(), text));
        assertTrue(text.endsWith("\n"));
        assertEquals(1, text.lines().count(), text);
    }

    @Test
    void parsesWhatItFormatsAtTheExtremes() {
        byte[] data = new byte[Snapshot.MAX_DATA_BYTES];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        for (PairState s : List.of(PairState.NONE, new PairState(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 1,
                Integer.MAX_VALUE, new Snapshot(Long.MAX_VALUE, data)))) {
            assertEquals(s, StateDir.parseCheckpoint(file(), StateDir.formatCheckpoint(s)));
        }
    }

    @Test
    void refusesAnEmptyCheckpoint() {
        assertRefused("", "is empty");
    }

    @Test
    void refusesACheckpointWithoutItsTrailingNewline() {
        String text = StateDir.formatCheckpoint(STATE);

        assertRefused(text.substring(0, text.length() - 1), "is torn");
    }

    @Test
    void refusesEveryTruncatedCheckpoint() {
        String text = StateDir.formatCheckpoint(STATE);
        for (int length = 1; length < text.length(); length++) {
            assertRefused(text.substring(0, length), "");
        }
    }

    @Test
    void refusesACheckpointWithOneDigitChanged() {
        String text = StateDir.formatCheckpoint(STATE);

        assertRefused(text.replace(" step=42 ", " step=43 "), "fails its checksum");
    }

    @Test
    void refusesACheckpointWithAnotherHeader() {
        String body = StateDir.formatCheckpoint(STATE).split(" crc32c=")[0];

        assertRefused(withCrc(body.replace("phoenix-checkpoint 2", "phoenix-checkpoint 3")),
                "is not a phoenix checkpoint of version 1 or 2");
        assertRefused(withCrc(body + " extra=1"), "is not a phoenix checkpoint of version 1 or 2");
    }

    @Test
    void readsACheckpointOfVersionOneAsCountingFromTheStart() {
        String v1 = "phoenix-checkpoint 1 epoch=7 takeovers=6 step=42 stepAtTakeover=40 streak=2 data=0001";

        PairState read = StateDir.parseCheckpoint(file(), withCrc(v1));

        assertEquals(new PairState(7, 6, 40, 2, new Snapshot(42, new byte[] {0, 1}), 0), read);
    }

    @ParameterizedTest
    @CsvSource({"step=42, step=x4", "step=42, step=-1", "streak=2, streak=2.5", "data=0001ff7f, data=0g",
        "data=0001ff7f, data=abc", "epoch=7, epoch=", "takeovers=6, takeover=6"})
    void refusesACheckpointWithABadFieldEvenUnderAGoodChecksum(String field, String bad) {
        String body = StateDir.formatCheckpoint(STATE).split(" crc32c=")[0];
        assertTrue(body.contains(" " + field + " ") || body.endsWith(" " + field), body);

        assertRefused(withCrc(body.replace(" " + field, " " + bad)), "has a bad field");
    }

    @Test
    void hasNoCheckpointBeforeTheFirstWrite() {
        assertEquals(Optional.empty(), StateDir.prepare(tmp.resolve("pair")).readCheckpoint());
    }

    @Test
    void readsTheCheckpointItWrote() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        dir.writeCheckpoint(STATE);
        PairState next = STATE.withSnapshot(Snapshot.ofStep(43));
        dir.writeCheckpoint(next);

        assertEquals(Optional.of(next), dir.readCheckpoint());
        try (Stream<Path> files = Files.list(dir.path())) {
            assertEquals(List.of(dir.checkpointFile(STATE.epoch())), files.toList(),
                    "no temporary file is left behind");
        }
    }

    @Test
    void refusesToReadAnEmptyCheckpointFileAsZero() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        Files.writeString(dir.checkpointFile(3), "");

        PairException e = assertThrows(PairException.class, dir::readCheckpoint);

        assertTrue(e.getMessage().contains(dir.checkpointFile(3).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("--fresh"), e.getMessage());
    }

    @Test
    void aTakeoverSkipsAClaimWhoseContentIsNotWrittenYetAndAStartRefusesIt() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        dir.writeCheckpoint(STATE);
        // Epoch 8 claimed by its open, its text not yet written; then one torn halfway.
        Files.writeString(dir.checkpointFile(8), "");

        assertEquals(Optional.of(STATE), dir.readCheckpoint(true));
        assertThrows(PairException.class, dir::readCheckpoint);
        Files.writeString(dir.checkpointFile(8), StateDir.formatCheckpoint(STATE.withEpoch(8)).substring(0, 30));
        assertEquals(Optional.of(STATE), dir.readCheckpoint(true));
        assertThrows(PairException.class, dir::readCheckpoint);
    }

    @Test
    void aReadAfterItsOwnClaimTakesThatClaimFromMemoryAndReadsWhatTheFileWouldSay() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        dir.writeCheckpoint(STATE);
        PairState claimed = STATE.withEpoch(8);
        assertTrue(dir.claimEpoch(claimed));

        assertEquals(dir.readCheckpoint(true), dir.readCheckpoint(true, claimed), "what reading the claim back gives");
        assertEquals(dir.readCheckpoint(false), dir.readCheckpoint(false, claimed));
        // Its file is not read at all: what it says no longer matters to that read (only a takeover of a later epoch
        // reads it, and skips it as a claim still being written).
        Files.writeString(dir.checkpointFile(8), "torn");
        assertEquals(Optional.of(claimed), dir.readCheckpoint(true, claimed));
        assertEquals(Optional.of(STATE), dir.readCheckpoint(true));
    }

    @Test
    void anEpochCanBeClaimedOnlyOnce() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));

        assertTrue(dir.claimEpoch(STATE));
        assertFalse(dir.claimEpoch(STATE.withSnapshot(Snapshot.ofStep(99))), "a second claim of epoch 7 fails");

        assertEquals(Optional.of(STATE), dir.readCheckpoint(), "the first claim's state stands");
        assertEquals(7, dir.maxCheckpointEpoch());
    }

    @Test
    void aFencedPrimarysLateWriteNeitherLowersTheEpochNorHidesTheNewerCount() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        PairState newer = new PairState(8, 7, 42, 0, Snapshot.ofStep(60));
        dir.writeCheckpoint(newer);

        dir.writeCheckpoint(STATE.withSnapshot(Snapshot.ofStep(43)));

        assertEquals(8, dir.maxCheckpointEpoch());
        assertEquals(Optional.of(newer), dir.readCheckpoint());
    }

    @Test
    void readsTheHighestCountAcrossEpochsAndRemovesOlderOnes() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        dir.writeCheckpoint(STATE);
        PairState newer = new PairState(9, 7, 42, 0, Snapshot.ofStep(42));
        dir.writeCheckpoint(newer);

        assertEquals(Optional.of(newer), dir.readCheckpoint(), "same count: the later epoch");
        dir.deleteCheckpointsBefore(9);
        assertEquals(List.of(9L), dir.checkpointEpochs());
    }

    @Test
    void refusesACheckpointWhoseNameAndEpochDisagree() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        Files.writeString(dir.checkpointFile(3), StateDir.formatCheckpoint(STATE));

        PairException e = assertThrows(PairException.class, dir::readCheckpoint);

        assertTrue(e.getMessage().contains("not the 3 of its name"), e.getMessage());
    }

    @Test
    void aFreshStartsBaseHidesEveryOlderEpochEvenALateWriteOfAHigherCount() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        dir.writeCheckpoint(new PairState(2, 1, 5, 0, Snapshot.ofStep(17)));
        PairState fresh = PairState.NONE.started(3, true);
        assertTrue(dir.claimEpoch(fresh));
        dir.writeCheckpoint(fresh.withSnapshot(Snapshot.ofStep(4)));

        // The paused primary of epoch 2 resumes and makes its one late write.
        dir.writeCheckpoint(new PairState(2, 1, 5, 0, Snapshot.ofStep(18)));

        assertEquals(Optional.of(fresh.withSnapshot(Snapshot.ofStep(4))), dir.readCheckpoint());
        PairState takeover = fresh.withSnapshot(Snapshot.ofStep(4)).promoted(4);
        dir.writeCheckpoint(takeover.withSnapshot(Snapshot.ofStep(5)));
        dir.deleteCheckpointsBefore(4);
        dir.writeCheckpoint(new PairState(2, 1, 5, 0, Snapshot.ofStep(19)));
        assertEquals(5, dir.readCheckpoint().orElseThrow().snapshot().step(),
                "the base travels with every later epoch, after the fresh start's own file is gone");
        assertEquals(3, dir.readCheckpoint().orElseThrow().base());
    }

    @ParameterizedTest
    @CsvSource({"checkpoint-1,1", "checkpoint-9223372036854775807,9223372036854775807",
        "checkpoint-1000000000000000000,1000000000000000000", "checkpoint-01,-1", "checkpoint-0,-1",
        "checkpoint-9223372036854775808,-1", "checkpoint-,-1", "checkpoint-1a,-1", "checkpoint--1,-1"})
    void readsEveryCheckpointNameItWritesByOneRule(String name, long epoch) {
        assertEquals(epoch, StateDir.epochOfName(name));
        if (epoch > 0) {
            assertEquals(name, StateDir.existing(tmp).checkpointFile(epoch).getFileName().toString());
        }
    }

    @Test
    void refusesAFileNamedLikeACheckpointThatItDidNotWrite() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        dir.writeCheckpoint(STATE);
        dir.requireKnownNames();
        Files.writeString(dir.path().resolve("checkpoint-007"), StateDir.formatCheckpoint(STATE));

        PairException e = assertThrows(PairException.class, dir::requireKnownNames);

        assertTrue(e.getMessage().contains("checkpoint-007") && e.getMessage().contains("rename or move it away"),
                e.getMessage());
        assertEquals(List.of(7L), dir.checkpointEpochs(), "a running member reads past it, and does not die");
    }

    @Test
    void aRemovedDirectoryIsPutBackWithTheSameSecretAndName() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        dir.claimName("orders");
        HeartbeatCodec before = dir.codec();
        try (Stream<Path> files = Files.list(dir.path())) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir.path());

        assertTrue(dir.restore("orders"));

        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.path())));
        assertEquals(before.pairId(), dir.codec().pairId(), "the same secret");
        assertEquals(Optional.of("orders"), dir.pairName());
        assertFalse(dir.restore("orders"), "nothing to put back twice");
        assertEquals(List.of(), dir.checkpointEpochs());
    }

    @Test
    void aDirectoryOfOnePairIsRefusedToAnother() {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        dir.claimName("orders");
        dir.claimName("orders");

        PairException e = assertThrows(PairException.class, () -> dir.claimName("invoices"));

        assertTrue(e.getMessage().contains("holds pair 'orders', not 'invoices'; use --name orders"), e.getMessage());
    }

    @Test
    void aRemovedDirectoryListsNoCheckpointsInsteadOfFailing() {
        assertEquals(List.of(), StateDir.existing(tmp.resolve("gone")).checkpointEpochs());
        assertEquals(0, StateDir.existing(tmp.resolve("gone")).maxCheckpointEpoch());
    }

    // ---- the directory and the secret -----------------------------------------------------------------------

    @Test
    void preparesAnOwnerOnlyDirectoryAndItsParents() throws IOException {
        Path dir = tmp.resolve("a").resolve("b").resolve("pair");

        StateDir.prepare(dir);

        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    }

    @Test
    void acceptsAnExistingOwnerOnlyDirectory() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("pair"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));

        assertEquals(dir, StateDir.prepare(dir).path());
    }

    @Test
    void refusesADirectoryOpenToOthers() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("pair"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        PairException e = assertThrows(PairException.class, () -> StateDir.prepare(dir));

        assertTrue(e.getMessage().contains("chmod 700 '" + dir + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("rwxr-xr-x"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-------", "rwx------", "rw-r--r--"})
    void refusesAStateDirectoryThatIsAFile(String mode) throws IOException {
        // An owner-only file once passed for a directory: its FileAlreadyExistsException was taken for a race.
        Path file = Files.writeString(tmp.resolve("pair"), "not a directory");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));

        PairException e = assertThrows(PairException.class, () -> StateDir.prepare(file));

        assertTrue(e.getMessage().contains(file + " exists but is not a directory"), e.getMessage());
        assertTrue(e.getMessage().contains("--state-dir"), e.getMessage());
    }

    @Test
    void refusesAStateDirectoryUnderAFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "not a directory");
        Path dir = file.resolve("pair");

        PairException e = assertThrows(PairException.class, () -> StateDir.prepare(dir));

        assertTrue(e.getMessage().contains("cannot create state directory " + dir), e.getMessage());
        assertTrue(e.getMessage().contains("--state-dir"), e.getMessage());
    }

    @Test
    void createsAnOwnerOnlySecretOnceAndKeepsUsingIt() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        HeartbeatCodec first = dir.codec();
        Path secret = dir.path().resolve("secret");

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
        HeartbeatCodec second = StateDir.existing(dir.path()).codec();
        assertEquals(first.pairId(), second.pairId());
        ByteBuffer out = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES);
        first.encode(1, 1, new PairState(1, 0, -1, 0, Snapshot.ofStep(3)), out);
        assertInstanceOf(Heartbeat.class, second.decode(out), "the two codecs share the key");
    }

    @Test
    void twoPairsGetDifferentSecrets() {
        HeartbeatCodec a = StateDir.prepare(tmp.resolve("a")).codec();
        HeartbeatCodec b = StateDir.prepare(tmp.resolve("b")).codec();

        ByteBuffer out = ByteBuffer.allocate(HeartbeatCodec.MAX_BYTES);
        a.encode(1, 1, new PairState(1, 0, -1, 0, Snapshot.ofStep(3)), out);
        assertInstanceOf(Rejection.class, b.decode(out));
    }

    @Test
    void refusesASecretOpenToOthers() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        dir.codec();
        Path secret = dir.path().resolve("secret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));

        PairException e = assertThrows(PairException.class, dir::codec);

        assertTrue(e.getMessage().contains("chmod 600 '" + secret + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc\n", "zz"})
    void refusesADamagedSecret(String text) throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        Path secret = dir.path().resolve("secret");
        Files.writeString(secret, text.equals("zz") ? "zz".repeat(40) : text);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));

        PairException e = assertThrows(PairException.class, dir::codec);

        assertTrue(e.getMessage().contains("secret file " + secret + " is damaged"), e.getMessage());
    }

    @Test
    void remembersThatThePairWasStopped() {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        assertFalse(dir.isStopped());

        dir.markStopped();
        assertTrue(dir.isStopped());

        dir.clearStopped();
        assertFalse(dir.isStopped());
    }

    @Test
    void socketsLeftUnderTheOwnNamesOfEndedMembersAreRemovedAndLiveOnesKept() throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("pair"));
        long live = ProcessHandle.current().pid();
        // A pid above the kernel's pid_max: no process has it.
        long ended = 9_999_999_999L;
        for (String name : List.of("sock-" + ended, "sock-" + ended + StateDir.AHEAD_SUFFIX, "sock-" + live,
                "sock-" + live + StateDir.AHEAD_SUFFIX, "sock-x")) {
            Files.writeString(dir.path().resolve(name), "");
        }

        dir.removeStaleSockets();

        assertFalse(Files.exists(dir.path().resolve("sock-" + ended)));
        assertFalse(Files.exists(dir.path().resolve("sock-" + ended + StateDir.AHEAD_SUFFIX)));
        assertTrue(Files.exists(dir.path().resolve("sock-" + live)));
        assertTrue(Files.exists(dir.path().resolve("sock-" + live + StateDir.AHEAD_SUFFIX)));
        assertTrue(Files.exists(dir.path().resolve("sock-x")), "not a member's name: not ours to remove");
    }

    // ---- the sockets members leave ------------------------------------------------------------------------

    @Test
    void aPidInASocketsNameIsOneToTenDigitsNotStartingWithZero() {
        for (String pid : new String[] {"1", "4242", "9999999999"}) {
            assertTrue(StateDir.isPid(pid), pid);
        }
        for (String text : new String[] {"", "0", "042", "12345678901", "12a", "-1", "+1", "\u0661", "1 "}) {
            assertFalse(StateDir.isPid(text), text);
        }
    }

    @Test
    void theStandbySlotIsKeptWhileItsFileIsTheDirectorysAndMovesToANewFileWithoutAGap(@TempDir Path tmp)
            throws IOException {
        StateDir dir = StateDir.prepare(tmp.resolve("state"));
        java.nio.channels.FileLock held = dir.tryLockStandbySlot().orElseThrow();
        Object key = dir.slotFileKey();

        StateDir.Slot same = dir.currentStandbySlot(held, key).orElseThrow();
        assertTrue(same.lock() == held, "the same file: the same lock");
        assertTrue(held.isValid(), "and it is still held");
        // Still held in the kernel too: another process's lock on the file is refused (not a second channel of
        // this JVM, which would throw, and whose close would drop the lock).
        org.junit.jupiter.api.Assumptions.assumeTrue(java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "")
                .split(java.io.File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, "python3"))),
                "python3 probes the kernel's lock from another process");
        Process probe = new ProcessBuilder("python3", "-c", "import fcntl,sys\nf=open(sys.argv[1],'w')\n"
                + "try:\n fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB); print('free')\nexcept OSError: print('held')",
                tmp.resolve("state").resolve("standby.lock").toString()).redirectErrorStream(true).start();
        assertEquals("held", new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());

        // The directory replaced under the pair: a new lock file, whose lock is taken before the old one goes.
        Files.move(tmp.resolve("state"), tmp.resolve("moved"));
        StateDir again = StateDir.prepare(tmp.resolve("state"));
        StateDir.Slot fresh = again.currentStandbySlot(held, key).orElseThrow();
        assertTrue(fresh.lock() != held && fresh.lock().isValid(), "a lock on the new file");
        assertFalse(held.isValid(), "the old file's lock given up");
        assertEquals(again.slotFileKey(), fresh.key());
        fresh.lock().channel().close();
    }
}
