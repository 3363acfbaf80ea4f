package phoenix.pair;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The pair's directory: owner-only, it holds the heartbeat secret, the checkpoint, the control sockets, the
 * standby lock and the mark a stopped pair leaves. Every file operation that can fail on a user's machine
 * fails here with a message that names the file and what to do.
 */
final class StateDir {
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final String CHECKPOINT_HEADER = "phoenix-checkpoint 1";
    private static final HexFormat HEX = HexFormat.of();
    private static final Pattern CHECKPOINT_NAME = Pattern.compile("checkpoint-(\\d{1,18})");

    private final Path dir;

    private StateDir(Path dir) {
        this.dir = dir;
    }

    /** Opens the directory without creating anything, for the control commands. */
    static StateDir existing(Path dir) {
        return new StateDir(dir);
    }

    /** Creates the directory (owner-only) when missing, and checks that it is private and writable. */
    static StateDir prepare(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Path parent = dir.getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } catch (FileAlreadyExistsException raced) {
                    // Another member created it at the same moment; the checks below apply to it as well.
                }
            }
        } catch (AccessDeniedException e) {
            throw new PairException("cannot create state directory " + dir + ": permission denied on "
                    + e.getFile() + "; choose another with --state-dir");
        } catch (IOException e) {
            throw new PairException("cannot create state directory " + dir + ": " + describe(e)
                    + "; choose another with --state-dir");
        }
        if (!Files.isDirectory(dir)) {
            throw new PairException("state directory " + dir + " exists but is not a directory; choose another with "
                    + "--state-dir");
        }
        StateDir stateDir = new StateDir(dir);
        stateDir.requirePrivate(dir, "chmod 700");
        if (!Files.isWritable(dir)) {
            throw new PairException("state directory " + dir + " is not writable; choose another with --state-dir");
        }
        return stateDir;
    }

    Path path() {
        return dir;
    }

    /**
     * The checkpoint of one epoch. Each primary writes only its own epoch's file, so a fenced primary's late
     * write cannot overwrite a newer primary's record or lower the highest epoch; readers take the newest.
     */
    Path checkpointFile(long epoch) {
        return dir.resolve("checkpoint-" + epoch);
    }

    /** @return the epochs that have a checkpoint file, in ascending order */
    List<Long> checkpointEpochs() {
        List<Long> epochs = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "checkpoint-*")) {
            for (Path f : files) {
                Matcher m = CHECKPOINT_NAME.matcher(f.getFileName().toString());
                if (m.matches()) {
                    epochs.add(Long.parseLong(m.group(1)));
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new PairException("cannot list the checkpoints in " + dir + ": " + e.getMessage());
        }
        Collections.sort(epochs);
        return epochs;
    }

    /** @return the highest epoch any member has claimed, 0 when none has */
    long maxCheckpointEpoch() {
        List<Long> epochs = checkpointEpochs();
        return epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1);
    }

    private void requirePrivate(Path file, String fix) {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (IOException e) {
            throw new PairException("cannot read the permissions of " + file + ": " + describe(e));
        }
        perms.retainAll(GROUP_OR_OTHER);
        if (!perms.isEmpty()) {
            throw new PairException(file + " is open to other users (" + PosixFilePermissions.toString(
                    safePerms(file)) + "); it must be private to its owner: " + fix + " '" + file + "'");
        }
    }

    private static Set<PosixFilePermission> safePerms(Path file) {
        try {
            return Files.getPosixFilePermissions(file);
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** The heartbeat key and pair id, created on first use with owner-only permissions. */
    HeartbeatCodec codec() {
        Path file = dir.resolve("secret");
        try {
            if (!Files.exists(file)) {
                byte[] fresh = new byte[40];
                new SecureRandom().nextBytes(fresh);
                Path tmp = dir.resolve("secret." + ProcessHandle.current().pid() + ".tmp");
                Files.write(tmp, (HEX.formatHex(fresh) + "\n").getBytes(StandardCharsets.US_ASCII),
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                try {
                    // A link fails when another member won the race; then both use the winner's secret.
                    Files.createLink(file, tmp);
                } catch (FileAlreadyExistsException raced) {
                    // The other member's secret stands.
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            requirePrivate(file, "chmod 600");
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            byte[] secret = text.length() == 80 ? HEX.parseHex(text) : null;
            if (secret == null) {
                throw new PairException("secret file " + file + " is damaged; delete it (the pair makes a new one)");
            }
            long pairId = ByteBuffer.wrap(secret, 0, 8).getLong();
            byte[] key = new byte[32];
            System.arraycopy(secret, 8, key, 0, 32);
            return new HeartbeatCodec(pairId, key);
        } catch (IOException e) {
            throw new PairException("cannot use secret file " + file + ": " + describe(e)
                    + "; check the state directory or choose another with --state-dir");
        } catch (IllegalArgumentException e) {
            throw new PairException("secret file " + file + " is damaged; delete it (the pair makes a new one)");
        }
    }

    /**
     * Reads every epoch's checkpoint.
     *
     * @return the newest state among them (the highest count, then the highest epoch), or empty when none
     * @throws PairException when one exists but is empty, torn or corrupt: it is never read as 0
     */
    Optional<PairState> readCheckpoint() {
        PairState newest = null;
        for (long epoch : checkpointEpochs()) {
            Path file = checkpointFile(epoch);
            String text;
            try {
                text = Files.readString(file, StandardCharsets.US_ASCII);
            } catch (NoSuchFileException e) {
                // Removed by the newer primary that superseded it, between the listing and now.
                continue;
            } catch (IOException e) {
                throw corrupt(file, "cannot be read: " + describe(e));
            }
            PairState state = parseCheckpoint(file, text);
            if (state.epoch() != epoch) {
                throw corrupt(file, "holds epoch " + state.epoch() + ", not the " + epoch + " of its name");
            }
            newest = newest == null ? state : PairState.newest(newest, state);
        }
        return Optional.ofNullable(newest);
    }

    static PairState parseCheckpoint(Path file, String text) {
        if (text.isEmpty()) {
            throw corrupt(file, "is empty");
        }
        int crcAt = text.lastIndexOf(" crc32c=");
        if (!text.endsWith("\n") || crcAt < 0) {
            throw corrupt(file, "is torn (no checksum at its end)");
        }
        String body = text.substring(0, crcAt);
        String crcText = text.substring(crcAt + 8, text.length() - 1);
        if (!crcText.equals(crc(body))) {
            throw corrupt(file, "fails its checksum (crc32c " + crcText + ", computed " + crc(body) + ")");
        }
        String[] fields = body.split(" ");
        if (fields.length != 8 || !(fields[0] + " " + fields[1]).equals(CHECKPOINT_HEADER)) {
            throw corrupt(file, "is not a phoenix checkpoint of version 1");
        }
        try {
            long epoch = Long.parseLong(value(fields[2], "epoch"));
            long takeovers = Long.parseLong(value(fields[3], "takeovers"));
            long step = Long.parseLong(value(fields[4], "step"));
            long stepAtTakeover = Long.parseLong(value(fields[5], "stepAtTakeover"));
            int streak = Integer.parseInt(value(fields[6], "streak"));
            byte[] data = HEX.parseHex(value(fields[7], "data"));
            return new PairState(epoch, takeovers, stepAtTakeover, streak, new Snapshot(step, data));
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "has a bad field (" + e.getMessage() + ")");
        }
    }

    private static String value(String field, String key) {
        if (!field.startsWith(key + "=")) {
            throw new IllegalArgumentException("expected " + key + "=, found '" + field + "'");
        }
        return field.substring(key.length() + 1);
    }

    static String formatCheckpoint(PairState s) {
        String body = CHECKPOINT_HEADER + " epoch=" + s.epoch() + " takeovers=" + s.takeovers() + " step="
                + s.snapshot().step() + " stepAtTakeover=" + s.stepAtTakeover() + " streak=" + s.streak() + " data="
                + HEX.formatHex(s.snapshot().dataUnsafe());
        return body + " crc32c=" + crc(body) + "\n";
    }

    private static String crc(String body) {
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.US_ASCII));
        return String.format("%08x", crc.getValue());
    }

    private static PairException corrupt(Path file, String what) {
        return new PairException("checkpoint " + file + " " + what + "; it was not read as 0. Move it away, or "
                + "start with --fresh to count from 1");
    }

    /**
     * Claims an epoch for a member that takes over: creates that epoch's checkpoint, atomically and only if no
     * other member has. Claiming before fencing the old primary and reading the count means that two members
     * can never hold the same epoch, whatever pauses and fails in between.
     *
     * @return false when another member holds the epoch already
     */
    boolean claimEpoch(PairState state) throws IOException {
        Path tmp = writeTemporary(state);
        try {
            Files.createLink(checkpointFile(state.epoch()), tmp);
            return true;
        } catch (FileAlreadyExistsException taken) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Replaces this epoch's checkpoint atomically: a reader sees the old one or the new one, never a mix. Not
     * synced to disk: it survives the death of every member, not a crash of the machine.
     */
    void writeCheckpoint(PairState state) throws IOException {
        Path tmp = writeTemporary(state);
        Files.move(tmp, checkpointFile(state.epoch()), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private Path writeTemporary(PairState state) throws IOException {
        Path tmp = dir.resolve(".checkpoint." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(tmp, formatCheckpoint(state), StandardCharsets.US_ASCII);
        return tmp;
    }

    /** Removes the checkpoints of epochs before {@code epoch}, once that epoch's own is written. */
    void deleteCheckpointsBefore(long epoch) {
        for (long e : checkpointEpochs()) {
            if (e < epoch) {
                try {
                    Files.deleteIfExists(checkpointFile(e));
                } catch (IOException ignored) {
                    // An old file left behind costs a read at the next takeover, nothing else.
                }
            }
        }
    }

    /** Removes every checkpoint: the next primary counts from the beginning. */
    void deleteCheckpoint() {
        for (long e : checkpointEpochs()) {
            try {
                Files.deleteIfExists(checkpointFile(e));
            } catch (IOException ex) {
                throw new PairException("cannot delete checkpoint " + checkpointFile(e) + ": " + describe(ex));
            }
        }
    }

    /** Marks the pair as stopped on purpose, so that a standby spawned just before does not take over. */
    void markStopped() {
        try {
            Files.writeString(dir.resolve("stopped"), ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            throw new PairException("cannot write " + dir.resolve("stopped") + ": " + describe(e));
        }
    }

    boolean isStopped() {
        return Files.exists(dir.resolve("stopped"));
    }

    void clearStopped() {
        try {
            Files.deleteIfExists(dir.resolve("stopped"));
        } catch (IOException e) {
            throw new PairException("cannot delete " + dir.resolve("stopped") + ": " + describe(e));
        }
    }

    /**
     * Takes the standby slot: only one member at a time may be the pair's standby.
     *
     * @return the lock, or empty when another process holds it
     */
    Optional<FileLock> tryLockStandbySlot() {
        Path file = dir.resolve("standby.lock");
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            return Optional.of(lock);
        } catch (IOException e) {
            throw new PairException("cannot lock " + file + ": " + describe(e));
        }
    }

    static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
