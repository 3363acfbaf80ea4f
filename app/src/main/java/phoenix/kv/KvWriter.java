package phoenix.kv;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import phoenix.pair.NotReplicatedException;
import phoenix.pair.Replicator;

/**
 * The one thread that changes the map. It takes the PUTs that wait, all of them, as one batch: applies them in
 * order to a copy of what will change, encodes the whole state once, replicates it synchronously, and only then
 * applies the batch to the map and answers each PUT 204. So versions reach the standby in order, a GET never sees
 * a value the standby may not hold, and many concurrent PUTs cost one replicate. When the replicate fails, every
 * PUT of the batch is answered 503 and the map stays as it was.
 */
final class KvWriter implements KvRequests.Writes {
    /** The most PUTs one replicate covers. */
    static final int MAX_BATCH = 1024;

    /**
     * A PUT waiting for its answer.
     *
     * @param key the key
     * @param value the value
     * @param reply completed with the answer
     */
    record Write(String key, byte[] value, CompletableFuture<Reply> reply) {
        /** A write still to be answered. */
        Write(String key, byte[] value) {
            this(key, value, new CompletableFuture<>());
        }
    }

    private final KvState state;
    private final Replicator replicator;
    private final BlockingQueue<Write> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean stopped;

    KvWriter(KvState state, Replicator replicator) {
        this.state = state;
        this.replicator = replicator;
        this.thread = new Thread(this::loop, "kv writer");
        thread.setDaemon(true);
    }

    /** Starts the writer's thread. */
    void start() {
        thread.start();
    }

    /** Stops the thread; the PUTs still waiting are answered 503. */
    void stop() {
        stopped = true;
        thread.interrupt();
        refuseWaiting();
    }

    /** @return how many PUTs wait for the writer to take them */
    int queued() {
        return queue.size();
    }

    @Override
    public Reply put(String key, byte[] value) {
        Write w = new Write(key, value);
        queue.add(w);
        if (stopped) {
            refuseWaiting();
        }
        try {
            return w.reply().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return notStored("the server is stopping");
        } catch (ExecutionException e) {
            return notStored("internal error: " + e.getCause());
        }
    }

    private void loop() {
        List<Write> batch = new ArrayList<>();
        while (!stopped) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            commit(batch);
            batch.clear();
        }
        refuseWaiting();
    }

    /**
     * Stores one batch: refuses each write that would make the state too large, replicates the rest as one
     * state, then applies them and answers them.
     *
     * @param batch the writes, in the order they came
     */
    void commit(List<Write> batch) {
        Map<String, byte[]> pending = new LinkedHashMap<>();
        List<Write> covered = new ArrayList<>();
        long bytes = state.encodedBytes();
        for (Write w : batch) {
            byte[] earlier = pending.get(w.key());
            long before = earlier != null ? KvState.entryBytes(w.key(), earlier) : state.entryBytes(w.key());
            long after = bytes - before + KvState.entryBytes(w.key(), w.value());
            if (after > Replicator.MAX_STATE_BYTES) {
                w.reply().complete(Reply.line(413, "storing " + w.value().length + " bytes under key '" + w.key()
                        + "' would make the state " + after + " bytes; a replicate carries at most "
                        + Replicator.MAX_STATE_BYTES));
                continue;
            }
            bytes = after;
            pending.put(w.key(), w.value());
            covered.add(w);
        }
        if (covered.isEmpty()) {
            return;
        }
        Reply reply;
        try {
            replicator.replicate(state.encodeWith(pending, bytes));
            state.apply(pending, bytes);
            reply = Reply.STORED;
        } catch (NotReplicatedException e) {
            reply = notStored(e.getMessage());
        } catch (RuntimeException e) {
            reply = notStored("internal error: " + e);
        }
        for (Write w : covered) {
            w.reply().complete(reply);
        }
    }

    private void refuseWaiting() {
        List<Write> left = new ArrayList<>();
        queue.drainTo(left);
        for (Write w : left) {
            w.reply().complete(notStored("the server is stopping: this member is no longer the primary"));
        }
    }

    private static Reply notStored(String why) {
        return Reply.line(503, "not stored: " + why);
    }
}
