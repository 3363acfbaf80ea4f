package phoenix.pair;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import org.slf4j.Logger;

/**
 * The line protocol on the control sockets, both ends of it: what each line means and how it is written.
 *
 * <ul>
 *   <li>A control client (status, stop) sends {@code STATUS} or {@code STOP} to either member; a member answers
 *       {@code key=value} lines ({@link Status}), or {@code STOPPED step=N} once it is done.</li>
 *   <li>A standby attaches with {@code WATCH pid} on the primary's socket; the primary answers
 *       {@code WELCOME seq pid state} (the handshake), {@code BUSY} while it has a standby (a standby holding the
 *       slot asks again for 2 s: the primary has not read the end of the one before yet), or {@code STOP} while the
 *       pair stops. The standby says
 *       {@code READY} when its start-up is done and {@code ACK seq} for the heartbeats it accepted, at most every
 *       250 ms ({@link StandbyKeeper#ACK_INTERVAL_NS}).</li>
 *   <li>A spare ({@link PairConfig#spare}) says {@code SPARE pid} on its standby's socket once it is prepared, and
 *       keeps the connection open while it waits; the standby tells its primary {@code SPARE pid} on the watch
 *       connection (and {@code SPARE 0} when the spare has ended), and sends {@code STOP} to the spare when the
 *       pair is stopped.</li>
 *   <li>The primary sends {@code HB hex} (each heartbeat, also sent on UDP) and {@code STOP} on the watch
 *       connection; a standby that takes over sends {@code FENCE epoch pid} before it closes the connection.</li>
 * </ul>
 *
 * <p>The handlers run on the loop of the member's role ({@link StandbyLoop}, {@link PrimaryLoop}) and hand the
 * meaning over to the role's state machine.
 */
final class ControlProtocol {
    private static final HexFormat HEX = HexFormat.of();
    private static final String STOPPED = "STOPPED step=";

    private final PairConfig config;
    private final long pid;
    private final Channels channels;
    private final Replication replication;
    private final ReplicaHolder holder;

    ControlProtocol(PairConfig config, long pid, Channels channels, Replication replication, ReplicaHolder holder) {
        this.config = config;
        this.pid = pid;
        this.channels = channels;
        this.replication = replication;
        this.holder = holder;
    }

    // ---- the lines, written -----------------------------------------------------------------------------------

    static String watch(long standbyPid) {
        return "WATCH " + standbyPid;
    }

    static String ready() {
        return "READY";
    }

    static String ack(long seq) {
        return "ACK " + seq;
    }

    static String fence(long epoch, long fencerPid) {
        return "FENCE " + epoch + " " + fencerPid;
    }

    static String heartbeat(ByteBuffer encoded) {
        byte[] copy = new byte[encoded.remaining()];
        encoded.duplicate().get(copy);
        return "HB " + HEX.formatHex(copy);
    }

    static String welcome(long seq, long primaryPid, PairState state) {
        return "WELCOME " + seq + " " + primaryPid + " " + StateDir.formatCheckpoint(state).trim();
    }

    static String spare(long sparePid) {
        return "SPARE " + sparePid;
    }

    /** @return the pid in a {@code SPARE pid} line, or -1 when the line is not one */
    static long parseSpare(String line) {
        if (!line.startsWith("SPARE ")) {
            return -1;
        }
        try {
            long pid = Long.parseLong(line.substring(6));
            return pid >= 0 ? pid : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String stop() {
        return "STOP";
    }

    static String stopped(long step) {
        return STOPPED + step;
    }

    /**
     * Reads the last step from the answer to STOP.
     *
     * @param lines the member's answer
     * @return the step it stopped at, or empty when the answer has none
     */
    static OptionalLong parseStopped(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith(STOPPED))
                .mapToLong(l -> Long.parseLong(l.substring(STOPPED.length()))).findFirst();
    }

    // ---- on the standby ---------------------------------------------------------------------------------------

    /** A line from the primary on the watch connection. */
    void onPrimaryMessage(StandbyLoop loop, String line, long now) {
        Standby standby = loop.standby;
        String[] words = line.split(" ", 4);
        switch (words[0]) {
            case "HB":
                try {
                    standby.onHeartbeat(ByteBuffer.wrap(HEX.parseHex(words[1])), Standby.Path.WATCH, now);
                } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
                    Log.LOG.warn("ignored a malformed heartbeat from the primary: {}", e.getMessage());
                }
                break;
            case "WELCOME":
                loop.welcomed();
                // From a primary on another host it proves nothing: that standby takes its state from heartbeats.
                if (words.length == 4 && channels.watch.ownNonce == null) {
                    PairState state = StateDir.parseCheckpoint(config.controlSocket(), words[3] + "\n");
                    standby.onWelcome(state, Long.parseLong(words[1]), Long.parseLong(words[2]), now);
                }
                break;
            case "STATE":
                if (channels.watch.ownNonce != null) {
                    // Not from a primary on another host: a service's states go to its own host's standby only.
                    channels.watch.takeBody();
                    break;
                }
                holder.onState(line, channels.watch.takeBody(), channels.watch);
                break;
            case "BUSY":
                if (channels.watch.ownNonce != null) {
                    // Never sent across hosts: it would end this standby, on a line without the pair's HMAC.
                    break;
                }
                loop.onBusy(now);
                break;
            case "STOP":
                Connection watch = channels.watch;
                if (watch.ownNonce != null && (words.length != 2
                        || !loop.codec().verify(RemoteLink.stopText(watch.ownNonce), words[1]))) {
                    Log.LOG.warn("ignored a STOP from the primary's connection without the pair's HMAC");
                    break;
                }
                standby.onStop(now, "the primary is stopping the pair");
                break;
            default:
                Log.LOG.warn("ignored an unknown message from the primary: {}", line);
                break;
        }
    }

