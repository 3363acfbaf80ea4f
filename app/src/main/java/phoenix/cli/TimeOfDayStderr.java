package phoenix.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.TimeZone;
import java.util.function.LongSupplier;

/**
 * A member's stderr, each line begun with the local time of day as {@code HH:mm:ss.SSS} and a space: the log
 * lines' time of day is put here instead of by slf4j-simple's own {@code dateTimeFormat}, which is a {@code
 * java.text.SimpleDateFormat}, whose first creation loads the JDK's CLDR calendar and symbol data: 40-50 ms of a
 * new JVM's CPU (JDK 17, this project's flags and archive; the whole logger's set-up cost 55-70 with it, 30-35
 * without), and a standby sets its logger up before it says READY, so every start and re-protection paid it.
 * This costs the time zone's rules (about 5 ms, looked up ahead on a thread of its own) and a few divisions a
 * line. Log lines look as they did ({@code 12:34:56.789 [phoenix 4242] INFO ...}); the continuation lines of a
 * message (a stack trace's) now get a time too. A terminal's operating-system command at a line's start (the
 * window title a new primary sets: ESC ] ... BEL or ESC \) is no line and goes through unstamped. The JVM's own
 * output (thread dumps, its warnings) does not pass through {@code System.err} and carries no time.
 */
final class TimeOfDayStderr extends OutputStream {
    private static final int MS_PER_DAY = 86_400_000;
    private static final byte ESC = 0x1b;
    private static final byte BEL = 0x07;
    /** Beyond this a line still unfinished is written out in parts. */
    private static final int MAX_PENDING = 8192;

    /** Where the stream is in what it was given. */
    private enum State {
        /** At a line's start: nothing of the line has arrived. */
        START,
        /** At a line's start, an ESC arrived: an operating-system command if ']' follows, else a line. */
        START_ESC,
        /** Inside an operating-system command at a line's start (ESC ] ...), until BEL or ESC \. */
        COMMAND,
        /** Inside such a command, an ESC arrived: a backslash ends the command. */
        COMMAND_ESC,
        /** Inside a line, stamped. */
        LINE
    }

    private final OutputStream sink;
    private final LongSupplier clock;
    private TimeZone zone;
    private byte[] pending = new byte[256];
    private int size;
    private State state = State.START;

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
     * Makes {@code System.err} stamp its lines, written to the stderr in place (a line goes out in one {@code
     * write(2)} up to 8 KB, as before), until the returned stream is put back with {@link System#setErr}. The time
     * zone is looked up ahead on a daemon thread: a standby logs before it says READY.
     *
     * @return the stderr that was in place
     */
    static PrintStream install() {
        PrintStream before = System.err;
        // Classes, not lambdas or method references: a JVM's first one costs its start the method-handle
        // machinery's set-up (about 10 ms on JDK 17), and a person's start needs none before its first number.
        Thread zoneAhead = new Thread(new Runnable() {
            @Override
            public void run() {
                TimeZone.getDefault();
            }
        }, "time zone");
        zoneAhead.setDaemon(true);
        zoneAhead.start();
        System.setErr(new PrintStream(new TimeOfDayStderr(before, new LongSupplier() {
            @Override
            public long getAsLong() {
                return System.currentTimeMillis();
            }
        }, null), true, charsetOf()));
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
        for (int i = off; i < off + len; i++) {
            accept(b[i]);
        }
        if (size > MAX_PENDING) {
            flush();
        }
    }

    private void accept(byte b) {
        switch (state) {
            case START:
                if (b == ESC) {
                    state = State.START_ESC;
                    return;
                }
                stamp(clock.getAsLong());
                line(b);
                return;
            case START_ESC:
                if (b == ']') {
                    append(ESC);
                    append(b);
                    state = State.COMMAND;
                    return;
                }
                stamp(clock.getAsLong());
                append(ESC);
                line(b);
                return;
            case COMMAND:
            case COMMAND_ESC:
                append(b);
                if (b == BEL || b == '\n' || (state == State.COMMAND_ESC && b == '\\')) {
                    state = State.START;
                } else {
                    state = b == ESC ? State.COMMAND_ESC : State.COMMAND;
                }
                return;
            default:
                line(b);
        }
    }

    private void line(byte b) {
        append(b);
        state = b == '\n' ? State.START : State.LINE;
    }

    /**
     * Writes what was given since the last flush, in one write. What a failing stderr did not take is dropped, as
     * the JDK's own stderr drops it: nothing piles up behind a closed pipe.
     */
    @Override
    public synchronized void flush() throws IOException {
        try {
            if (size > 0) {
                sink.write(pending, 0, size);
            }
        } finally {
            size = 0;
        }
        sink.flush();
    }

    /** Appends {@code HH:mm:ss.SSS } for the wall-clock time {@code millis} in this stream's time zone. */
    private void stamp(long millis) {
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

    private void append(byte b) {
        room(1);
        pending[size++] = b;
    }

    private void append(byte[] b, int off, int len) {
        room(len);
        System.arraycopy(b, off, pending, size, len);
        size += len;
    }

    private void room(int len) {
        if (size + len > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, size + len));
        }
    }
}
