#!/usr/bin/env bash
# The takeover benchmark: builds phoenix and its test classes, then runs phoenix.bench.Bench, which starts real
# pairs, kills, pauses and starves them, prints a Markdown table on stdout and writes app/target/bench.json.
#   test-scripts/bench.sh [--quick] [--takeovers N] [--stress-seconds S] [--json FILE] [--replication] [--kv] [--hosts]
#                         [--help]
# Also reached as ./run-phoenix.sh bench [options]. Maven's output goes to stderr, so stdout is the report.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; else java=java; fi
if ! command -v "$java" >/dev/null 2>&1; then
  echo "bench: no java found; install a JDK 17 or newer, or set JAVA_HOME" >&2
  exit 2
fi
for tool in python3 setsid sha256sum kill getconf; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench: $tool is needed and was not found on PATH" >&2
    exit 2
  fi
done

# package compiles the test classes too (-DskipTests skips running them only). A "test-compile" after "package"
# would leave the library's reactor artifact at its classes directory, which the app's copy of its run-time
# dependencies refuses (MDEP-187).
# --hosts starts ZooKeeper's servers with the benchmark's own class path, which then needs the test class path
# (the server and what it needs at run time), as the cluster tests have it: Maven writes it down in the same run.
hosts=false
for arg in "$@"; do [ "$arg" = --hosts ] && hosts=true; done
cp_goal=()
if [ "$hosts" = true ]; then
  cp_goal=(dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-hosts.cp)
fi
echo "bench: building (./mvnw -q -B -DskipTests -DskipITs package ${cp_goal[*]:-})..." >&2
(cd "$root" && ./mvnw -q -B -DskipTests -DskipITs package ${cp_goal[@]+"${cp_goal[@]}"}) >&2
extra_cp=""
if [ "$hosts" = true ]; then extra_cp=":$(cat "$root/app/target/bench-hosts.cp")"; fi

# exec: Ctrl+C reaches the benchmark's JVM, whose shutdown hook ends every process it started, by pid.
# Relative paths given with --json stay relative to the directory this script was started from.
exec "$java" -XX:+UseSerialGC -Xmx256m -Dphoenix.root="$root" \
  -cp "$root/app/target/phoenix.jar:$root/app/target/lib/*:$root/app/target/test-classes$extra_cp" phoenix.bench.Bench "$@"
