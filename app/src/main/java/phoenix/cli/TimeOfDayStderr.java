package phoenix.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.TimeZone;
import java.util.function.LongSupplier;

/**
 * A member's stderr, each line begun with the local time of day as {@code HH:mm:ss.SSS} and a space, and each
 * flush written in one {@code write(2)}. The log lines' time of day is put here instead of by slf4j-simple's own
 * {@code dateTimeFormat}: that is a {@code java.text.SimpleDateFormat}, whose first creation loads the JDK's CLDR
 * calendar and symbol data, 40-50 ms of a new JVM's CPU (JDK 17, this project's flags and archive; of a logger
 * set-up of about 60), and a standby sets its logger up before it says READY, so every start and re-protection
 * paid it. This costs the time zone's rules (about 5 ms, at the first line) and a few arithmetic operations a
 * line. Lines look as they did: {@code 12:34:56.789 [phoenix 4242] INFO ...}.
 */
final class TimeOfDayStderr extends OutputStream {
    private static final int MS_PER_DAY = 86_400_000;
    private static final byte ESC = 0x1b;
    private static final byte BEL = 0x07;
    /** Beyond this a line still unfinished is written out in parts. */
    private static final int MAX_PENDING = 8192;

    private final OutputStream sink;
    private final LongSupplier clock;
    private TimeZone zone;
    private byte[] pending = new byte[256];
    private int size;
    private boolean atLineStart = true;

    /**
     * @param sink where the stamped lines go
     * @param clock the wall clock, in milliseconds since the epoch
     * @param zone the time zone, or null for the default one, looked up at the first line
     */
    TimeOfDayStderr(OutputStream sink, LongSupplier clock, TimeZone zone) {
        this.sink = sink;
        this.clock = clock;
        this.zone = zone;
    }

    /**
     * Makes {@code System.err} stamp its lines until the returned stream is put back with {@link System#setErr}.
     *
     * @return the stderr that was in place
     */
    static PrintStream install() {
        PrintStream before = System.err;
        before.flush();
        System.setErr(new PrintStream(new TimeOfDayStderr(new FileOutputStream(FileDescriptor.err),
                System::currentTimeMillis, null), true, charsetOf()));
        return before;
    }

    /** The encoding the JVM gave stderr: its property (JDK 19+, then 17-18), else the default charset. */
    private static Charset charsetOf() {
        for (String property : new String[] {"stderr.encoding", "sun.stderr.encoding"}) {
            String name = System.getProperty(property);
            if (name != null) {
                try {
                    return Charset.forName(name);
                } catch (IllegalArgumentException unknown) {
                    // The next one, or the default.
                }
            }
        }
        return Charset.defaultCharset();
    }

    @Override
    public synchronized void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        int end = off + len;
        int from = off;
        while (from < end) {
            if (atLineStart && b[from] == ESC) {
                // A terminal's control sequence, such as the window title a new primary sets (ESC ] 0 ; ... BEL),
                // is no line: it goes through as it is, and the line that follows is stamped.
                int to = from + 1;
                while (to < end && b[to] != BEL && b[to] != '\n') {
                    to++;
                }
                if (to < end && b[to] == BEL) {
                    to++;
                }
                append(b, from, to - from);
                from = to;
                continue;
            }
            if (atLineStart) {
                stamp(clock.getAsLong());
                atLineStart = false;
            }
            int to = from;
            while (to < end && b[to] != '\n') {
                to++;
            }
            if (to < end) {
                to++;
                atLineStart = true;
            }
            append(b, from, to - from);
            from = to;
        }
        if (size > MAX_PENDING) {
            flush();
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (size > 0) {
            sink.write(pending, 0, size);
            size = 0;
        }
        sink.flush();
    }

    /** Appends {@code HH:mm:ss.SSS } for the wall-clock time {@code millis} in the default time zone. */
    void stamp(long millis) {
        if (zone == null) {
            zone = TimeZone.getDefault();
        }
        int ms = (int) Math.floorMod(millis + zone.getOffset(millis), (long) MS_PER_DAY);
        byte[] s = new byte[13];
        two(s, 0, ms / 3_600_000);
        s[2] = ':';
        two(s, 3, ms / 60_000 % 60);
        s[5] = ':';
        two(s, 6, ms / 1000 % 60);
        s[8] = '.';
        int milli = ms % 1000;
        s[9] = (byte) ('0' + milli / 100);
        two(s, 10, milli % 100);
        s[12] = ' ';
        append(s, 0, s.length);
    }

    private static void two(byte[] s, int at, int value) {
        s[at] = (byte) ('0' + value / 10);
        s[at + 1] = (byte) ('0' + value % 10);
    }

    private void append(byte[] b, int off, int len) {
        if (size + len > pending.length) {
            byte[] bigger = new byte[Math.max(pending.length * 2, size + len)];
            System.arraycopy(pending, 0, bigger, 0, size);
            pending = bigger;
        }
        System.arraycopy(b, off, pending, size, len);
        size += len;
    }
}
