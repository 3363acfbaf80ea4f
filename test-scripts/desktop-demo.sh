#!/usr/bin/env bash
# Shows phoenix on a desktop, by hand: the pair runs in xterm windows (--terminal xterm), its primary is killed
# a few times, the standby's window takes over each time and a new standby window opens. Takes a screenshot of
# the protected pair before the first kill (later, every standby window opens at the same place and covers the
# window of the primary it replaced, as there is no window manager on Xvfb to place them), stops the pair and
# reports what each window showed.
#
#   test-scripts/desktop-demo.sh [--kills N] [--pause SECONDS] [--interval DURATION] [--screenshot PATH]
#                                [--use-display]
#
#   --kills N          how many times to SIGKILL the primary (default 3)
#   --pause SECONDS    pause before each kill, to watch the windows (default 3)
#   --interval D       pause between two numbers, as phoenix writes it (default 300ms)
#   --screenshot PATH  where the PNG goes (default docs/desktop.png); --screenshot '' takes none
#   --use-display      use the desktop in $DISPLAY instead of a private Xvfb (to watch it happen)
#
# Needs xterm, python3 and, with the private display, Xvfb; xwininfo and ImageMagick's import for the window
# list and the screenshot (Debian: xterm python3 xvfb x11-utils imagemagick). Kills only the processes it
# started, by pid: its Xvfb, the xterms and members under its subreaper, and the members of its own pair.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

kills=3
pause=3
interval=300ms
shot="$here/docs/desktop.png"
use_display=false
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills=${2:?--kills needs a number}; shift 2 ;;
    --pause) pause=${2:?--pause needs seconds}; shift 2 ;;
    --interval) interval=${2:?--interval needs a duration such as 300ms}; shift 2 ;;
    --screenshot) shot=${2?--screenshot needs a path}; shift 2 ;;
    --use-display) use_display=true; shift ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "desktop-demo: unknown option '$1'; see --help" >&2; exit 2 ;;
  esac
done
case "$kills" in ''|*[!0-9]*) echo "desktop-demo: --kills takes a whole number, not '$kills'" >&2; exit 2 ;; esac

