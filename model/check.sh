#!/usr/bin/env bash
# check.sh -- model-check phoenix.pml with spin.
#
# Checks every property on the model (must hold), each mutant (its property
# must be violated), the protocol as first designed, without the fixes, and
# the two later fixes the model found (Findings 5 and 6; without them spin finds
# the violations; see README.md "Findings").
# Then the pair across hosts (-DHOSTS: ZooKeeper, the lease, standbys on another
# host) and its mutants (README.md "Across hosts").
# Builds in a temporary directory, runs JOBS checks at a time (default: number
# of CPUs, at most 2), prints one line per check, then "N passed, M failed".
# Exit status 0 iff every check behaved as expected.
#
# usage: model/check.sh [-v]     -v: print the counterexample of each violation
set -euo pipefail

VERBOSE=0
if [[ "${1:-}" == "-v" ]]; then VERBOSE=1; elif [[ -n "${1:-}" ]]; then
  echo "usage: $0 [-v]" >&2; exit 2
fi

for tool in spin gcc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [[ "$tool" == spin ]]; then
      echo "check.sh: spin not found; install it: apt-get install spin" >&2
    else
      echo "check.sh: gcc not found; install it: apt-get install gcc" >&2
    fi
    exit 2
  fi
done

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODEL="$HERE/phoenix.pml"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/phoenix-model.XXXXXX")"
cleanup() {
  local pids
  pids="$(jobs -p)"
  if [[ -n "$pids" ]]; then kill $pids 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# Bounds (see README.md).  A: failures and fencing; B: the heartbeat network;
# L: liveness after one failure.
A="-DMAXN=3 -DNM=4 -DMAXFAIL=2 -DMAXFT=1 -DMAXNET=0 -DMAXHB=0"
B="-DMAXN=3 -DNM=4 -DMAXFAIL=1 -DMAXFT=1 -DMAXNET=2 -DMAXHB=1"
L="-DMAXN=3 -DNM=4 -DMAXFAIL=1 -DMAXFT=0 -DMAXNET=1 -DMAXHB=0"
# Across hosts (-DHOSTS): HA two faults, one of which may be a false timeout (no new standby); HB two faults
# with a new standby (fence-hosts only); HL liveness.
HA="-DHOSTS -DMAXN=3 -DNM=3 -DMAXFAIL=2 -DMAXFT=1"
HB="-DHOSTS -DMAXN=3 -DNM=4 -DMAXFAIL=2 -DMAXFT=0"
HL="-DHOSTS -DMAXN=3 -DNM=4 -DMAXFAIL=1 -DMAXFT=0"

# property name -> spin flag and the text of its violation in pan's output
prop_flag() {
  case "$1" in
    no-skip)   echo "-DPROP_NOSKIP" ;;
    fencing)   echo "-DPROP_FENCE" ;;
    fence-hosts) echo "-DPROP_FENCEX" ;;
    no-rewind) echo "-DPROP_REWIND" ;;
    hb-view)   echo "-DPROP_VIEW" ;;
    liveness)  echo "-DLIVE" ;;
  esac
}
prop_violation() {
  case "$1" in
    no-skip)   echo 'assertion violated .*maxP\[runOf\[me\]\]\+1' ;;
    fencing)   echo 'assertion violated \(late(E)?\[me\]<=1\)' ;;
    fence-hosts) echo 'assertion violated \(pmid\[me\]' ;;
    no-rewind) echo 'assertion violated .*genCtr' ;;
    hb-view)   echo 'assertion violated .*(>=lastCount|gQ\[me\]|lastSeq\[)' ;;
    liveness)  echo 'acceptance cycle' ;;
  esac
}

# checks: label | property | expect (hold|violate) | extra spin flags
CHECKS=(
  "model|no-skip|hold|$A"
  "model|fencing|hold|$A"
  "model|liveness|hold|$L"
  "model|no-rewind|hold|$A"
  "model|hb-view|hold|$B"
  "mutant BUG_NO_FENCE|fencing|violate|$A -DBUG_NO_FENCE"
  "mutant BUG_RESUME_PLUS_TWO|no-skip|violate|$A -DBUG_RESUME_PLUS_TWO"
  "mutant BUG_ACCEPT_REPLAY|hb-view|violate|$B -DBUG_ACCEPT_REPLAY"
  "mutant BUG_NO_CHECKPOINT_MAX|no-rewind|violate|$A -DBUG_NO_CHECKPOINT_MAX"
  "mutant BUG_NO_TIMEOUT|liveness|violate|$L -DBUG_NO_TIMEOUT"
  "mutant BUG_FRESH_REUSE|no-skip|violate|$A -DBUG_FRESH_REUSE"
  "mutant BUG_IGNORE_BASE|no-skip|violate|$A -DBUG_IGNORE_BASE"
  "as first designed (AS_BRIEFED)|fencing|violate|$A -DAS_BRIEFED"
  "as first designed (NO_FIX_START)|fencing|violate|$A -DNO_FIX_START"
  "as first designed (NO_FIX_MONO)|fencing|violate|$A -DNO_FIX_MONO"
  "as first designed (NO_FIX_ORDER)|no-rewind|violate|$A -DNO_FIX_ORDER"
  "as first designed (NO_FIX_HSSEQ)|hb-view|violate|$B -DNO_FIX_HSSEQ"
  "fix in the Java (NO_FIX_SLOT)|fencing|violate|$A -DNO_FIX_SLOT"
  "fix in the Java (NO_FIX_HELDBASE)|no-skip|violate|$A -DNO_FIX_HELDBASE"
  "across hosts (HA)|no-skip|hold|$HA"
  "across hosts (HA)|fencing|hold|$HA"
  "across hosts (HA)|fence-hosts|hold|$HA"
  "across hosts (HA)|no-rewind|hold|$HA"
  "across hosts (HB)|fence-hosts|hold|$HB"
  "across hosts (HL)|liveness|hold|$HL"
  "hosts mutant HBUG_NO_LEASE|fence-hosts|violate|$HA -DHBUG_NO_LEASE"
  "hosts mutant HBUG_NO_OWNER_CHECK|fence-hosts|violate|$HA -DHBUG_NO_OWNER_CHECK"
  "hosts mutant HBUG_CLAIM_BEFORE_LISTEN|fence-hosts|violate|$HA -DHBUG_CLAIM_BEFORE_LISTEN"
  "hosts mutant HBUG_NO_YIELD|fence-hosts|violate|$HA -DHBUG_NO_YIELD"
  "hosts mutant HBUG_RENEW_IGNORES_FENCE|fence-hosts|violate|$HA -DHBUG_RENEW_IGNORES_FENCE"
  "hosts mutant HBUG_NO_KEPT_GATE|no-rewind|violate|$HA -DHBUG_NO_KEPT_GATE"
  "hosts mutant HBUG_NO_SESSION_VERDICT|liveness|violate|$HL -DHBUG_NO_SESSION_VERDICT"
)

