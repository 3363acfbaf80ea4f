/**
 * The key-value example: an HTTP service on the JDK's built-in server, run as a process pair with
 * {@link phoenix.pair.ProcessPair#run(phoenix.pair.PairConfig, phoenix.pair.PairService)}. {@code PUT /kv/KEY}
 * answers 204 only once the standby holds the write; {@code GET /kv/KEY} answers 200 with the value or 404.
 *
 * <p>The rooms: {@link phoenix.kv.KvMain} (the command line, through {@code phoenix.cli}), {@code KvService} (the
 * service the primary runs: binds the port, starts and stops the rest), {@code KvRequests} (what each request
 * gets, free of the HTTP server), {@code KvWriter} (the one thread that applies writes, batching the PUTs that
 * wait into one synchronous replicate) and {@code KvState} (the map and its binary encoding, which is the pair's
 * replicated state).
 */
package phoenix.kv;
