/**
 * Test infrastructure for phoenix across hosts (issue 10: standbys on other hosts, fenced through ZooKeeper):
 * hosts on one machine as Linux network namespaces on a bridge, with faults a test injects (a host cut off
 * entirely, or from some peers only, and healed) ({@link phoenix.testing.cluster.Netns}); a ZooKeeper ensemble of
 * real server JVMs, one per host or all on the loopback address, whose servers a test kills by pid, restarts and
 * asks for their mode ({@link phoenix.testing.cluster.ZkEnsemble}); and a ZooKeeper client as a small program to
 * run inside a host ({@link phoenix.testing.cluster.ZkClientMain}).
 *
 * <p>Tests only, and root only for the namespaces. Everything here removes or kills what it made: namespaces,
 * bridge and veths by their names (all start with {@code phx} and a random part of the run's own), processes
 * by pid; also from JVM shutdown hooks. {@code ClusterInfraIT} checks that all of it works.
 */
package phoenix.testing.cluster;
