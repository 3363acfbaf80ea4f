package phoenix.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import phoenix.pair.NotReplicatedException;
import phoenix.pair.Replicator;

class KvWriterTest {
    private final FakeReplicator replicator = new FakeReplicator();
    private final KvState state = KvState.decode(new byte[0]);
    private final KvWriter writer = new KvWriter(state, replicator);

    @Test
    void coversABatchWithOneReplicateAndAnswersEachWriteAfterIt() {
        List<KvWriter.Write> batch = List.of(new KvWriter.Write("a", new byte[] {1}),
                new KvWriter.Write("b", new byte[] {2}), new KvWriter.Write("a", new byte[] {3}));

        writer.commit(batch);

        assertEquals(1, replicator.states.size(), "one replicate for the batch");
        KvState replicated = replicator.last();
        assertArrayEquals(new byte[] {3}, replicated.get("a"), "the later write to a key wins");
        assertArrayEquals(new byte[] {2}, replicated.get("b"));
        assertArrayEquals(new byte[] {3}, state.get("a"));
        assertEquals(state.encode().length, state.encodedBytes());
        batch.forEach(w -> assertEquals(204, w.reply().join().status()));
    }

    @Test
    void leavesTheMapAsItWasAndAnswers503WhenTheReplicateFails() {
        writer.commit(List.of(new KvWriter.Write("a", new byte[] {1})));
        replicator.failWith = "this member is no longer the primary";
        KvWriter.Write w = new KvWriter.Write("a", new byte[] {2});

        writer.commit(List.of(w));

        assertEquals(503, w.reply().join().status());
        assertTrue(w.reply().join().text().contains("no longer the primary"));
        assertArrayEquals(new byte[] {1}, state.get("a"));
    }

    @Test
    void refusesOnlyTheWriteThatWouldMakeTheStateTooLarge() {
        int half = Replicator.MAX_STATE_BYTES / 2;
        KvWriter.Write first = new KvWriter.Write("first", new byte[half]);
        KvWriter.Write second = new KvWriter.Write("second", new byte[half]);
        KvWriter.Write small = new KvWriter.Write("small", new byte[] {1});

        writer.commit(List.of(first, second, small));

        assertEquals(204, first.reply().join().status());
        assertEquals(413, second.reply().join().status());
        assertTrue(second.reply().join().text().contains("would make the state"), second.reply().join().text());
        assertEquals(204, small.reply().join().status());
        assertNull(state.get("second"));
        assertTrue(state.encodedBytes() <= Replicator.MAX_STATE_BYTES);
    }

    @Test
    void replacingAValueCountsOnlyTheDifferenceTowardsTheLimit() {
        int big = Replicator.MAX_STATE_BYTES - 100;
        KvWriter.Write first = new KvWriter.Write("k", new byte[big]);
        KvWriter.Write replace = new KvWriter.Write("k", new byte[big]);

        writer.commit(List.of(first));
        writer.commit(List.of(replace));

        assertEquals(204, replace.reply().join().status());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void batchesThePutsThatWaitWhileAReplicateRuns() throws Exception {
        CountDownLatch inFirstReplicate = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<byte[]> states = new ArrayList<>();
        Replicator blocking = new Replicator() {
            @Override
            public synchronized long replicate(byte[] s) {
                states.add(s);
                if (states.size() == 1) {
                    inFirstReplicate.countDown();
                    await(release);
                }
                return states.size();
            }

            @Override
            public long replicateAsync(byte[] s) throws NotReplicatedException {
                throw new NotReplicatedException("not used");
            }
        };
        KvState s = KvState.decode(new byte[0]);
        KvWriter w = new KvWriter(s, blocking);
        w.start();
        ExecutorService clients = Executors.newFixedThreadPool(5);
        try {
            Future<Reply> first = clients.submit(() -> w.put("first", new byte[] {0}));
            inFirstReplicate.await();
            List<Future<Reply>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                byte[] v = {(byte) i};
                String key = "k" + i;
                waiting.add(clients.submit(() -> w.put(key, v)));
            }
            awaitQueued(w, 4);
            waiting.forEach(f -> assertTrue(!f.isDone(), "no answer before a replicate covers the write"));
            release.countDown();

            assertEquals(204, first.get().status());
            for (Future<Reply> f : waiting) {
                assertEquals(204, f.get().status());
            }
            assertEquals(2, states.size(), "the four waiting PUTs share the second replicate");
            assertEquals(5, KvState.decode(states.get(1)).size());
        } finally {
            w.stop();
            clients.shutdownNow();
        }
    }

    /** Waits until {@code n} writes wait in the writer's queue, by asking it. */
    private static void awaitQueued(KvWriter w, int n) {
        phoenix.testing.Awaits.await(n + " writes queued", java.time.Duration.ofSeconds(10))
                .until(() -> w.queued() >= n);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void answersWritesThatWaitWhenItStops() throws Exception {
        replicator.failWith = null;
        writer.stop();

        Reply r = writer.put("k", new byte[] {1});

        assertEquals(503, r.status());
        assertTrue(r.text().contains("no longer the primary"), r.text());
    }
}