    /** A request from a control client on the standby's socket. */
    void onStandbyRequest(StandbyLoop loop, Connection c, String line, long now) {
        Standby standby = loop.standby;
        switch (line) {
            case "STATUS":
                Status s = new Status();
                s.put("role", "standby").put("pid", pid).put("name", config.name())
                        .put("epoch", standby.last().epoch()).put("step", standby.last().snapshot().step())
                        .put("primaryPid", standby.primaryPid()).put("sparePid", loop.sparePid())
                        .put("rejected", Standby.labels(standby.rejected()));
                channels.reply(c, s.lines());
                break;
            case "STOP":
                standby.onStop(now, "stop requested");
                // Left open until this member has closed everything: the requester waits for that end.
                channels.holdStopRequester(c);
                c.send(stopped(standby.last().snapshot().step()));
                break;
            default:
                long sparePid = parseSpare(line);
                if (sparePid > 0) {
                    loop.onSpare(c, sparePid, now);
                    break;
                }
                channels.reply(c, List.of("ERROR unknown request"));
                break;
        }
    }

    // ---- on the primary ---------------------------------------------------------------------------------------

    /** A line from the standby on the watch connection. */
    void onStandbyMessage(PrimaryLoop loop, String line, long now) {
        String[] words = line.split(" ");
        if (words[0].equals("READY")) {
            // A service's standby is ready once it also holds the newest state.
            if (replication.onReady()) {
                loop.keeper.onReady(now);
            }
        } else if (words[0].equals("ACKSTATE") && StateFrames.parseAck(line) >= 0) {
            if (replication.onAck(StateFrames.parseAck(line))) {
                loop.keeper.onReady(now);
            }
        } else if (words[0].equals("ACK")) {
            loop.keeper.onAck(now);
        } else if (parseSpare(line) >= 0) {
            loop.keeper.onSpare(parseSpare(line));
        } else if (words[0].equals("FENCE") && words.length == 3) {
            loop.primary.onFence(Long.parseLong(words[1]), Long.parseLong(words[2]), now);
        } else {
            Log.LOG.warn("ignored an unknown message from the standby: {}", line);
        }
    }

    /** A request on the primary's socket: from a control client, or a standby that asks to watch. */
    void onPrimaryRequest(PrimaryLoop loop, Connection c, String line, long now) {
        String[] words = line.split(" ");
        switch (words[0]) {
            case "STATUS":
                channels.reply(c, primaryStatus(loop, now).lines());
                break;
            case "STOP":
                loop.beginStop(c, now, Ending.STOPPED);
                break;
            case "WATCH":
                long standbyPid = words.length == 2 ? Long.parseLong(words[1]) : 0;
                if (loop.stopping != null) {
                    // The pair is stopping: a standby that arrives now ends, as the attached one was told to.
                    channels.reply(c, List.of(stop()));
                } else if (channels.watch == null && loop.keeper.onAttached(standbyPid, now)) {
                    c.kind(Connection.Kind.FROM_STANDBY);
                    channels.clients.remove(c);
                    channels.watch = c;
                    c.send(welcome(loop.primary.seq(), pid, replication.stamp(loop.primary.current())));
                    // A service's newest state goes out first: the standby is not ready until it holds it.
                    replication.onAttached(c);
                } else {
                    channels.reply(c, List.of("BUSY"));
                }
                break;
            default:
                channels.reply(c, List.of("ERROR unknown request"));
                break;
        }
    }

    private Status primaryStatus(PrimaryLoop loop, long now) {
        Primary primary = loop.primary;
        StandbyKeeper keeper = loop.keeper;
        PairState s = replication.stamp(primary.current());
        Status status = new Status();
        status.put("role", "primary").put("pid", pid).put("name", config.name()).put("epoch", s.epoch())
                .put("step", s.snapshot().step()).put("takeovers", s.takeovers())
                .put("protected", keeper.isProtected(now)).put("standbyPid", keeper.standbyPid())
                .put("sparePid", keeper.sparePid())
                .put("state", primary.state().name().toLowerCase(Locale.ROOT))
                .put("streak", s.streak()).put("stepAtTakeover", s.stepAtTakeover())
                .put("spawnFailures", keeper.failures()).put("checkpointError", loop.healer.checkpointError());
        if (primary.state() == Primary.State.BACKING_OFF) {
            status.put("backoffLeftMs", Math.max(0, primary.resumeAtNs() - now) / 1_000_000);
        }
        return status;
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(ControlProtocol.class);
    }
}
