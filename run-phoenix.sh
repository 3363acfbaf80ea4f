#!/usr/bin/env bash
# Runs phoenix: builds it when the jar is missing or older than the sources, then becomes the program itself
# (exec), so the process you see in ps, kill and pkill is phoenix's JVM.
#   ./run-phoenix.sh [run] [options]   ./run-phoenix.sh status [--json]   ./run-phoenix.sh stop   ./run-phoenix.sh --help
# Another program in the same jar runs the same way with PHOENIX_MAIN_CLASS set to its main class
# (examples/kv/run-kv.sh does that).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The counter and the command line (app/) are clients of the library (pair/, the artifact phoenix-pair), which the
# build copies into app/target/lib with the other run-time dependencies.
target="$here/app/target"
jar="$target/phoenix.jar"

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; else java=java; fi
if ! command -v "$java" >/dev/null 2>&1; then
  echo "phoenix: no java found; install a JDK 17 or newer, or set JAVA_HOME" >&2
  exit 2
fi

stale() {
  [ ! -f "$jar" ] || ! ls "$target"/lib/phoenix-pair-*.jar >/dev/null 2>&1 \
    || [ -n "$(find "$here/app/src/main" "$here/pair/src/main" "$here/pair-zk/src/main" "$here/pom.xml" \
      "$here/app/pom.xml" "$here/pair/pom.xml" "$here/pair-zk/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]
}
if stale; then
  # One build at a time: a `status` typed while the first start builds waits for that build instead of starting a
  # second one in the same tree (two at once corrupted the jars). flock is util-linux; without it, no lock.
  mkdir -p "$target"
  exec 9>"$target/.build-lock"
  if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
    echo "phoenix: waiting for another build of this tree to finish..." >&2
    flock 9
  fi
  if stale; then
    echo "phoenix: building (first run, or the sources changed)..." >&2
    (cd "$here" && ./mvnw -q -B -Dmaven.test.skip=true -Dcheckstyle.skip=true -Dmaven.javadoc.skip=true package) >&2
    # Maven leaves the app's jar as it was when only the library changed: mark the build as done, or every start
    # after a change to the library would build again.
    touch "$jar"
  fi
  exec 9>&-
fi
# Members run from copies named by their content, the app's jar and the library's together: a rebuild never changes
# the code under a running pair. The other jars in lib/ are third-party ones, which change only with the poms.
pair_jar=$(find "$target/lib" -maxdepth 1 -name 'phoenix-pair-*.jar' -print -quit)
if [ -z "$pair_jar" ]; then
  echo "phoenix: the library's jar (phoenix-pair-*.jar) is missing from $target/lib; rebuild with ./mvnw package" >&2
  exit 2
fi
zk_jar=$(find "$target/lib-zk" -maxdepth 1 -name 'phoenix-pair-zk-*.jar' -print -quit 2>/dev/null)
sum=$(cat "$jar" "$pair_jar" ${zk_jar:+"$zk_jar"} | cksum | cut -d' ' -f1)
run_jar="$target/run/phoenix-$sum.jar"
run_pair_jar="$target/run/phoenix-$sum-pair.jar"
run_zk_jar="$target/run/phoenix-$sum-pair-zk.jar"
mkdir -p "$target/run"
for copy in "$run_jar:$jar" "$run_pair_jar:$pair_jar" ${zk_jar:+"$run_zk_jar:$zk_jar"}; do
  if [ ! -f "${copy%%:*}" ]; then
    cp "${copy#*:}" "${copy%%:*}.tmp.$$" && mv "${copy%%:*}.tmp.$$" "${copy%%:*}"
  fi
done

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
# The JVM's own warnings go to stderr as well (a class-data archive that does not fit this JVM says so there).
flags=(-XX:+UseSerialGC -Xms8m -Xmx32m -Xss512k -XX:TieredStopAtLevel=1 -XX:-UsePerfData
  -XX:+DisplayVMOutputToStderr -Xlog:disable -Xlog:all=warning:stderr "-XX:ErrorFile=$state_base/hs_err_pid%p.log")
