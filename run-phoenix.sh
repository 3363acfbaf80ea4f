#!/usr/bin/env bash
# Runs phoenix: builds it when the jar is missing or older than the sources, then becomes the program itself
# (exec), so the process you see in ps, kill and pkill is phoenix's JVM.
#   ./run-phoenix.sh [run] [options]   ./run-phoenix.sh status [--json]   ./run-phoenix.sh stop   ./run-phoenix.sh --help
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

if [ "${1:-}" = bench ]; then
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
# The JVM's own warnings go to stderr as well (a class-data archive that no longer fits says so there).
flags=(-XX:+UseSerialGC -Xms8m -Xmx32m -Xss512k -XX:TieredStopAtLevel=1 -XX:-UsePerfData
  -XX:+DisplayVMOutputToStderr -Xlog:disable -Xlog:all=warning:stderr "-XX:ErrorFile=$state_base/hs_err_pid%p.log")
cp="$run_jar:$here/target/lib/*"

# Class data of phoenix and its libraries, made once per jar next to it: a member starts some tens of ms
# sooner with it. JDK 17-24: an AppCDS archive (-XX:ArchiveClassesAtExit); JDK 25 and later: an AOT cache
# (-XX:AOTCacheOutput), which also holds the classes linked and profiled. Made by a short training pair (first
# start, standby, stop) the first time a pair is started with this jar; if that fails, or if the archive does
# not fit the JVM any more, members simply start without it. PHOENIX_CDS=0 turns it off.
java_major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$(dirname "$(dirname "$(readlink -f "$(command -v "$java")")")")/release" \
  2>/dev/null || true)
archive_flags=()
if [ "${PHOENIX_CDS:-1}" != 0 ] && [ -n "$java_major" ] && [ "$java_major" -ge 17 ]; then
  if [ "$java_major" -ge 25 ]; then
    archive="${run_jar%.jar}.jdk$java_major.aot"; use=(-XX:AOTCache="$archive"); make=(-XX:AOTCacheOutput)
  else
    archive="${run_jar%.jar}.jdk$java_major.jsa"; use=(-XX:SharedArchiveFile="$archive"); make=(-XX:ArchiveClassesAtExit)
  fi
  case "${1:-run}" in
    status|stop|--help|-h|help) ;;
    *)
      # A lock left by a training that was killed (its process gone for minutes) does not block the next one.
      find "$(dirname "$archive")" -maxdepth 1 -name "$(basename "$archive").making" -mmin +5 \
        -exec rm -rf {} + 2>/dev/null || true
      if [ ! -f "$archive" ] && mkdir "$archive.making" 2>/dev/null; then
        # Here, before this start, not in the background: a process left running beside the pair would count
        # as one of its members for whoever watches its process tree (a subreaper, the tests). Once per jar,
        # some seconds; a start that finds another one training goes on without the archive.
        echo "phoenix: making a class-data archive for this build (once, a few seconds)..." >&2
        train=$(mktemp -d)
        tmp_archive="$archive.tmp.$$"
        "$java" "${flags[@]}" "${make[0]}=$tmp_archive" -cp "$cp" phoenix.cli.Main run --name cds-training \
          --state-dir "$train/state" --port $((40000 + RANDOM % 20000)) --terminal none --interval 10ms \
          </dev/null >/dev/null 2>&1 &
        trainer=$!
        sleep 1.5
        # stop ends both members, the standby the trainer spawned included; retried while the pair still starts.
        for _ in 1 2 3 4 5 6 7 8 9 10; do
          if "$java" "${flags[@]}" -cp "$cp" phoenix.cli.Main stop --name cds-training --state-dir "$train/state" \
            </dev/null >/dev/null 2>&1 || ! kill -0 "$trainer" 2>/dev/null; then
            break
          fi
          sleep 0.5
        done
        kill "$trainer" 2>/dev/null || true
        wait "$trainer" 2>/dev/null || true
        if [ -s "$tmp_archive" ]; then mv "$tmp_archive" "$archive"; else rm -f "$tmp_archive"; fi
        rm -rf "$train" "$archive.making"
      fi
      ;;
  esac
  if [ -f "$archive" ]; then archive_flags=("${use[@]}"); fi
fi

exec "$java" "${flags[@]}" "${archive_flags[@]}" -cp "$cp" phoenix.cli.Main "$@"
