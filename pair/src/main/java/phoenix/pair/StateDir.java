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
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The pair's directory: owner-only, it holds the heartbeat secret, the checkpoint, the control sockets, the
 * standby lock and the mark a stopped pair leaves. Every file operation that can fail on a user's machine
 * fails here with a message that names the file and what to do.
 */
final class StateDir implements EpochStore {
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final String CHECKPOINT_HEADER_V1 = "phoenix-checkpoint 1";
    private static final String CHECKPOINT_HEADER = "phoenix-checkpoint 2";
    private static final String CHECKPOINT_PREFIX = "checkpoint-";
    /**
     * A member binds its sockets under this prefix and its pid before it renames them to their public names; one
     * killed in between leaves such a file behind ({@link #removeStaleSockets}).
     */
    static final String SOCKET_PREFIX = "sock-";
    /** Ends the own name of a socket a standby binds ahead for its takeover's control socket (see Channels). */
    static final String AHEAD_SUFFIX = "-ahead";
    private static final HexFormat HEX = HexFormat.of();
    /** The one rule for checkpoint names: what {@link #checkpointFile} writes, an epoch from 1 without zeros before. */
    private static final int MAX_EPOCH_DIGITS = 19;
    private static final String NAME_FILE = "pair";

    private final Path dir;
    // The same directory for java.io.File's listing: names alone, no Path per entry (see epochsOnDisk).
    private final java.io.File dirFile;
    // The secret file's text, kept once read, so that a member can put it back if the directory is removed.
    private String secretText;

    private StateDir(Path dir) {
        this.dir = dir;
        this.dirFile = dir.toFile();
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

    @Override
    public String where() {
        return dir.toString();
    }

    /**
     * The checkpoint of one epoch. Each primary writes only its own epoch's file, so a fenced primary's late
     * write cannot overwrite a newer primary's record or lower the highest epoch; readers take the newest.
     */
    Path checkpointFile(long epoch) {
        return dir.resolve(checkpointName(epoch));
    }

    @Override
    public String recordOf(long epoch) {
        return checkpointFile(epoch).toString();
    }

    /** The name of the checkpoint of one epoch, by the one rule {@link #epochOfName} reads. */
    static String checkpointName(long epoch) {
        return CHECKPOINT_PREFIX + epoch;
    }

    /**
     * The epoch a checkpoint file name stands for, by the one rule every reader uses.
     *
     * @return the epoch, or -1 when the name is not one phoenix writes ({@code checkpoint-01}, an epoch past
     *     the largest long, anything else after the prefix)
     */
    static long epochOfName(String fileName) {
        // By hand rather than by a regular expression: a takeover reads every name, and this costs it nothing.
        int from = CHECKPOINT_PREFIX.length();
        int end = fileName.length();
        if (!fileName.startsWith(CHECKPOINT_PREFIX) || end == from || end - from > MAX_EPOCH_DIGITS
                || fileName.charAt(from) == '0') {
            return -1;
        }
        long epoch = 0;
        for (int i = from; i < end; i++) {
            int digit = fileName.charAt(i) - '0';
            if (digit < 0 || digit > 9 || epoch > (Long.MAX_VALUE - digit) / 10) {
                return -1;
            }
            epoch = epoch * 10 + digit;
        }
        return epoch;
    }

    /**
     * @return the epochs that have a checkpoint file, in ascending order; none when the directory is gone.
     *     Files named like a checkpoint that phoenix did not write are left out here; a start refuses them
     *     ({@link #requireKnownNames()}).
     */
    List<Long> checkpointEpochs() {
        List<Long> epochs = new ArrayList<>();
        for (long epoch : epochsOnDisk()) {
            epochs.add(epoch);
        }
        return epochs;
    }

    /**
     * The epochs that have a checkpoint file, in ascending order, as {@link #checkpointEpochs()}: a takeover lists
     * the directory twice (to claim, then to read), so this takes the names as strings from one native call, with
     * no Path, filter or boxed number per entry.
     */
    private long[] epochsOnDisk() {
        String[] names = dirFile.list();
        if (names == null) {
            // Gone (nothing to list) or unreadable: the slower listing says which, and names the error.
            checkpointLike();
            return new long[0];
        }
        long[] epochs = new long[names.length];
        int n = 0;
        for (String name : names) {
            long epoch = epochOfName(name);
            if (epoch > 0) {
                epochs[n++] = epoch;
            }
        }
        epochs = Arrays.copyOf(epochs, n);
        Arrays.sort(epochs);
        return epochs;
    }

    /**
     * The files whose names begin with a prefix. A class, not a lambda: a person's start lists the directory before
     * its first number, and a JVM's first lambda costs it the method-handle machinery's set-up (see NanoClock).
     */
    private static final class Prefixed implements DirectoryStream.Filter<Path> {
        private final String prefix;

        Prefixed(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public boolean accept(Path f) {
            return f.getFileName().toString().startsWith(prefix);
        }
    }

    private List<Path> checkpointLike() {
        List<Path> out = new ArrayList<>();
        // A filter, not a glob: a glob is compiled to a regular expression on every call.
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, new Prefixed(CHECKPOINT_PREFIX))) {
            for (Path f : files) {
                out.add(f);
            }
        } catch (NoSuchFileException gone) {
            // The directory was removed under a running pair: nothing to list; the members put it back.
            return out;
        } catch (IOException e) {
            throw new PairException("cannot list the checkpoints in " + dir + ": " + describe(e));
        }
        return out;
    }

