package phoenix.pair;

import java.util.HashMap;
import java.util.Map;

/**
 * One member of a pair as its coordinator lists it ({@link ProcessPair#members}): every member that names a
 * coordinator announces itself there while its session lives, on every host.
 *
 * @param pid the member's process id on its host
 * @param host the name of the member's host
 * @param bind the address other hosts reach the member on
 * @param role {@code primary} or {@code standby}
 * @param watching for a standby on another host than its primary's: the pid of the primary it watches over TCP;
 *     0 otherwise
 */
public record PairMember(long pid, String host, String bind, String role, long watching) {

    /**
     * A member that watches no primary on another host.
     *
     * @param pid the member's process id on its host
     * @param host the name of the member's host
     * @param bind the address other hosts reach the member on
     * @param role {@code primary} or {@code standby}
     */
    public PairMember(long pid, String host, String bind, String role) {
        this(pid, host, bind, role, 0);
    }

    /**
     * {@return the member as one JSON object: {@code {"pid":P,"host":"H","bind":"B","role":"R"}}}
     */
    public String toJson() {
        return "{\"pid\":" + pid + ",\"host\":" + PairStatus.quote(host) + ",\"bind\":" + PairStatus.quote(bind)
                + ",\"role\":" + PairStatus.quote(role) + (watching > 0 ? ",\"watching\":" + watching : "") + "}";
    }

    /** The host's name as the kernel has it (no DNS look-up), or {@code localhost}. */
    static String localHost() {
        try {
            String name = UdpPorts.sysctl("kernel/hostname");
            return name.matches("[A-Za-z0-9._-]{1,64}") ? name : "localhost";
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /** The entry a member announces: {@code pid=P host=H bind=B role=R}, and {@code watching=W} when it does. */
    String toRecord() {
        return "pid=" + pid + " host=" + host + " bind=" + bind + " role=" + role
                + (watching > 0 ? " watching=" + watching : "");
    }

    /** Reads an announced entry; a word it does not know is skipped, a missing one is empty (pid 0). */
    static PairMember parse(String record) {
        Map<String, String> words = new HashMap<>();
        for (String word : record.strip().split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                words.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return new PairMember(number(words.get("pid")), words.getOrDefault("host", ""),
                words.getOrDefault("bind", ""), words.getOrDefault("role", ""), number(words.get("watching")));
    }

    private static long number(String word) {
        try {
            return word == null ? 0 : Math.max(0, Long.parseLong(word));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
