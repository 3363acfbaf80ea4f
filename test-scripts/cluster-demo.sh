#!/usr/bin/env bash
# phoenix across hosts on one machine (Linux, root): a 3-server ZooKeeper ensemble and three hosts, each a network
# namespace with a host name of its own, running one pair with --coordinator and --bind; the merged count of all
# hosts is shown, each number with the host that printed it.
#
#   sudo test-scripts/cluster-demo.sh              start everything and follow the count (Ctrl+C ends the demo)
# and, in another terminal, while it runs:
#   sudo test-scripts/cluster-demo.sh kill N       SIGKILL every process of host N (1-3) at once
#   sudo test-scripts/cluster-demo.sh pause N S    SIGSTOP every process of host N for S seconds (default 6)
#   sudo test-scripts/cluster-demo.sh cut N        cut host N off from everything (its link goes down)
#   sudo test-scripts/cluster-demo.sh heal         undo every cut
#   sudo test-scripts/cluster-demo.sh start N      start a member on host N again (it joins as a standby)
#   sudo test-scripts/cluster-demo.sh status       the pair's members, as ZooKeeper lists them
#
# Everything lives in namespaces named pcd-*, on the subnet 10.231.7.0/24 of a bridge inside its own namespace
# (nothing is added to this machine's own network), and in /tmp/phoenix-cluster-demo; Ctrl+C removes it all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
dir=/tmp/phoenix-cluster-demo
net=10.231.7
name=demo
port=47700
session=2s
coordinator="zk://$net.1:2181,$net.2:2181,$net.3:2181/phoenix-demo"

die() { echo "cluster-demo: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces); run it with sudo"
command -v ip >/dev/null || die "needs iproute2 (ip)"
command -v unshare >/dev/null || die "needs unshare (util-linux)"

host_ns() { echo "pcd-h$1"; }
check_host() { [[ "${1:-}" =~ ^[1-3]$ ]] || die "name a host: 1, 2 or 3"; }
host_pids() { ip netns pids "$(host_ns "$1")" 2>/dev/null || true; }

start_member() {
  local n=$1
  # The member's stdout, each line marked with its host, goes to the merged count; its log to the host's file.
  ( ip netns exec "$(host_ns "$n")" unshare --uts sh -c 'hostname "$0" && exec "$@"' "host$n" \
      "$root/run-phoenix.sh" run --name "$name" --port "$port" --state-dir "$dir/h$n" --terminal none \
      --coordinator "$coordinator" --session-timeout "$session" --bind "$net.1$n" </dev/null 2>>"$dir/h$n.log" \
      | sed -u "s/^/host$n  /" >>"$dir/count" ) &
}

case "${1:-run}" in
  kill) check_host "${2:-}"; pids=$(host_pids "$2"); [ -n "$pids" ] && kill -KILL $pids; echo "killed host $2: ${pids//$'\n'/ }"; exit 0;;
  pause) check_host "${2:-}"; pids=$(host_pids "$2"); [ -n "$pids" ] || die "nothing runs on host $2"
    kill -STOP $pids; echo "host $2 paused for ${3:-6} s"; sleep "${3:-6}"; kill -CONT $pids; echo "host $2 continued"; exit 0;;
  cut) check_host "${2:-}"; ip -n pcd-sw link set "pcd-h$2-s" down; echo "host $2 cut off (heal with: $0 heal)"; exit 0;;
  heal) for n in 1 2 3; do ip -n pcd-sw link set "pcd-h$n-s" up 2>/dev/null || true; done; echo "healed"; exit 0;;
  start) check_host "${2:-}"; start_member "$2"; echo "started a member on host $2"; exit 0;;
  status) ip netns exec pcd-h1 "$root/run-phoenix.sh" status --name "$name" --port "$port" --state-dir "$dir/h1" \
      --coordinator "$coordinator" 2>/dev/null || true; exit 0;;
  run) ;;
  *) die "unknown command '$1'; see the top of $0";;
esac

