package phoenix.pair;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a running pair says about itself: who is primary and standby, the last step it completed, whether it is
 * protected (a standby is attached and acknowledging heartbeats), how often it has taken over, and what its
 * standby refused on the heartbeat port. Its text and JSON name the step in the program's own word
 * ({@link #toText(String)}, {@link #toJson(String)}).
 *
 * @param name the pair's name
 * @param step the last step the pair completed ({@link Snapshot#step()}; for a service, the newest version the
 *     standby holds)
 * @param epoch the primary's epoch, raised by every takeover
 * @param isProtected whether a standby is attached and acknowledging heartbeats
 * @param primaryPid the primary's pid, 0 when there is none
 * @param primaryState the primary's role state, such as {@code running} or {@code backing_off}
 * @param standbyPid the standby's pid, 0 when there is none
 * @param takeovers how many times a standby took over
 * @param crashLoopStreak how many takeovers in a row happened without progress; 0 when none
 * @param rejected the standby's count of refused datagrams by reason
 * @param checkpointError why the checkpoint cannot be written, empty when it can
 * @param sparePid the standby's spare's pid ({@link PairConfig#spare}), 0 when there is none
 */
public record PairStatus(String name, long step, long epoch, boolean isProtected, long primaryPid,
        String primaryState, long standbyPid, long takeovers, int crashLoopStreak, Map<String, Long> rejected,
        String checkpointError, long sparePid) {

    /**
     * Copies the map so that the record stays immutable.
     *
     * @param name the pair's name
     * @param step the last step the pair completed
     * @param epoch the primary's epoch
     * @param isProtected whether a standby is attached and acknowledging heartbeats
     * @param primaryPid the primary's pid, 0 when there is none
     * @param primaryState the primary's role state
     * @param standbyPid the standby's pid, 0 when there is none
     * @param takeovers how many times a standby took over
     * @param crashLoopStreak how many takeovers in a row happened without progress
     * @param rejected the standby's count of refused datagrams by reason, copied
     * @param checkpointError why the checkpoint cannot be written, empty when it can
     * @param sparePid the standby's spare's pid, 0 when there is none
     */
    public PairStatus {
        rejected = Map.copyOf(rejected);
    }

    /**
     * A status without a spare.
     *
     * @param name the pair's name
     * @param step the last step the pair completed
     * @param epoch the primary's epoch
     * @param isProtected whether a standby is attached and acknowledging heartbeats
     * @param primaryPid the primary's pid, 0 when there is none
     * @param primaryState the primary's role state
     * @param standbyPid the standby's pid, 0 when there is none
     * @param takeovers how many times a standby took over
     * @param crashLoopStreak how many takeovers in a row happened without progress
     * @param rejected the standby's count of refused datagrams by reason, copied
     * @param checkpointError why the checkpoint cannot be written, empty when it can
     */
    public PairStatus(String name, long step, long epoch, boolean isProtected, long primaryPid, String primaryState,
            long standbyPid, long takeovers, int crashLoopStreak, Map<String, Long> rejected, String checkpointError) {
        this(name, step, epoch, isProtected, primaryPid, primaryState, standbyPid, takeovers, crashLoopStreak,
                rejected, checkpointError, 0);
    }

    static PairStatus of(String name, Status primary, Status standby) {
        Map<String, Long> rejected = new LinkedHashMap<>();
        if (standby != null) {
            for (String pair : standby.get("rejected").split(" ")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    rejected.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
                }
            }
        }
        Status main = primary != null ? primary : standby;
        long standbyPid = standby != null ? standby.getLong("pid") : primary.getLong("standbyPid");
        boolean standbyRuns = standby != null || Pids.running(standbyPid);
        if (!standbyRuns) {
            // The primary may not have heard yet that its standby ended: a member that has exited is not named,
            // and nothing that has exited protects the pair.
            standbyPid = 0;
        }
        // The standby knows its spare first; a primary only from what its standby said.
        long sparePid = standby != null ? standby.getLong("sparePid") : primary.getLong("sparePid");
        if (!Pids.running(sparePid)) {
            sparePid = 0;
        }
        return new PairStatus(name, main.getLong("step"), main.getLong("epoch"),
                primary != null && standbyRuns && Boolean.parseBoolean(primary.get("protected")),
                primary != null ? primary.getLong("pid") : 0, primary != null ? primary.get("state") : "",
                standbyPid, main.getLong("takeovers"), (int) (primary != null ? primary.getLong("streak") : 0),
                rejected, primary != null ? primary.get("checkpointError") : "", sparePid);
    }

    /** {@return the status as one JSON object on one line, with the step in a field named {@code step}} */
    public String toJson() {
        return toJson("step");
    }

    /**
     * The status as one JSON object on one line, with the step in a field named after the program's word for it.
     *
     * @param stepWord the name of the step's field, at the top and in {@code crashLoop} ("count" for a counter)
     * @return the status as JSON
     */
    public String toJson(String stepWord) {
        String stepField = quote(stepWord);
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"name\":").append(quote(name)).append(',').append(stepField).append(':').append(step)
                .append(",\"epoch\":").append(epoch).append(",\"protected\":").append(isProtected)
                .append(",\"primary\":");
        if (primaryPid > 0) {
            sb.append("{\"pid\":").append(primaryPid).append(",\"state\":").append(quote(primaryState)).append('}');
        } else {
            sb.append("null");
        }
        sb.append(",\"standby\":");
        if (standbyPid > 0) {
            sb.append("{\"pid\":").append(standbyPid).append(",\"rejected\":{");
            String sep = "";
            for (Map.Entry<String, Long> e : rejected.entrySet()) {
                sb.append(sep).append(quote(e.getKey())).append(':').append(e.getValue());
                sep = ",";
            }
            sb.append("}}");
        } else {
            sb.append("null");
        }
        sb.append(",\"spare\":").append(sparePid > 0 ? "{\"pid\":" + sparePid + "}" : "null");
        sb.append(",\"takeovers\":").append(takeovers).append(",\"crashLoop\":");
        if (crashLoopStreak > 0) {
            sb.append('{').append(stepField).append(':').append(step + 1).append(",\"streak\":").append(crashLoopStreak)
                    .append('}');
        } else {
            sb.append("null");
        }
        sb.append(",\"checkpointError\":").append(checkpointError.isEmpty() ? "null" : quote(checkpointError));
        return sb.append('}').toString();
    }

    /** {@return the status for people, a few lines} */
    public String toText() {
        return toText("step");
    }

    /**
     * The status as lines for a person, in the program's own word for a step.
     *
     * @param stepWord what the program calls its steps ("count" for a counter)
     * @return the status as text, one fact per line
     */
    public String toText(String stepWord) {
        StringBuilder sb = new StringBuilder();
        sb.append("pair '").append(name).append("': ").append(stepWord).append(' ').append(step)
                .append(", epoch ").append(epoch).append(", ").append(takeovers)
                .append(takeovers == 1 ? " takeover" : " takeovers").append('\n');
        sb.append("  primary  ").append(primaryPid > 0 ? "pid " + primaryPid + " (" + primaryState + ")" : "none")
                .append('\n');
        sb.append("  standby  ").append(standbyPid > 0 ? "pid " + standbyPid : "none").append('\n');
        if (sparePid > 0) {
            sb.append("  spare    pid ").append(sparePid).append(" (prepared; becomes the standby when the standby "
                    + "takes over or ends)\n");
        }
        sb.append("  ").append(isProtected ? "protected: a standby holds the state and will take over"
                : "NOT protected: no standby is ready to take over").append('\n');
        if (crashLoopStreak > 0) {
            sb.append("  crash loop suspected at ").append(stepWord).append(' ').append(step + 1).append(": ")
                    .append(crashLoopStreak + 1).append(" takeovers in a row without progress; backing off\n");
        }
        if (!rejected.isEmpty()) {
            sb.append("  rejected on the heartbeat port:");
            rejected.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            sb.append('\n');
        }
        if (!checkpointError.isEmpty()) {
            sb.append("  checkpoint cannot be written: ").append(checkpointError).append('\n');
        }
        return sb.toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
