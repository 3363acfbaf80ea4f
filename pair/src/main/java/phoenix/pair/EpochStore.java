package phoenix.pair;

import java.io.IOException;
import java.util.Optional;

/**
 * Where a pair keeps its epochs and checkpoints: what a takeover needs to claim, fence and read (the model's
 * PROMOTE, PR1, PR2), and what a primary needs to write and to check that it is still the newest. Two
 * implementations: {@link StateDir}, the local state directory (one file per epoch), the default, and {@code
 * ZkEpochStore}, a path in ZooKeeper ({@code --coordinator zk://...}, in the phoenix-pair-zk jar, loaded by
 * {@link Coordinators} only when a pair names a coordinator). Both are held to the same behaviour by one
 * contract test ({@code EpochStoreContract}).
 *
 * <p>The rules every implementation keeps:
 * <ul>
 *   <li><b>An epoch has one owner.</b> {@link #claimEpoch} creates the epoch's record only if it is absent,
 *       atomically, so that of any number of members that claim one epoch at once exactly one gets true.</li>
 *   <li><b>Epochs never repeat.</b> {@link #maxCheckpointEpoch} never goes down (older epochs are removed only
 *       below one that stays), so the next claim is above every epoch ever claimed.</li>
 *   <li><b>The base.</b> Every record carries the base, the epoch of the last fresh start; readers count only
 *       records of the base's epoch or later, the base being the one the highest epoch's record names.</li>
 *   <li><b>Readers take the newest.</b> {@link #readCheckpoint} returns the highest step among the records
 *       that count (on a tie the highest epoch): a fenced primary's late write never makes it go back.</li>
 * </ul>
 */
interface EpochStore {

    /**
     * Claims {@code state.epoch()} for this member: creates that epoch's record, holding {@code state}, only if
     * no member has. A claim whose answer was lost may say false although it was made: that epoch then has no
     * owner, which is safe (the caller claims the next one).
     *
     * @return false when another member holds the epoch already, or (where the store forgets old epochs) when
     *     it lies below those it has forgotten, or ({@code ZkEpochStore}) when it knows a higher one claimed
     * @throws IOException when the store cannot be written
     */
    boolean claimEpoch(PairState state) throws IOException;

    /** What {@link #claimEpoch(PairState, boolean)} found. */
    enum Claim {
        /** This member owns the epoch now. */
        CLAIMED,
        /** Another member holds the epoch, or a higher one, or it lies below the forgotten ones. */
        TAKEN,
        /** The pair is marked stopped: nothing was claimed, and this member must not take over. */
        STOPPED
    }

    /**
     * Claims like {@link #claimEpoch(PairState)}, and when {@code unlessStopped}, only while the pair is not marked
     * stopped: a standby spawned just before a stop must not take over. This one reads the stop mark first; a store
     * with transactions checks it in the claim's own ({@code ZkEpochStore}: no round trip of its own, and a stop
     * marked after the read cannot slip in between).
     *
     * @return what the claim found
     * @throws IOException when the store cannot be written
     */
    default Claim claimEpoch(PairState state, boolean unlessStopped) throws IOException {
        if (unlessStopped && isStopped()) {
            return Claim.STOPPED;
        }
        return claimEpoch(state) ? Claim.CLAIMED : Claim.TAKEN;
    }

    /**
     * @return the highest epoch any member has claimed, 0 when none has
     * @throws PairException when the store cannot be read
     */
    long maxCheckpointEpoch();

    /**
     * The highest epoch, for a takeover that claims the one above it right after. A store whose claim checks in its
     * own transaction that no claim came since it read the epochs ({@code ZkEpochStore}, by the fence's version)
     * may answer from what it read ahead ({@link #prepareClaim}): a claim that came meanwhile makes the claim fail
     * rather than go below it. Others read now.
     *
     * @throws PairException when the store cannot be read
     */
    default long highestForClaim() {
        return maxCheckpointEpoch();
    }

    /**
     * Reads ahead, while nothing is at stake (a standby's warm-up), what a takeover's claim and read need and what
     * cannot change unnoticed until then; never throws. A store that reads nothing ahead does nothing.
     */
    default void prepareClaim() {
    }

    /** @return the base named by the record of {@code epoch}, or 0 when it cannot be read */
    long baseAt(long epoch);

    /**
     * Reads the records that count: every record of the base's epoch or later, the base being the one the
     * highest epoch's record names.
     *
     * @param takeover whether a member is taking over: a record whose claim is still being written is then
     *     skipped; a start refuses it like any other bad one
     * @return the newest state among them (the highest step, then the highest epoch), or empty when none
     * @throws PairException when a record that counts is empty, torn or corrupt: it is never read as 0
     */
    Optional<PairState> readCheckpoint(boolean takeover);

