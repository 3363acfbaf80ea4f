/**
 * A small library that makes any Java program a process pair: two copies of one program, a primary that
 * works and a standby that takes over when the primary dies, hangs or fails its own acceptance test.
 *
 * <p>The public face is {@link phoenix.pair.ProcessPair} (run a member; ask or stop a running pair),
 * {@link phoenix.pair.PairConfig}, the {@link phoenix.pair.PairTask} a program implements, the
 * {@link phoenix.pair.Snapshot} it replicates, or the {@link phoenix.pair.PairService} an event-driven program
 * implements with its {@link phoenix.pair.Replicator} and {@link phoenix.pair.Replica},
 * {@link phoenix.pair.PairStatus}, {@link phoenix.pair.Ending} and the exceptions. Everything else here is the
 * engine and is package-private.
 *
 * <h2>Roles</h2>
 * Every member starts as the standby ({@code Standby}) and may become the primary ({@code Primary}); the
 * primary keeps one standby alive ({@code StandbyKeeper}). Each role is a state machine stepped by
 * {@code doWork(nowNs)} with the clock read once per pass; {@code StandbyLoop} and {@code PrimaryLoop} run
 * the single-threaded selector loop ({@code Channels}) that feeds them, {@code ControlProtocol} reads and
 * writes the lines on the control sockets, {@code Takeover} carries out the takeover below, and {@code Member}
 * wires the parts. The task's steps run on a thread of their own, so that heartbeats, the watch and the
 * control socket never wait for the program's work; a step that has not returned within the step timeout fails.
 * Signals are routed to the loop, which acts on them by role: a primary hands over and returns from
 * {@code ProcessPair.run}, a standby ignores SIGINT and SIGTERM.
 *
 * <h2>Heartbeats</h2>
 * The primary sends a UDP heartbeat to 127.0.0.1:port after every step and at least every heartbeat
 * interval. It carries the pair id, the epoch, a sequence number, the last completed step with the task's
 * data, the takeover count, the crash-loop record and the base (below), and an HMAC-SHA256 (truncated to 16
 * bytes) keyed by a per-pair secret in the owner-only state directory ({@code HeartbeatCodec} has the layout).
 * The standby accepts a heartbeat only from a newer epoch, or from the same epoch with a higher sequence
 * number. The primary also sends every heartbeat on the watch connection (below), which a flood of the UDP port
 * cannot crowd out; the copy on the other path, and one the network reordered, are ignored; what no healthy pair
 * sends (a heartbeat a second time on one path, an older epoch, a bad MAC, ...) is refused and counted by reason.
 *
 * <h2>Detecting failure</h2>
 * Success is what is detected: a standby that has not accepted a heartbeat for {@code misses} heartbeat
 * intervals takes over. Death is detected faster: the standby holds a Unix-domain "watch" connection to the
 * primary's control socket, and the kernel closes it the moment the primary's process ends, whatever killed
 * it. So a crash is taken over in milliseconds, and the heartbeat timeout only has to catch hangs and pauses;
 * it can be generous, which keeps a busy machine from causing false takeovers.
 *
 * <h2>Takeover and fencing</h2>
 * The checkpoint is one file per epoch, {@code checkpoint-<epoch>}, and each primary writes only its own. The
 * promoted standby stops taking heartbeats and, in this order (the order {@code model/phoenix.pml} proves):
 * <b>claims</b> a new epoch, the higher of its last heartbeat's epoch and the highest checkpoint epoch plus one,
 * by creating that epoch's file, which fails when another member got there first (then it tries the next);
 * <b>fences</b> the old primary, if it is merely silent, with a fence message on the watch connection; and only
 * then <b>reads</b> the state, the newer of its last heartbeat and the checkpoint files. It then listens on the
 * control socket in place of its standby socket, and its first step runs at once; only after that does it free
 * its heartbeat port and the standby slot (held until now, so that no start can claim beside it), spawn its own
 * standby (or wait for its spare, with {@link PairConfig#spare}), remove the files of older epochs and log the
 * takeover. A spare waits on the standby slot before it attaches, holds no state and claims nothing until it holds
 * the slot: from then on it is a spawned standby like any other, so the protocol above does not change. A
 * primary checks before every step that no newer primary exists: a fence message, or after a stall longer than
 * half the takeover timeout, a newer epoch among the checkpoint files. A paused primary that resumes therefore
 * completes at most one more step (the one it had begun before the pause), makes at most one more write, into
 * its own older epoch's file, and ends.
 *
 * <h2>Starts and fresh starts</h2>
 * A start claims an epoch as a takeover does, with nobody to fence. Epochs never repeat for a state
 * directory, {@code --fresh} included. Every checkpoint record also carries a base, the epoch of the last
 * fresh start: readers take the base from the highest epoch's file and the state as the newest over the
 * files whose epoch is at least that base. A fresh start claims the highest epoch plus one with step 0 and
 * that epoch as its base; a normal start keeps the highest file's base; a takeover keeps the base of the run
 * it takes over, which heartbeats and the handshake carry (never below the highest file's base, and a held
 * state of an older run is not resumed from). So the late write of an old primary that was paused across a
 * fresh start lands below the base, and no reader counts it.
 *
 * <h2>Services</h2>
 * A service pair's primary starts its service as its one step ({@code ServiceTask}), from the newest state the
 * standby holds, and never steps again. The service's states go to the standby on the watch connection, framed
 * as a header line {@code STATE <version> <length>} and the raw bytes ({@code StateFrames}; the connection queues
 * what the socket cannot take, so the loop never blocks); the standby applies them in order ({@code
 * ReplicaHolder}) and answers {@code ACKSTATE <version>}. {@code Replication} takes the calls from the service's
 * threads, sends the newest state whenever the one before has left the socket, answers synchronous calls on the
 * acknowledgement and fails them after the attach timeout; a standby that attaches is sent the newest state first
 * and is ready only once it holds it. Heartbeats and the checkpoint carry the version held as their step. The
 * service is stopped before the watch connection closes.
 *
 * <h2>Crash loops</h2>
 * Heartbeats carry the step at the last takeover and how many takeovers in a row made no progress. A new
 * primary in such a streak waits, 100 ms doubling up to 10 s, and for its own standby, before it tries again.
 *
 * <h2>Where epochs and checkpoints are kept</h2>
 * {@code EpochStore} is the seam: {@code StateDir} keeps them in the state directory (the default), {@code
 * ZkEpochStore} in ZooKeeper when the pair names a coordinator ({@link PairConfig.Builder#coordinator}): it is in
 * the phoenix-pair-zk jar, which must then be on the class path with Curator and ZooKeeper's client, and which
 * {@code Coordinators} loads by name, so that the library itself needs neither. With a coordinator a primary
 * holds a {@code SessionLease}, the time until which ZooKeeper cannot have expired its session: it begins no step
 * after that (asked on the loop, and again on the step thread right before the task's step), and ends as fenced
 * when the session is lost or a renewal finds a newer epoch in the fence (a renewal confirms the lease only while
 * the fence holds the primary's epoch). Both stores pass one contract test.
 *
 * <h2>Members on other hosts</h2>
 * With a coordinator and {@link PairConfig.Builder#bind} a start on another host joins the pair as a standby and
 * watches the owner of the newest epoch over TCP ({@code RemoteLink}: a challenge-response on the pair's secret
 * both ways, then the heartbeats, each with its HMAC). A claim of epoch E also makes the ephemeral {@code owners/E}
 * and moves the fence, in one transaction; every checkpoint write checks the fence. When its primary falls silent
 * or closes the connection, such a standby decides ({@code OtherHosts}): it takes over when the owner of the
 * newest epoch has no session any more, or when the owner's host refuses the connection (a member listens at its
 * address before it claims); it watches whoever answers there with a confirmed lease; it waits, asking the
 * coordinator every 50 ms, while the owner answers without a confirmed lease ({@code NOLEASE}) or not at all. A
 * claim that finds an epoch above the one the member saw yields ({@code Takeover.Yielded}) and the member watches
 * the winner. With {@code --bind} a step begins only once the previous one is in the coordinator. The standby on
 * the primary's own host takes over on the kernel's EOF as without a coordinator. {@code model/phoenix.pml -DHOSTS}
 * checks this protocol.
 */
package phoenix.pair;
