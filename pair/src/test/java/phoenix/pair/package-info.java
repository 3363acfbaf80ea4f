/**
 * Unit tests of the pair engine: each role ({@code Standby}, {@code Primary}, {@code StandbyKeeper}) is driven
 * step by step with a {@link phoenix.pair.FakeClock} that starts near {@code Long.MAX_VALUE}, so that every
 * deadline is also checked across the wrap of the clock, and with fakes for its outside world (the primary's
 * checkpoint and heartbeat output, the keeper's spawner); the heartbeat codec, the state directory and the
 * configuration are tested against crafted and random input. Nothing here sleeps or opens a socket.
 */
package phoenix.pair;
