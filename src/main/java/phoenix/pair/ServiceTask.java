package phoenix.pair;

import org.slf4j.Logger;

/**
 * A {@link PairService} seen as the primary's task: its one step starts the service, from the state the standby
 * held, on the step thread (a service that throws fails the acceptance test, and a crash loop of failing starts
 * is backed off and ended as any other); the member never steps it again. {@link #stop} closes the replicator
 * and stops the service, once, when the member stops being the primary.
 */
final class ServiceTask implements PairTask {
    private final PairService service;
    private Replication replication;
    private ReplicaHolder holder;
    private volatile boolean started;
    private boolean stopped;

    ServiceTask(PairService service) {
        this.service = service;
    }

    /** Binds the member's replication halves; once, before the member runs. */
    void bind(Replication primarySide, ReplicaHolder standbySide) {
        this.replication = primarySide;
        this.holder = standbySide;
    }

    @Override
    public void resume(Snapshot from) {
        // The state comes from the holder when the step starts the service.
    }

    @Override
    public Snapshot step(Snapshot last) {
        Replica from = holder.replica();
        long next = last.step() + 1;
        if (!started) {
            // Versions go on above both the step this start makes and the version the standby held.
            replication.startAbove(Math.max(next, from.version()));
            started = true;
            try {
                service.start(from, replication);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new AcceptanceTestFailedException("the service did not start: " + e);
            }
        }
        return Snapshot.ofStep(next);
    }

    /**
     * This member stops being the primary: replicate calls fail from now on, and the service is stopped, once,
     * if it was started (also when its start threw: it may have begun to serve). Called on the loop's thread.
     */
    void stop(String why) {
        if (stopped) {
            return;
        }
        stopped = true;
        replication.close(why);
        if (started) {
            try {
                service.stop();
            } catch (RuntimeException e) {
                Log.LOG.warn("the service's stop threw: {}", e.toString());
            }
        }
    }

    /** The logger, created on first use. */
    private static final class Log {
        static final Logger LOG = Logs.of(ServiceTask.class);
    }
}
