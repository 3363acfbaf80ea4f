#!/usr/bin/env bash
# Runs phoenix: builds it when the jar is missing or older than the sources, then becomes the program itself
# (exec), so the process you see in ps, kill and pkill is phoenix's JVM.
#   ./run-phoenix.sh [run] [options]   ./run-phoenix.sh status [--json]   ./run-phoenix.sh stop   ./run-phoenix.sh --help
# Another program in the same jar runs the same way with PHOENIX_MAIN_CLASS set to its main class
# (examples/kv/run-kv.sh does that).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jar="$here/target/phoenix.jar"

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; else java=java; fi
if ! command -v "$java" >/dev/null 2>&1; then
  echo "phoenix: no java found; install a JDK 17 or newer, or set JAVA_HOME" >&2
  exit 2
fi

if [ ! -f "$jar" ] || [ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "phoenix: building (first run, or the sources changed)..." >&2
  (cd "$here" && ./mvnw -q -B -Dmaven.test.skip=true -Dcheckstyle.skip=true package) >&2
fi
# Members run from a copy named by its content: a rebuild never changes the jar under a running pair.
run_jar="$here/target/run/phoenix-$(cksum <"$jar" | cut -d' ' -f1).jar"
if [ ! -f "$run_jar" ]; then
  mkdir -p "$here/target/run"
  cp "$jar" "$run_jar.tmp.$$" && mv "$run_jar.tmp.$$" "$run_jar"
fi

main=${PHOENIX_MAIN_CLASS:-phoenix.cli.Main}
if [ "${1:-}" = bench ] && [ "$main" = phoenix.cli.Main ]; then
  shift
  exec "$here/test-scripts/bench.sh" "$@"
fi

# Small heap and serial GC: a member needs a few MB, and a small heap is torn down fast when killed, which is
# what makes the standby's death detection quick. C1 only: the counter needs no peak performance.
# stdout carries the numbers only: the JVM's own output (thread dumps on Ctrl+\, a fatal error's banner) goes
# to stderr, and a fatal error's report to the state directory (the pair's own, for the members it spawns),
# never into the current directory.
state_base="${XDG_STATE_HOME:-$HOME/.local/state}/phoenix"
mkdir -p "$state_base" 2>/dev/null && chmod 700 "$state_base" 2>/dev/null || state_base=${TMPDIR:-/tmp}
# The JVM's own warnings go to stderr as well.
flags=(-XX:+UseSerialGC -Xms8m -Xmx32m -Xss512k -XX:TieredStopAtLevel=1 -XX:-UsePerfData
  -XX:+DisplayVMOutputToStderr -Xlog:disable -Xlog:all=warning:stderr "-XX:ErrorFile=$state_base/hs_err_pid%p.log")
cp="$run_jar:$here/target/lib/*"

exec "$java" "${flags[@]}" -cp "$cp" "$main" "$@"