    /**
     * Refuses a directory that holds a file named like a checkpoint that phoenix cannot have written: reading
     * past it would resume from an older step without a word.
     */
    void requireKnownNames() {
        for (Path f : checkpointLike()) {
            if (epochOfName(f.getFileName().toString()) < 0) {
                throw new PairException("file " + f + " is named like a checkpoint but is not one phoenix writes "
                        + "(checkpoint-EPOCH, EPOCH a whole number from 1 to " + Long.MAX_VALUE + " without leading "
                        + "zeros), so the state it may hold would be skipped; rename or move it away");
            }
        }
    }

    /**
     * @return the base named by the checkpoint of {@code epoch}, or 0 when it cannot be read (a takeover then
     *     goes on with the base it holds)
     */
    @Override
    public long baseAt(long epoch) {
        try {
            return parseCheckpoint(checkpointFile(epoch), Files.readString(checkpointFile(epoch),
                    StandardCharsets.US_ASCII)).base();
        } catch (IOException | PairException e) {
            return 0;
        }
    }

    /**
     * @return whether the file of {@code epoch} holds a whole claim or checkpoint that phoenix wrote (a claim's
     *     file is written as it is made: one seen empty is either being written or was not made by phoenix)
     */
    @Override
    public boolean isClaim(long epoch) {
        try {
            parseCheckpoint(checkpointFile(epoch), Files.readString(checkpointFile(epoch), StandardCharsets.US_ASCII));
            return true;
        } catch (IOException | PairException e) {
            return false;
        }
    }

