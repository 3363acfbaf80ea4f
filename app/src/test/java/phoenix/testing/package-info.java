/**
 * What the tests and the benchmark need around real processes, written once: a free port ({@link
 * phoenix.testing.Ports}), waiting on an outcome ({@link phoenix.testing.Awaits}, the one Awaitility set-up),
 * reading {@code /proc} ({@link phoenix.testing.ProcStat}), signalling one pid ({@link phoenix.testing.Kill}),
 * tracking every process a test started and killing it and its descendants by pid ({@link
 * phoenix.testing.ProcessTracker}, also from a JVM shutdown hook), and checking a printed sequence ({@link
 * phoenix.testing.Sequence}, also behind {@code test-scripts/verify-sequence.sh}).
 *
 * <p>Tests only. Everything but {@link phoenix.testing.Awaits} uses the JDK alone, so that the benchmark, which
 * runs without JUnit and Awaitility on its class path, can use it too.
 *
 * <p>Hosts as network namespaces and a ZooKeeper ensemble across them, for tests of phoenix across hosts, live in
 * {@code phoenix.testing.cluster}.
 */
package phoenix.testing;