now() { date +%s.%N; }

# run_check INDEX: writes $TMP/result.INDEX = "ok|FAIL<TAB>line" (+ details)
run_check() {
  local i="$1" label prop expect flags
  IFS='|' read -r label prop expect flags <<<"${CHECKS[$i]}"
  local dir="$TMP/c$i" t0 t1 out states secs errors status line
  mkdir -p "$dir"
  cp "$MODEL" "$dir/phoenix.pml"
  t0="$(now)"
  # shellcheck disable=SC2086
  # (errexit does not apply inside a subshell used with ||: test each step)
  (
    cd "$dir" || exit 1
    spin $flags $(prop_flag "$prop") -a phoenix.pml >spin.out 2>&1 || exit 1
    if [[ "$prop" == liveness ]]; then
      gcc -O0 -w -DNOBOUNDCHECK -DNFAIR=4 -DCOLLAPSE -o pan pan.c || exit 1
      ./pan -a -f -m100000 >pan.out 2>&1
    else
      gcc -O0 -w -DSAFETY -DNOCLAIM -DNOBOUNDCHECK -DCOLLAPSE -o pan pan.c || exit 1
      ./pan -E -m100000 >pan.out 2>&1
    fi
  ) >"$dir/build.out" 2>&1 || true
  t1="$(now)"
  secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
  out="$dir/pan.out"
  states="$(awk '/states, stored/ { print $1; exit }' "$out" 2>/dev/null || true)"
  errors="$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$out" 2>/dev/null | head -1 || true)"
  status=FAIL
  if [[ -z "$errors" ]]; then
    line="$label: $prop ... FAILED: no verification result"
  elif grep -q 'max search depth too small' "$out"; then
    line="$label: $prop ... FAILED: search depth too small"
  elif [[ "$expect" == hold ]]; then
    if [[ "$errors" == 0 ]]; then
      status=ok; line="$label: $prop ... ok (${states} states, ${secs} s)"
    else
      line="$label: $prop ... FAILED: violated ($(grep -m1 -E 'violated|cycle' "$out"))"
    fi
  else
    if [[ "$errors" != 0 ]] && grep -qE "$(prop_violation "$prop")" "$out"; then
      status=ok
      line="$label: $prop ... ok, violated as expected (${states} states, ${secs} s)"
    elif [[ "$errors" != 0 ]]; then
      line="$label: $prop ... FAILED: wrong violation ($(grep -m1 -E 'violated|cycle' "$out"))"
    else
      line="$label: $prop ... FAILED: no violation found (${states} states)"
    fi
  fi
  {
    printf '%s\t%s\n' "$status" "$line"
    if [[ -z "$errors" ]]; then        # spin or gcc failed: show why
      tail -n 5 "$dir/spin.out" "$dir/build.out" 2>/dev/null | sed 's/^/    /' || true
    fi
    if [[ "$errors" != 0 && -n "$errors" && ( "$VERBOSE" == 1 || "$status" != ok ) ]]; then
      # shellcheck disable=SC2086
      (cd "$dir" && spin $flags $(prop_flag "$prop") -t phoenix.pml 2>&1) |
        grep -E 'MSC:|assertion|CYCLE' | sed 's/^ *MSC: */    /; s/^ *</    </; s/^spin: /    /' || true
    fi
  } >"$TMP/result.$i"
  rm -f "$dir/pan" "$dir/pan."? "$dir"/*.trail 2>/dev/null || true
}

JOBS="${JOBS:-$(nproc 2>/dev/null || echo 1)}"
if (( JOBS > 2 )); then JOBS=2; fi
T0="$(now)"
running=0
for i in "${!CHECKS[@]}"; do
  run_check "$i" &
  running=$((running + 1))
  if (( running >= JOBS )); then wait -n || true; running=$((running - 1)); fi
done
wait || true

passed=0 failed=0
for i in "${!CHECKS[@]}"; do
  if [[ ! -s "$TMP/result.$i" ]]; then
    echo "${CHECKS[$i]%%|*}: ... FAILED: no result"; failed=$((failed + 1)); continue
  fi
  status="$(head -1 "$TMP/result.$i" | cut -f1)"
  head -1 "$TMP/result.$i" | cut -f2-
  tail -n +2 "$TMP/result.$i"
  if [[ "$status" == ok ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "total time: $(awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s"
echo "$passed passed, $failed failed"
(( failed == 0 ))