    /** Removes the sockets that members which have ended left under their own names ({@link #SOCKET_PREFIX}). */
    void removeStaleSockets() {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, new Prefixed(SOCKET_PREFIX))) {
            for (Path f : files) {
                String pid = f.getFileName().toString().substring(SOCKET_PREFIX.length());
                if (pid.endsWith(AHEAD_SUFFIX)) {
                    pid = pid.substring(0, pid.length() - AHEAD_SUFFIX.length());
                }
                if (isPid(pid) && !Pids.running(Long.parseLong(pid))) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            // Litter only: a member binds under its own pid, which no running process shares.
        }
    }

    /**
     * Whether {@code text} is 1 to 10 digits, not starting with 0. By hand, not with a regular expression: a start
     * after a SIGKILL finds a stale socket, and a JVM's first pattern costs milliseconds of CPU.
     */
    static boolean isPid(String text) {
        if (text.isEmpty() || text.length() > 10 || text.charAt(0) == '0') {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** @return the highest epoch any member has claimed, 0 when none has */
    @Override
    public long maxCheckpointEpoch() {
        long[] epochs = epochsOnDisk();
        return epochs.length == 0 ? 0 : epochs[epochs.length - 1];
    }

    /**
     * Makes sure this directory belongs to the pair called {@code name}: the first member writes the name, later
     * ones must match it.
     *
     * @throws PairException when the directory holds another pair
     */
    @Override
    public void claimName(String name) {
        Optional<String> held = pairName();
        if (held.isPresent() && !held.get().equals(name)) {
            throw new PairException("state directory " + dir + " holds pair '" + held.get() + "', not '" + name
                    + "'; use --name " + held.get() + ", or choose another --state-dir");
        }
        if (held.isEmpty()) {
            writeQuietly(dir.resolve(NAME_FILE), name + "\n");
        }
    }

    /** @return the name of the pair this directory belongs to, when it says */
    @Override
    public Optional<String> pairName() {
        try {
            String text = Files.readString(dir.resolve(NAME_FILE), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(text);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Puts back what a running member needs of its directory when someone removed it: the directory
     * (owner-only), the secret this member holds, and the pair's name. Nothing that exists is replaced.
     *
     * @return whether anything had to be put back
     */
    @Override
    public boolean restore(String name) {
        boolean restored = false;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
                restored = true;
            }
        } catch (FileAlreadyExistsException raced) {
            // The other member put it back at the same moment.
        } catch (IOException e) {
            return false;
        }
        Path secret = dir.resolve("secret");
        if (secretText != null && !Files.exists(secret)) {
            restored |= writeQuietly(secret, secretText);
        }
        if (!Files.exists(dir.resolve(NAME_FILE))) {
            restored |= writeQuietly(dir.resolve(NAME_FILE), name + "\n");
        }
        return restored;
    }

    /** Writes an owner-only file whole (a temporary file linked into place); false when it exists or fails. */
    private boolean writeQuietly(Path file, String text) {
        Path tmp = dir.resolve("." + file.getFileName() + "." + Pids.self() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.createLink(file, tmp);
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // A stray temporary file costs nothing but its name.
            }
        }
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
        return codec(0);
    }

    /**
     * The pair's heartbeat codec, keyed by its secret; a missing secret is made, after waiting up to
     * {@code waitForSecretMs} for it to appear. A spawned standby waits: its primary holds the secret and puts
     * back a state directory removed under it within a quarter of a second, and a standby with a secret of its
     * own would refuse its primary's heartbeats and take over from a healthy primary (found by an adversarial
     * run that removed the directory again and again).
     */
    HeartbeatCodec codec(long waitForSecretMs) {
        Path file = dir.resolve("secret");
        long until = System.nanoTime() + waitForSecretMs * 1_000_000L;
        while (!Files.exists(file) && System.nanoTime() - until < 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            if (!Files.exists(file)) {
                byte[] fresh = randomBytes(40);
                Path tmp = dir.resolve("secret." + Pids.self() + ".tmp");
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
            secretText = text + "\n";
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
     * {@code n} bytes from the kernel's random generator, {@code /dev/urandom}, which {@code SecureRandom}'s default
     * reads on Linux and macOS as well; {@code SecureRandom} itself where that file cannot be read. Not
     * {@code SecureRandom} first: its first use loads and registers the security providers, tens of milliseconds
     * of a first start where nothing had loaded them yet, for 40 bytes.
     */
    static byte[] randomBytes(int n) {
        byte[] out = new byte[n];
        try (java.io.InputStream in = new java.io.FileInputStream("/dev/urandom")) {
            if (in.readNBytes(out, 0, n) == n) {
                return out;
            }
        } catch (IOException e) {
            // Not there, or not readable: SecureRandom below.
        }
        new SecureRandom().nextBytes(out);
        return out;
    }

    /**
     * Reads the checkpoints that count: the base is the one the highest epoch's file names (the epoch of the
     * last fresh start), and every file of that epoch or later counts; older ones are from before the fresh
     * start, written perhaps by a paused primary that resumed, and are ignored.
     *
     * @return the newest state among them (the highest step, then the highest epoch), or empty when none
     * @throws PairException when one that counts is empty, torn or corrupt: it is never read as 0
     */
    Optional<PairState> readCheckpoint() {
        return readCheckpoint(false);
    }

    /**
     * Reads the checkpoints that count, as {@link #readCheckpoint()} does; at a takeover, a file that is empty or
     * ends without its newline is a claim whose content is still being written ({@link #claimEpoch}): it is
     * skipped rather than refused, since what it will hold is a member's copy of steps the older files hold.
     *
     * @param takeover whether a member is taking over; a start refuses such a file like any other bad one
     */
    @Override
    public Optional<PairState> readCheckpoint(boolean takeover) {
        return readCheckpoint(takeover, null);
    }

    /**
     * Reads the checkpoints that count, taking {@code own} for its epoch's file: that file is the claim its
     * reader has just written, {@code own} whole (a takeover's read after its claim: one file read and parsed
     * fewer, about 0.3 ms of a takeover on JDK 17).
     */
    @Override
    public Optional<PairState> readCheckpoint(boolean takeover, PairState own) {
        long[] epochs = epochsOnDisk();
        PairState newest = null;
        long base = 0;
        for (int i = epochs.length - 1; i >= 0; i--) {
            long epoch = epochs[i];
            if (epoch < base) {
                break;
            }
            if (own != null && epoch == own.epoch()) {
                if (newest == null) {
                    base = own.base();
                }
                newest = newest == null ? own : PairState.newest(newest, own);
                continue;
            }
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
            if (takeover && (text.isEmpty() || !text.endsWith("\n"))) {
                continue;
            }
            PairState state = parseCheckpoint(file, text);
            if (state.epoch() != epoch) {
                throw corrupt(file, "holds epoch " + state.epoch() + ", not the " + epoch + " of its name");
            }
            if (newest == null) {
                base = state.base();
            }
            newest = newest == null ? state : PairState.newest(newest, state);
        }
        // Every file that counts was written after the last fresh start, so it carries that start's base; say so
        // all the same, in case an older format's file is the newest.
        if (newest == null) {
            return Optional.empty();
        }
        return Optional.of(newest.base() == base ? newest : new PairState(newest.epoch(), newest.takeovers(),
                newest.stepAtTakeover(), newest.streak(), newest.snapshot(), base));
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
        String header = fields.length > 1 ? fields[0] + " " + fields[1] : "";
        boolean v1 = fields.length == 8 && header.equals(CHECKPOINT_HEADER_V1);
        if (!v1 && !(fields.length == 9 && header.equals(CHECKPOINT_HEADER))) {
            throw corrupt(file, "is not a phoenix checkpoint of version 1 or 2");
        }
        try {
            long epoch = Long.parseLong(value(fields[2], "epoch"));
            long takeovers = Long.parseLong(value(fields[3], "takeovers"));
            long step = Long.parseLong(value(fields[4], "step"));
            long stepAtTakeover = Long.parseLong(value(fields[5], "stepAtTakeover"));
            int streak = Integer.parseInt(value(fields[6], "streak"));
            byte[] data = HEX.parseHex(value(fields[7], "data"));
            long base = v1 ? 0 : Long.parseLong(value(fields[8], "base"));
            if (epoch < 0 || base < 0 || base > epoch) {
                throw new IllegalArgumentException("epoch " + epoch + " and base " + base + " do not fit");
            }
            return new PairState(epoch, takeovers, stepAtTakeover, streak, new Snapshot(step, data), base);
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
                + HEX.formatHex(s.snapshot().dataUnsafe()) + " base=" + s.base();
        return body + " crc32c=" + crc(body) + "\n";
    }

    private static String crc(String body) {
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.US_ASCII));
        // Not String.format: its formatter costs a takeover's first read a millisecond in a young JVM.
        String hex = Long.toHexString(crc.getValue());
        return "00000000".substring(hex.length()) + hex;
    }

    private static PairException corrupt(Path file, String what) {
        return new PairException("checkpoint " + file + " " + what + "; it was not read as 0. Move it away, or "
                + "start with --fresh to begin again at step 1");
    }

    /**
     * Claims an epoch for a member that takes over: creates that epoch's checkpoint, atomically and only if no
     * other member has. Claiming before fencing the old primary and reading the state means that two members
     * can never hold the same epoch, whatever pauses and fails in between. The claim is one system call, an
     * open that creates the file only if it does not exist (O_CREAT|O_EXCL); its content is written right after,
     * and a takeover that reads the file before it is complete skips it ({@link #readCheckpoint(boolean)}).
     *
     * @return false when another member holds the epoch already
     */
    @Override
    public boolean claimEpoch(PairState state) throws IOException {
        ByteBuffer text = ByteBuffer.wrap(formatCheckpoint(state).getBytes(StandardCharsets.US_ASCII));
        FileChannel claimed;
        try {
            claimed = FileChannel.open(checkpointFile(state.epoch()), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException taken) {
            return false;
        }
        try (claimed) {
            while (text.hasRemaining()) {
                claimed.write(text);
            }
        }
        return true;
    }

    /**
     * Replaces this epoch's checkpoint atomically: a reader sees the old one or the new one, never a mix. Not
     * synced to disk: it survives the death of every member, not a crash of the machine.
     */
    @Override
    public void writeCheckpoint(PairState state) throws IOException {
        Path tmp = writeTemporary(state);
        Files.move(tmp, checkpointFile(state.epoch()), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private Path writeTemporary(PairState state) throws IOException {
        Path tmp = dir.resolve(".checkpoint." + Pids.self() + ".tmp");
        Files.writeString(tmp, formatCheckpoint(state), StandardCharsets.US_ASCII);
        return tmp;
    }

    /** Removes the checkpoints of epochs before {@code epoch}, once that epoch's own is written. */
    @Override
    public void deleteCheckpointsBefore(long epoch) {
        for (long e : epochsOnDisk()) {
            if (e < epoch) {
                try {
                    Files.deleteIfExists(checkpointFile(e));
                } catch (IOException ignored) {
                    // An old file left behind costs a read at the next takeover, nothing else.
                }
            }
        }
    }

    /** Marks the pair as stopped on purpose, so that a standby spawned just before does not take over. */
    @Override
    public void markStopped() {
        try {
            Files.writeString(dir.resolve("stopped"), Pids.self() + "\n");
        } catch (IOException e) {
            throw new PairException("cannot write " + dir.resolve("stopped") + ": " + describe(e));
        }
    }

    @Override
    public boolean isStopped() {
        return Files.exists(dir.resolve("stopped"));
    }

    @Override
    public void clearStopped() {
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

    /**
     * A lock on the standby slot's file and that file's identity (device and inode, {@code fileKey}), read as it
     * was taken: the identity tells, later, whether the directory still has that file, without opening the file
     * again (closing any second channel on a file drops every lock this process holds on it: POSIX locks).
     *
     * @param lock the lock, or null when the file was replaced while the wait went on (then wait again)
     * @param key the file's identity; null when it could not be read
     */
    record Slot(FileLock lock, Object key) {
    }

    /** @return the identity of the standby slot's file now in the directory, or null when there is none */
    Object slotFileKey() {
        try {
            return Files.readAttributes(dir.resolve("standby.lock"), java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Waits for the standby slot (a spare's wait: the slot is freed as its standby takes over, or by the kernel as
     * the standby's process ends). Interrupting the waiting thread ends the wait.
     *
     * @return the slot (its lock null when the directory's file was replaced while this waited: wait again), or
     *     empty when the wait was interrupted or the channel closed under it
     */
    Optional<Slot> lockStandbySlot() {
        Path file = dir.resolve("standby.lock");
        FileChannel channel;
        // Read before the open: a file that is the directory's before the open and after the lock is the one locked.
        Object before = slotFileKey();
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (before == null) {
                // Made by this open (or just now by another): its identity from here on.
                before = slotFileKey();
            }
        } catch (IOException e) {
            throw new PairException("cannot lock " + file + ": " + describe(e));
        }
        try {
            FileLock lock = channel.lock();
            Object after = slotFileKey();
            if (before == null || !before.equals(after)) {
                // The directory was replaced meanwhile: this lock is on a file that is no longer the slot.
                channel.close();
                return Optional.of(new Slot(null, after));
            }
            return Optional.of(new Slot(lock, after));
        } catch (java.nio.channels.ClosedChannelException | java.nio.channels.FileLockInterruptionException e) {
            return Optional.empty();
        } catch (IOException e) {
            closeQuietly(channel);
            throw new PairException("cannot lock " + file + ": " + describe(e));
        }
    }

    /**
     * The lock on the standby slot as the directory has it now, given one this process holds on the file of
     * identity {@code heldKey}: the same when that file is still the directory's; a lock on the file now there
     * when the directory was replaced (the one held is then given up, after the new one is held, so that a member
     * waiting for the slot is not handed it in between); empty when another process holds the file now there
     * (the one held is kept: the caller decides). The file held is never opened again (see {@link Slot}).
     */
    Optional<Slot> currentStandbySlot(FileLock held, Object heldKey) {
        Object now = slotFileKey();
        if (heldKey == null || now != null && now.equals(heldKey)) {
            // The same file, or one whose identity is unknown: never opened a second time.
            return Optional.of(new Slot(held, heldKey));
        }
        Path file = dir.resolve("standby.lock");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            try {
                held.channel().close();
            } catch (IOException e) {
                // The old file's lock goes with its channel all the same.
            }
            return Optional.of(new Slot(lock, slotFileKey()));
        } catch (java.nio.channels.OverlappingFileLockException same) {
            // The very file held after all (replaced and put back between two reads of its identity): this second
            // channel must stay open, since closing it would drop the lock held through the first.
            KEPT_OPEN.add(channel);
            return Optional.of(new Slot(held, now));
        } catch (IOException e) {
            closeQuietly(channel);
            throw new PairException("cannot lock " + file + ": " + describe(e));
        }
    }

    /** Channels on a locked file that must never be closed before the process ends (see currentStandbySlot). */
    private static final List<FileChannel> KEPT_OPEN = java.util.Collections.synchronizedList(new ArrayList<>());

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing held on it.
            }
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