ip netns list | grep -q '^pcd-' && die "a demo runs already (namespaces pcd-*); end it with Ctrl+C there"
# The build, and the class path of the tests (ZooKeeper's server and what it runs on: the project's own test
# dependencies), each module's in its target/cluster-demo.cp.
./mvnw -q -B package -DskipTests dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/cluster-demo.cp >/dev/null || die "the build failed; run ./mvnw package to see why"
touch app/target/phoenix.jar
zk_cp=$(cat app/target/cluster-demo.cp)

cleanup() {
  trap - EXIT INT TERM
  jobs -p | xargs -r kill 2>/dev/null || true
  for ns in $(ip netns list | awk '/^pcd-/{print $1}'); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  done
  sleep 0.5
  for ns in $(ip netns list | awk '/^pcd-/{print $1}'); do ip netns del "$ns" 2>/dev/null || true; done
  echo "cluster-demo: ended; logs in $dir" >&2
}
trap cleanup EXIT INT TERM

rm -rf "$dir"; mkdir -p "$dir"; chmod 700 "$dir"; : >"$dir/count"
ip netns add pcd-sw
ip -n pcd-sw link add br0 type bridge
ip -n pcd-sw link set br0 up
hosts=(zk1:1 zk2:2 zk3:3 h1:11 h2:12 h3:13)
for entry in "${hosts[@]}"; do
  h=${entry%%:*}; a=${entry#*:}
  ip netns add "pcd-$h"
  ip link add "pcd-$h-e" type veth peer name "pcd-$h-s"
  ip link set "pcd-$h-e" netns "pcd-$h"
  ip link set "pcd-$h-s" netns pcd-sw
  ip -n pcd-sw link set "pcd-$h-s" master br0 up
  ip -n "pcd-$h" link set "pcd-$h-e" name eth0
  ip -n "pcd-$h" addr add "$net.$a/24" dev eth0
  ip -n "pcd-$h" link set eth0 up
  ip -n "pcd-$h" link set lo up
done

for i in 1 2 3; do
  mkdir -p "$dir/zk$i/data"; echo "$i" >"$dir/zk$i/data/myid"
  {
    echo "tickTime=500"; echo "initLimit=20"; echo "syncLimit=4"; echo "dataDir=$dir/zk$i/data"
    echo "clientPort=2181"; echo "clientPortAddress=$net.$i"; echo "minSessionTimeout=1000"
    echo "admin.enableServer=false"; echo "4lw.commands.whitelist=srvr"
    for j in 1 2 3; do echo "server.$j=$net.$j:2888:3888"; done
  } >"$dir/zk$i/zoo.cfg"
  ip netns exec "pcd-zk$i" java -Xmx64m -cp "$zk_cp" org.apache.zookeeper.server.quorum.QuorumPeerMain \
    "$dir/zk$i/zoo.cfg" >"$dir/zk$i/log" 2>&1 &
done
echo "cluster-demo: ZooKeeper on $net.1-3; waiting for its quorum" >&2
for _ in $(seq 1 240); do
  # ZooKeeper's own four-letter word: one server says it leads once a quorum has formed.
  for i in 1 2 3; do
    if ip netns exec pcd-h1 bash -c "exec 3<>/dev/tcp/$net.$i/2181 && echo srvr >&3 && cat <&3" 2>/dev/null \
        | grep -q 'Mode: leader'; then break 2; fi
  done
  sleep 0.5
done

start_member 1
for _ in $(seq 1 100); do [ -s "$dir/h1/secret" ] && break; sleep 0.2; done
for n in 2 3; do
  # The pair's secret, copied as an operator would: owner-only.
  mkdir -p -m 700 "$dir/h$n"; cp -p "$dir/h1/secret" "$dir/h$n/secret"
  sleep 2
  start_member "$n"
done
cat >&2 <<EOF
cluster-demo: pair '$name' on host1-3 ($net.11-13), the count below with the host that printed it.
  In another terminal (as root):  $0 kill 1  |  pause 1 6  |  cut 1  |  heal  |  start 1  |  status
  Logs: $dir/h1.log ...; Ctrl+C ends the demo and removes everything.
EOF
# In the background and waited for: the shell runs its clean-up on Ctrl+C or SIGTERM at once (it would wait for a
# command in the foreground to end first, and tail -f never does).
tail -n +1 -f "$dir/count" &
wait $!