need=()
for tool in xterm python3 ps; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ "$use_display" = false ]; then command -v Xvfb >/dev/null || need+=("Xvfb (package xvfb)"); fi
if [ -n "$shot" ]; then command -v import >/dev/null || need+=("import (package imagemagick)"); fi
if [ ${#need[@]} -gt 0 ]; then
  echo "desktop-demo: missing ${need[*]}; on Debian: apt-get install xvfb xterm x11-utils imagemagick" >&2
  exit 2
fi
if [ "$use_display" = true ] && [ -z "${DISPLAY:-}" ]; then
  echo "desktop-demo: --use-display needs \$DISPLAY set" >&2
  exit 2
fi

work=$(mktemp -d /tmp/phoenix-demo.XXXXXX)
name="demo-$$"
state="$work/state"
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
xvfb_pid=""
root_pid=""
seen_pids=()
ok=false

say() { printf 'desktop-demo: %s\n' "$*" >&2; }

descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

cleanup() {
  set +e
  if [ -n "$root_pid" ] && kill -0 "$root_pid" 2>/dev/null; then
    # A killed primary's standby takes over and spawns another window; a few rounds catch what appears.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      pids=$(descendants "$root_pid"; printf '%s\n' "${seen_pids[@]}")
      for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done
      # The subreaper ends by itself once it has reaped them.
      sleep 0.3
      kill -0 "$root_pid" 2>/dev/null || break
    done
    kill -0 "$root_pid" 2>/dev/null && kill -KILL "$root_pid" 2>/dev/null
  fi
  [ -n "$root_pid" ] && wait "$root_pid" 2>/dev/null
  if [ -n "$xvfb_pid" ]; then
    kill -TERM "$xvfb_pid" 2>/dev/null
    wait "$xvfb_pid" 2>/dev/null
  fi
  if [ "$ok" = true ]; then
    rm -rf "$work"
  else
    say "logs kept in $work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$use_display" = false ]; then
  for n in $(seq 90 120); do
    [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] && continue
    Xvfb ":$n" -screen 0 1024x640x24 -nolisten tcp -noreset >>"$work/xvfb.log" 2>&1 </dev/null &
    candidate=$!
    for _ in $(seq 100); do
      if ! kill -0 "$candidate" 2>/dev/null; then break; fi
      if [ -e "/tmp/.X11-unix/X$n" ] && [ "$(tr -d ' \n' <"/tmp/.X$n-lock" 2>/dev/null)" = "$candidate" ]; then
        xvfb_pid=$candidate
        break
      fi
      sleep 0.1
    done
    if [ -n "$xvfb_pid" ]; then
      export DISPLAY=":$n"
      break
    fi
    kill -KILL "$candidate" 2>/dev/null; wait "$candidate" 2>/dev/null || true
  done
  if [ -z "$xvfb_pid" ]; then
    say "no free X display from :90 to :120; Xvfb said: $(tail -5 "$work/xvfb.log")"
    exit 1
  fi
  unset WAYLAND_DISPLAY XAUTHORITY
  say "Xvfb pid $xvfb_pid on display $DISPLAY"
else
  say "using the desktop on display $DISPLAY"
fi
unset TMUX

# Every xterm, also those phoenix spawns, logs what it shows to Xterm.log.*.PID in its working directory.
printf 'XTerm*logging: true\n' >"$work/xterm.ad"
export XENVIRONMENT="$work/xterm.ad"

status_field() {
  # Prints the fields asked for (primary, standby, protected, takeovers, count) from status --json, or fails.
  "$here/run-phoenix.sh" status --json --name "$name" --state-dir "$state" 2>/dev/null | python3 -c '
import json, sys
text = sys.stdin.read()
if not text.strip():
    sys.exit(1)
s = json.loads(text)
values = {"primary": (s.get("primary") or {}).get("pid", 0), "standby": (s.get("standby") or {}).get("pid", 0),
          "protected": str(s["protected"]).lower(), "takeovers": s["takeovers"], "count": s["count"]}
print(" ".join(str(values[k]) for k in sys.argv[1:]))' "$@"
}

# Waits until the pair is protected with at least $1 takeovers; sets primary, standby, takeovers and count.
await_protected() {
  local deadline=$((SECONDS + 60)) line
  while [ $SECONDS -lt $deadline ]; do
    if line=$(status_field protected takeovers primary standby count) && [ -n "$line" ]; then
      read -r prot takeovers primary standby count <<<"$line"
      [ "$primary" != 0 ] && seen_pids+=("$primary")
      [ "$standby" != 0 ] && seen_pids+=("$standby")
      if [ "$prot" = true ] && [ "$takeovers" -ge "$1" ] && [ "$standby" != 0 ]; then
        return 0
      fi
    fi
    sleep 0.1
  done
  say "pair '$name' was not protected with $1 takeovers within 60 s"
  return 1
}

now_ms() { date +%s%3N; }

(cd "$work" && exec python3 "$here/test-scripts/subreaper.py" xterm -T "phoenix $name primary" \
  -geometry 60x20+530+10 -e "$here/run-phoenix.sh" run --name "$name" --port "$port" --state-dir "$state" \
  --terminal xterm --interval "$interval" >>"$work/subreaper.log" 2>&1 </dev/null) &
root_pid=$!
say "pair '$name' (port $port, state $state) starting in an xterm under subreaper pid $root_pid"

await_protected 0
say "protected: primary pid $primary, standby pid $standby"
if command -v xwininfo >/dev/null; then
  xwininfo -root -children | grep -F "\"phoenix $name " | sed 's/^ */  window /' >&2 || true
fi

for i in $(seq 1 "$kills"); do
  sleep "$pause"
  if [ "$i" = 1 ] && [ -n "$shot" ]; then
    mkdir -p "$(dirname "$shot")"
    import -window root -depth 8 "PNG8:$shot"
    say "screenshot of the protected pair: $shot"
  fi
  victim=$primary
  before=$takeovers
  killed_at=$(now_ms)
  kill -KILL "$victim"
  await_protected $((before + 1))
  say "kill $i: SIGKILL to primary pid $victim; standby pid $primary took over (takeover $takeovers), new" \
    "standby pid $standby, seen protected again after $(($(now_ms) - killed_at)) ms, count $count"
done
if [ "$kills" = 0 ] && [ -n "$shot" ]; then
  sleep "$pause"
  mkdir -p "$(dirname "$shot")"
  import -window root -depth 8 "PNG8:$shot"
  say "screenshot of the protected pair: $shot"
fi
sleep "$pause"

"$here/run-phoenix.sh" stop --name "$name" --state-dir "$state"
for _ in $(seq 150); do
  kill -0 "$root_pid" 2>/dev/null || break
  sleep 0.1
done
left=()
for pid in "${seen_pids[@]}"; do
  if kill -0 "$pid" 2>/dev/null; then left+=("$pid"); fi
done
if [ ${#left[@]} -gt 0 ] || kill -0 "$root_pid" 2>/dev/null; then
  say "after stop, still running: members ${left[*]:-none}; subreaper $root_pid: $(descendants "$root_pid" | tr '\n' ' ')"
  exit 1
fi

say "what each window showed (from the xterm logs, in the order the windows opened):"
for log in $(ls "$work"/Xterm.log.* 2>/dev/null | sort); do
  python3 - "$log" <<'EOF' >&2
import sys
text = open(sys.argv[1], encoding="latin-1").read().replace("\r", "")
numbers = [int(l) for l in text.split("\n") if l.strip().isdigit()]
pid = sys.argv[1].rsplit(".", 1)[1]
role = "primary from the start" if "first start" in text else ("took over" if "takeover" in text else "standby only")
shown = "%d..%d (%d numbers)" % (numbers[0], numbers[-1], len(numbers)) if numbers else "no numbers"
print("  xterm pid %s: %s, %s" % (pid, role, shown))
EOF
done
ok=true
say "done: $kills kills, every member ended after stop"
