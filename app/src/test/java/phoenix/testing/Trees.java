package phoenix.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Removing directory trees that running members may be writing into. */
public final class Trees {
    private static final int ATTEMPTS = 50;

    private Trees() {
    }

    /**
     * Removes {@code root} and everything under it while processes may create and remove files there (a pair
     * writes and renames its checkpoint's temporary files): entries that vanish are skipped, and the tree is walked
     * again until it is gone.
     *
     * @param root the directory to remove
     * @throws IOException when the tree is still there after many walks
     */
    public static void remove(Path root) throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS && Files.exists(root); attempt++) {
            List<Path> entries;
            try (Stream<Path> walk = Files.walk(root)) {
                entries = walk.sorted(Comparator.reverseOrder()).toList();
            } catch (NoSuchFileException | UncheckedIOException vanished) {
                // An entry went away while the walk listed it: walk again.
                continue;
            }
            for (Path p : entries) {
                p.toFile().delete();
            }
        }
        if (Files.exists(root)) {
            throw new IOException("could not remove " + root + ": files kept appearing in it");
        }
    }

    /**
     * Removes {@code root} again and again, every 20 ms, for {@code length}: a fault whose length is its own, not
     * a wait for an outcome.
     *
     * @param root the directory to remove
     * @param length how long to keep removing it
     * @throws IOException when not one removal got the tree out of the way in all that time
     * @throws InterruptedException when interrupted
     */
    public static void removeRepeatedly(Path root, java.time.Duration length) throws IOException,
            InterruptedException {
        long until = System.nanoTime() + length.toNanos();
        IOException lastFailure = null;
        boolean removedOnce = false;
        while (System.nanoTime() - until < 0) {
            try {
                remove(root);
                removedOnce = true;
            } catch (IOException stillThere) {
                // The members won this pass (they put the directory back and write into it every few ms): the
                // fault goes on; one pass that gets the tree out of the way is all it needs.
                lastFailure = stillThere;
            }
            Thread.sleep(20);
        }
        if (!removedOnce && lastFailure != null) {
            throw lastFailure;
        }
    }
}