cp="$run_jar:$run_pair_jar"
for lib_jar in "$target"/lib/*.jar; do
  [ "$lib_jar" = "$pair_jar" ] || cp="$cp:$lib_jar"
done
# The coordinator's jars (phoenix-pair-zk, Curator, ZooKeeper's client) only for a pair that names one: each jar on
# the class path costs every member's start (all of them: about 80 ms). The standbys a primary spawns inherit its
# class path.
for arg in "$@"; do
  case "$arg" in
    --coordinator|--coordinator=*)
      if [ -z "$zk_jar" ]; then
        echo "phoenix: --coordinator needs $target/lib-zk (phoenix-pair-zk and its dependencies); rebuild with ./mvnw package" >&2
        exit 2
      fi
      cp="$cp:$run_zk_jar"
      for lib_jar in "$target"/lib-zk/*.jar; do
        [ "$lib_jar" = "$zk_jar" ] || cp="$cp:$lib_jar"
      done
      break;;
  esac
done

# Class data of phoenix and its libraries, made once per jar and JDK, next to the jar: every member (the first
# start, each standby, the one spawned after a takeover) starts with less class loading. JDK 17-24: an AppCDS
# archive (-XX:ArchiveClassesAtExit); JDK 25 and later: an AOT cache (-XX:AOTCacheOutput), which also holds the
# classes linked and profiled. Made by a short training pair the first time a pair is started with this jar and
# JDK. A missing, stale or broken archive never stops a start: the JVM checks it and goes on without it
# (-Xshare:auto), a warning on stderr at most. PHOENIX_CDS=0 turns it off.
java_home=$(dirname "$(dirname "$(readlink -f "$(command -v "$java")")")")
java_version=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9.]*\)".*/\1/p' "$java_home/release" 2>/dev/null || true)
java_major=${java_version%%.*}
# Linux, JDK 17-25: the JDK's own selector provider named, which SelectorProvider.provider() would otherwise find
# with a service-loader lookup that opens every jar on the class path, which the archive had spared the member
# until then: 15-18 ms of every member's start (spawn -> first number, spawn -> READY; n=11, 2026-12-05). The jars
# are then first opened by the logger, after READY and after a first number. Other JDKs keep the lookup.
if [[ "$OSTYPE" == linux* ]] && [ -n "$java_major" ] && [ "$java_major" -ge 17 ] 2>/dev/null \
  && [ "$java_major" -le 25 ]; then
  flags+=(-Djava.nio.channels.spi.SelectorProvider=sun.nio.ch.EPollSelectorProvider)
fi
# JDK 17-25: two of the JVM's own periodic wake-ups made rare (every 10 s). An idle pair's CPU is mostly wake-ups
# (about 0.1 ms of CPU each on a shared VM), and each JVM had 4 a second of its monitor deflation thread (checks
# at AsyncDeflationInterval, 250 ms) and 1 of its VM thread (a cleanup safepoint at GuaranteedSafepointInterval,
# 1 s, until JDK 22; 0, never, from JDK 23 on) or, from JDK 23 on, of its service thread
# (ServiceThreadCleanupInterval, 1 s): about 0.1 % of a core of the pair's 0.6-0.9 (2026-12-06). Still every 10 s,
# not never: the deflation of idle monitors (on JDK 17 before 17.0.8 and on 18-20, whose deflation thread waits
# GuaranteedSafepointInterval, any deflation) and the service thread's cleanups happen, only later. Diagnostic
# options, which a JVM that does not know them refuses to start with: named only where they exist, as checked on
# 17.0.15 and 25.0.3 (JDK 23 and 24 keep their service thread's default, unchecked); other JDKs keep theirs.
if [ -n "$java_major" ] && [ "$java_major" -ge 17 ] 2>/dev/null && [ "$java_major" -le 25 ]; then
  flags+=(-XX:+UnlockDiagnosticVMOptions -XX:AsyncDeflationInterval=10000)
  if [ "$java_major" -lt 23 ]; then
    flags+=(-XX:GuaranteedSafepointInterval=10000)
  elif [ "$java_major" -eq 25 ]; then
    flags+=(-XX:ServiceThreadCleanupInterval=10000)
  fi
