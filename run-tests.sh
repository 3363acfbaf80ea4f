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
command -v tmux >/dev/null || need+=(tmux)
command -v dbus-daemon >/dev/null || need+=(dbus-daemon)
# ClusterInfraIT makes its hosts (network namespaces) with ip, which a non-root PATH may not hold.
command -v ip >/dev/null || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || need+=(iproute2)
# The other terminals a standby can open in, each covered by DesktopIT where it installs and starts; kitty and
# alacritty draw with OpenGL, which Xvfb offers through Mesa's software renderer. Measured on Debian 12: about
# 80 s and 270 MB together, konsole alone 44 s and 146 MB.
optional=()
for terminal in xfce4-terminal gnome-terminal konsole kitty alacritty; do
  command -v "$terminal" >/dev/null || optional+=("$terminal")
done
compgen -G '/usr/lib/*/dri/swrast_dri.so' >/dev/null || optional+=(libgl1-mesa-dri)
if [ ${#need[@]} -gt 0 ] || [ ${#optional[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "run-tests.sh: installing ${need[*]} ${optional[*]}" >&2
    apt-get update -qq >&2
    if [ ${#need[@]} -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
    fi
    for pkg in "${optional[@]}"; do
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2 \
        || echo "run-tests.sh: $pkg did not install; DesktopIT says which terminals it could not cover" >&2
    done
  else
    echo "run-tests.sh: missing ${need[*]} ${optional[*]}; tests that need them will be skipped" >&2
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

# phoenix must build on newer JDKs too, whose javac lints and doclint grow with each release (JDK 23's
# dangling-doc-comments lint once broke the build there unnoticed): with the newest JDK 21 or later found under
# /usr/lib/jvm, the whole build without tests (javadoc included); then the tests, rebuilt on this JDK.
newer=""
newest=0
for home in /usr/lib/jvm/*/; do
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "${home}release" 2>/dev/null || true)
  if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$newest" ] && [ -x "${home}bin/javac" ]; then
    newer=${home%/}
    newest=$v
  fi
done
clean=()
if [ -n "$newer" ]; then
  echo "run-tests.sh: building with JDK $newest ($newer) first, without tests" >&2
  JAVA_HOME=$newer ./mvnw -q -B -DskipTests -DskipITs package
  clean=(clean)
else
  echo "run-tests.sh: no JDK 21 or later under /usr/lib/jvm; the build on a newer JDK is not checked" >&2
fi

exec ./mvnw -B "${clean[@]}" verify -Dphoenix.requireTools="$require" "$@"
