package phoenix.pair;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A member's answer to STATUS on its control socket: one {@code key=value} per line, in a fixed order. */
final class Status {
    private final Map<String, String> values = new LinkedHashMap<>();

    Status put(String key, Object value) {
        values.put(key, String.valueOf(value));
        return this;
    }

    String get(String key) {
        return values.getOrDefault(key, "");
    }

    long getLong(String key) {
        String v = values.get(key);
        try {
            return v == null || v.isEmpty() ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    List<String> lines() {
        List<String> out = new ArrayList<>();
        values.forEach((k, v) -> out.add(k + "=" + v.replace('\n', ' ')));
        return out;
    }

    static Status parse(List<String> lines) {
        Status s = new Status();
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                s.values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return s;
    }
}
