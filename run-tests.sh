#!/usr/bin/env bash
# The test command: builds phoenix and runs every test it has: unit tests, the spin model of the takeover
# protocol, and the integration tests on real JVMs (takeovers, hardening, chaos, the desktop under Xvfb).
# Installs the Debian packages the tests need when they are missing and this runs as root; elsewhere the tests
# that need a missing tool are skipped with a message, except under CI (CI=true), where they fail.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

need=()
command -v python3 >/dev/null || need+=(python3)
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xterm >/dev/null || need+=(xterm)
command -v xwininfo >/dev/null || need+=(x11-utils)
command -v import >/dev/null || need+=(imagemagick)
command -v spin >/dev/null || need+=(spin)
command -v gcc >/dev/null || need+=(gcc)
command -v setpriv >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "run-tests.sh: installing ${need[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  else
    echo "run-tests.sh: missing ${need[*]}; tests that need them will be skipped" >&2
  fi
fi

require=false
if [ "${CI:-}" = true ]; then require=true; fi

if [ -x model/check.sh ] && command -v spin >/dev/null; then
  model/check.sh
elif [ "$require" = true ]; then
  echo "run-tests.sh: spin is missing; the model of the takeover protocol cannot be checked" >&2
  exit 1
fi

exec ./mvnw -B verify -Dphoenix.requireTools="$require" "$@"
