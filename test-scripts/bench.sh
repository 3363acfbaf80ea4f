#!/usr/bin/env bash
# The takeover benchmark: builds phoenix and its test classes, then runs phoenix.bench.Bench, which starts real
# pairs, kills, pauses and starves them, prints a Markdown table on stdout and writes app/target/bench.json.
#   test-scripts/bench.sh [--quick] [--takeovers N] [--stress-seconds S] [--json FILE] [--help]
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

echo "bench: building (./mvnw -q -B -DskipTests package: the test classes are compiled on the way)..." >&2
(cd "$root" && ./mvnw -q -B -DskipTests package) >&2

# exec: Ctrl+C reaches the benchmark's JVM, whose shutdown hook ends every process it started, by pid.
# Relative paths given with --json stay relative to the directory this script was started from.
exec "$java" -XX:+UseSerialGC -Xmx256m -Dphoenix.root="$root" \
  -cp "$root/app/target/phoenix.jar:$root/app/target/lib/*:$root/app/target/test-classes" phoenix.bench.Bench "$@"
