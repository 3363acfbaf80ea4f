#!/usr/bin/env bash
# Kills the primary of a headless pair N times (by pid, never by pattern) and verifies the printed sequence.
#   test-scripts/kill-loop.sh [N=20] [SIGNAL=KILL] [INTERVAL=20ms]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-20}; sig=${2:-KILL}; interval=${3:-20ms}
name="kill-loop-$$"; dir=$(mktemp -d); state="$dir/state"; out="$dir/out.txt"
args=(--name "$name" --state-dir "$state")
phx() { "$here/run-phoenix.sh" "$@"; }
json() { phx status --json "${args[@]}" 2>/dev/null || true; }
field() { sed -n "s/.*\"$1\":{\"pid\":\([0-9]*\).*/\1/p"; }
python3 "$here/test-scripts/subreaper.py" "$here/run-phoenix.sh" run "${args[@]}" --terminal none \
  --interval "$interval" >"$out" 2>"$dir/log.txt" &
reaper=$!
cleanup() { phx stop "${args[@]}" >/dev/null 2>&1 || true; wait "$reaper" 2>/dev/null || true; }
trap cleanup EXIT
wait_protected() {
  for _ in $(seq 600); do
    s=$(json); case "$s" in *'"protected":true'*) echo "$s"; return 0;; esac; sleep 0.05
  done
  echo "pair not protected after 30 s; log: $dir/log.txt" >&2; return 1
}
for i in $(seq "$n"); do
  s=$(wait_protected); pid=$(echo "$s" | field primary)
  kill "-$sig" "$pid"
  echo "kill $i/$n: SIG$sig to primary $pid" >&2
  for _ in $(seq 600); do
    now=$(json | field primary); [ -n "$now" ] && [ "$now" != "$pid" ] && break; sleep 0.05
  done
done
wait_protected >/dev/null
phx stop "${args[@]}"
wait "$reaper" || true
trap - EXIT
"$here/test-scripts/verify-sequence.sh" "$out" "$n"
echo "output: $out, log: $dir/log.txt" >&2
