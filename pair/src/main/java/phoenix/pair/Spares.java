package phoenix.pair;

import java.util.Map;
import org.slf4j.Logger;

/**
 * The standby's side of a spare ({@link PairConfig#spare}): it spawns the spare once it is ready itself, keeps one
 * (a spare that ends is spawned again, with the keeper's backoff), tells its primary which pid the spare has (the
 * primary's keeper then waits for it rather than spawning, should this standby end), and ends it when the pair is
 * stopped. The spare connects to this standby's socket and says {@code SPARE pid} once it is prepared; the
 * connection stays open while it waits, so that its end is the spare's end.
 */
final class Spares {
    /** How long a stopping standby waits for its spare to end before it kills it. */
    private static final long STOP_WAIT_NS = 2_000_000_000L;

    private final Member m;
    private StandbyKeeper keeper;
    /** The spare's connection, from its {@code SPARE pid} on; null while no spare is prepared. */
    Connection connection;
    long pid;
    /** The spare's process, looked up as it registered (see {@link StandbyKeeper.Existing}). */
    private StandbyKeeper.Spawned handle;

    Spares(Member m) {
        this.m = m;
    }

    /** Whether this standby keeps a spare now: it is ready, watches a primary of its own host, and was asked to. */
    private boolean wanted() {
        PairConfig config = m.config;
        return config.spare() && m.warmedUp && !m.multiHost() && m.watchedLocally && m.channels.watch != null;
    }

    /** One pass of the standby's loop: spawns the spare when one is due. */
    void doWork(long now) {
        if (!wanted()) {
            return;
        }
        if (keeper == null) {
            PairConfig config = m.config;
            String marker = m.pid + ":" + config.name();
            Spawners spawners = new Spawners(config.standbyCommand(), config.windowLabel() + " spare",
                    Spawners.resolve(config.terminal(), System.getenv()),
                    Map.of(PairConfig.SPAWNED_BY_ENV, marker, PairConfig.SPARE_OF_ENV, marker), "spare");
            keeper = StandbyKeeper.forSpare(spawners, now);
        }
        if (connection != null) {
            keeper.onAck(now);
        }
        keeper.doWork(now);
    }

    /** @return whether this standby has a spare, prepared or still starting */
    boolean exists() {
        return connection != null || keeper != null && keeper.pending() != null;
    }

    /** A spare said it is prepared, on {@code c}. */
    void onRegistered(Connection c, long sparePid, long now) {
        if (connection != null || keeper == null || !keeper.onAttached(sparePid, now)) {
            // Not one this standby spawned, or a second: it is not needed.
            m.channels.reply(c, java.util.List.of("BUSY"));
            return;
        }
        m.channels.clients.remove(c);
        c.kind(Connection.Kind.SPARE);
        connection = c;
        pid = sparePid;
        handle = keeper.existing(sparePid);
        keeper.onReady(now);
        if (m.channels.watch != null) {
            m.channels.watch.send(ControlProtocol.spare(sparePid));
        }
    }

    /** The spare's connection ended: the spare has. */
    void onGone(long now) {
        long was = pid;
        connection = null;
        pid = 0;
        if (keeper != null) {
            keeper.onDetached(now, "spare pid " + was + " closed its connection: its process has ended");
        }
        if (m.channels.watch != null) {
            m.channels.watch.send(ControlProtocol.spare(0));
        }
    }

    /**
     * This standby takes over: its spare takes the slot the takeover frees and becomes the new primary's standby;
     * a spare still starting does too, once it is prepared (it finds no standby to register with, and the slot
     * free).
     */
    void handOver(StandbyKeeper primarys, long now) {
        if (connection != null) {
            primarys.expectSpare(primarys.existing(pid), true, now);
            // Its end tells the spare nothing it must act on: the slot, freed already, is what it waits for.
            m.channels.closeConnection(connection);
            connection = null;
        } else if (keeper != null && keeper.pending() != null) {
            primarys.expectSpare(keeper.pending(), false, now);
        }
        pid = 0;
        keeper = null;
    }

    /**
     * This standby ends without taking over (the pair is stopped, it is not needed, the pair gives up): the spare is
     * told and waited for (so that a stop ends with every process of the pair gone), then killed if it has not ended
     * within {@link #STOP_WAIT_NS}; the primary hears first that there is no spare to wait for. A spare spawned and
     * not yet prepared is killed; should it get as far as the slot, it finds the stop mark.
     *
     * @param why for the log
     */
    void stop(String why) {
        if (keeper == null && connection == null) {
            return;
        }
        if (connection != null && m.channels.watch != null) {
            m.channels.watch.send(ControlProtocol.spare(0));
        }
        if (keeper != null) {
            keeper.stop(m.clock.nanoTime(), why);
            keeper = null;
        }
        Connection c = connection;
        if (c == null) {
            return;
        }
        c.send(ControlProtocol.stop());
        long until = m.clock.nanoTime() + STOP_WAIT_NS;
        // Polled, not selected: the member's other channels (the heartbeat port) would keep a select from waiting.
        c.readLines();
        while (!c.atEof() && m.clock.nanoTime() - until < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
            c.readLines();
        }
        if (!c.atEof()) {
            Log.LOG.warn("spare pid {} did not end within {} ms of the stop; killed it", pid, STOP_WAIT_NS / 1_000_000);
            handle.kill();
        }
        m.channels.closeConnection(c);
        connection = null;
    }

    /** The logger, created on first use (see {@link Member}). */
    private static final class Log {
        static final Logger LOG = Logs.of(Spares.class);
    }
}
