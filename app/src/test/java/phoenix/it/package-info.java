/**
 * Integration tests on real JVMs: each test starts its own pair (unique name, port and state directory)
 * through {@code run-phoenix.sh}, injects faults by pid, and kills every process it started when it ends.
 */
package phoenix.it;
