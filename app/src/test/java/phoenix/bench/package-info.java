/**
 * The takeover benchmark: {@link phoenix.bench.Bench} starts real pairs through {@code run-phoenix.sh} under
 * {@code test-scripts/subreaper.py}, kills, pauses and starves them, and reports how long the pair goes without
 * printing (SIGKILL, SIGTERM and SIGSTOP to the next number), how soon it is protected again, whether a busy
 * machine causes false takeovers, and what an idle pair costs in CPU and memory, for phoenix's default
 * configuration and for a heartbeat-only, peer-like one side by side; then the key-value example under writes
 * ({@link phoenix.bench.KvBench}: the client-visible gap per takeover, and whether an acknowledged write was
 * lost; {@code --kv} runs those rows alone). Run it with
 * {@code ./run-phoenix.sh bench} (or {@code test-scripts/bench.sh}); it prints a Markdown table and writes the
 * raw samples as JSON.
 *
 * <p>Every process it starts is tracked by pid and killed when it ends, also when it fails or is interrupted:
 * each pair runs in its own session under a subreaper, so that Ctrl+C reaches only the benchmark, which then
 * ends the pair's members itself.
 */
package phoenix.bench;