fi
archive_flags=()
if [ "${PHOENIX_CDS:-1}" != 0 ] && [ -n "$java_major" ] && [ "$java_major" -ge 17 ] 2>/dev/null; then
  # Named by the jar's content, the JDK's version and where the JDK lives: a rebuild or another JDK gets its own.
  archive="${run_jar%.jar}.jdk$java_version-$(printf %s "$java_home" | cksum | cut -d' ' -f1)"
  if [ "$java_major" -ge 25 ]; then
    archive="$archive.aot"; use=-XX:AOTCache; make=-XX:AOTCacheOutput; strict=-XX:AOTMode=on
  else
    archive="$archive.jsa"; use=-XX:SharedArchiveFile; make=-XX:ArchiveClassesAtExit; strict=-Xshare:on
  fi
  case "${1:-run}" in
    status|stop|--help|-h|help) ;;
    *)
      # A lock left by a training that was killed (gone for minutes) does not block the next one.
      find "$(dirname "$archive")" -maxdepth 1 -name "$(basename "$archive").making" -mmin +5 \
        -exec rm -rf {} + 2>/dev/null || true
      # One training at a time (mkdir is atomic); a start that finds another one training goes on without it.
      if [ ! -f "$archive" ] && mkdir "$archive.making" 2>/dev/null; then
        # Before this start, not beside it: a process left running beside the pair would count as one of its
        # members for whoever watches its process tree (a subreaper, the tests). Once per jar and JDK.
        echo "phoenix: making a class-data archive for this build and JDK (once, a few seconds)..." >&2
        train=$(mktemp -d "${TMPDIR:-/tmp}/phoenix-cds-training.XXXXXX")
        tmp_archive="$archive.making/archive"
        member=("$java" "${flags[@]}" -cp "$cp" phoenix.cli.Main)
        which=(--name cds-training --state-dir "$train/state")
        # JDK 17-24: an empty file named standby.sock, where a member of a killed pair would have left its socket,
        # so that the trainer starts the way a start that finds one goes (Member#startStandby; Member#noMemberSocket
        # asks only whether the name exists): a standby's start, its takeover from nobody, and its takeover's
        # rehearsal on the warm-up thread beside it. The archive then holds their classes as well as all of a start
        # that counts first (whose few others it loads too). Trained through a start that counts first, a spawned
        # standby loaded 7 classes of its own from the jars before READY, verified (OtherHosts, the rehearsal's, the
        # heartbeat's, the signal handlers' lambda); trained so, 3 (a real primary's state frames'). Two pairs side
        # by side, JDK 17 (18-24 not measured): re-protection 296.6 -> 278.9 ms p50 (n=40 each), SIGKILL -> next
        # number 9.04 -> 8.90 and 8.47 -> 8.18 ms 0 and 300 ms after PROTECTED (n=20 each), 2026-12-06. Not on JDK
        # 25, whose AOT cache also keeps what the training ran (linked call sites, profiles): there re-protection
        # took 204.4 -> 183.1 ms but the inside of a takeover 2.39 -> 2.91 and 2.45 -> 2.90 ms (one run), and the
        # takeover goes first. Best effort, like the archive: a file that cannot be made leaves the old way.
        if [ "$java_major" -lt 25 ]; then
          { mkdir -m 700 "$train/state" && : >"$train/state/standby.sock"; } 2>/dev/null || true
        fi
        # Only the trainer writes the archive: the standby it spawns runs its command without that flag (Main).
        "$java" "${flags[@]}" "$make=$tmp_archive" -cp "$cp" phoenix.cli.Main run "${which[@]}" \
          --port $((40000 + RANDOM % 20000)) --terminal none --interval 20ms </dev/null >/dev/null 2>&1 &
        trainer=$!
        # Until the pair is protected: the trainer has started, counted and spawned and attached its standby.
        standby=
        for _ in $(seq 40); do
          status=$("${member[@]}" status --json "${which[@]}" 2>/dev/null) || status=
          standby=$(printf %s "$status" | sed -n 's/.*"standby":{"pid":\([0-9]*\).*/\1/p')
          case "$status" in *'"protected":true'*) break ;; esac
          kill -0 "$trainer" 2>/dev/null || break
          sleep 0.2
        done
        # stop ends both members; whatever is left after it is killed by its pid, so that nothing stays behind.
        "${member[@]}" stop "${which[@]}" </dev/null >/dev/null 2>&1 || true
        # The trainer writes the archive as it exits: seconds on a busy machine.
        for _ in $(seq 600); do kill -0 "$trainer" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$trainer" 2>/dev/null || true
        if [ -n "$standby" ] && grep -qs cds-training "/proc/$standby/cmdline"; then kill -9 "$standby" 2>/dev/null || true; fi
        wait "$trainer" 2>/dev/null || true
        # An archive appears under its name whole or not at all (rename within one directory), and only once a
        # JVM that must use it (else it fails) started with it: a truncated archive (a trainer killed as it wrote,
        # a full disk) passes the JVM's own checks on JDK 17 and crashes every start (SIGBUS), seen here.
        if [ -s "$tmp_archive" ] && "$java" "${flags[@]}" "$use=$tmp_archive" "$strict" -cp "$cp" phoenix.cli.Main \
          --help </dev/null >/dev/null 2>&1; then
          mv -f "$tmp_archive" "$archive"
        fi
        rm -rf "$train" "$archive.making"
      fi
      ;;
  esac
  if [ -f "$archive" ]; then archive_flags=("$use=$archive"); fi
fi

exec "$java" "${flags[@]}" "${archive_flags[@]}" -cp "$cp" "$main" "$@"