    /**
     * Reads the records that count, as {@link #readCheckpoint(boolean)} does, after the reader's own claim: the
     * record of {@code own}'s epoch is the one the reader has just written, and a store may take {@code own} for
     * it rather than read it back.
     *
     * @param own the state this reader's claim wrote, whole, or null when it wrote none
     */
    default Optional<PairState> readCheckpoint(boolean takeover, PairState own) {
        return readCheckpoint(takeover);
    }

    /**
     * Writes the checkpoint of the writer's own epoch, {@code state.epoch()}, whole: a reader sees the old one
     * or the new one.
     *
     * @throws StaleEpochException where the store keeps one checkpoint for all epochs and it holds a newer
     *     epoch's: the writer has been fenced, and nothing was written
     * @throws IOException when the store cannot be written
     */
    void writeCheckpoint(PairState state) throws IOException;

    /**
     * Removes the records of epochs before {@code epoch}, once that epoch's own checkpoint is written; failures
     * are left for the next time (an old record costs a read).
     */
    void deleteCheckpointsBefore(long epoch);

    /** Marks the pair as stopped on purpose, so that a standby spawned just before does not take over. */
    void markStopped();

    /** @return whether the pair was stopped on purpose and not started since */
    boolean isStopped();

    /** Removes the stop mark: the pair is started again. */
    void clearStopped();

    /**
     * Makes sure the store belongs to the pair called {@code name}: the first member writes the name, later ones
     * must match it.
     *
     * @throws PairException when the store holds another pair
     */
    void claimName(String name);

    /** @return the name of the pair this store belongs to, when it says */
    Optional<String> pairName();

    /** @return where the store is, for messages: a directory, or ZooKeeper's servers and path */
    String where();

    /** @return where the record of {@code epoch} is, for messages: a file, or a znode */
    String recordOf(long epoch);

    /**
     * @return whether the record of {@code epoch} was written by a member's claim (a file made by hand in a
     *     state directory is not one); a store whose claims are atomic says true
     */
    default boolean isClaim(long epoch) {
        return true;
    }

    /**
     * Puts back what was removed of the store under the running pair (a state directory removed by hand).
     *
     * @return whether anything was put back
     */
    default boolean restore(String name) {
        return false;
    }

    /**
     * Whether this member may act as the primary at {@code nowNs}: a store whose leadership is a lease (a
     * ZooKeeper session that the servers may expire, {@link SessionLease}) says false from before any other
     * member may take over until the lease is confirmed again. A primary begins no step while it is false.
     */
    default boolean mayAct(long nowNs) {
        return true;
    }

    /**
     * @return whether this member's lease is gone for good (its ZooKeeper session expired): another member may
     *     have taken over without this one hearing of it, so a primary ends as fenced
     */
    default boolean leaseLost() {
        return false;
    }

    /**
     * Begins this member's lease as a primary, at a takeover before its claim: from now on the store's answers
     * confirm it (the claim's first), whatever happened to the session while the member was a standby.
     */
    default void beginLease(long nowNs) {
    }

    /**
     * Says who this member is and what it does, for {@link #memberRecords}: a store with sessions keeps the
     * entry while the member's session lives, and writes it again when it changes. Never waits.
     *
     * @param id unique among the pair's members on every host
     * @param data {@code key=value} words, such as {@code pid=123 host=a bind=192.0.2.10 port=24010 role=standby}
     */
    default void announce(String id, String data) {
    }

    /**
     * @return every live member's announced entry by id; empty for a store that keeps none (a state directory)
     * @throws PairException when the store cannot be read
     */
    default java.util.Map<String, String> memberRecords() {
        return java.util.Map.of();
    }

    /**
     * @return the entry ({@code pid=P host=H bind=B ...}) of the member that claimed {@code epoch}, while its
     *     session lives; empty when it has ended (or the store keeps no sessions: a state directory)
     * @throws PairException when the store cannot be read
     */
    default Optional<String> ownerOf(long epoch) {
        return Optional.empty();
    }

    /**
     * Makes sure that the members of the pair on every host hold one secret: the first member with {@code --bind}
     * writes the secret's fingerprint (an HMAC, which tells nothing of the secret), later ones must match it. A
     * store on one host only (a state directory) has nothing to compare.
     *
     * @param fingerprint {@link HeartbeatCodec#sign sign("secret-id")}
     * @param file the secret file this member read, for the message
     * @throws PairException when the store holds another fingerprint
     */
    default void claimSecretId(String fingerprint, java.nio.file.Path file) {
    }

    /** Lets go of the store's connections, when it has any. */
    default void close() {
    }
}
