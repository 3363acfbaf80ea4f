#!/usr/bin/env bash
# Checks a saved output of phoenix: numbers only, from 1, each either the next new number or a repeat (the
# duplicate a takeover may cause); a jump ahead is a skip. Exit 0 when sound, 1 when not, 2 on a bad call.
#   test-scripts/verify-sequence.sh FILE [MAX_DUPLICATES]
# The rule is the tests' own (phoenix.testing.Sequence), run from the test classes, built first when needed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: verify-sequence.sh FILE [MAX_DUPLICATES]" >&2; exit 2; }
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; else java=java; fi
class="$root/app/target/test-classes/phoenix/testing/Sequence.class"
if [ ! -f "$class" ] || [ -n "$(find "$root/app/src/test/java/phoenix/testing" -newer "$class" -print -quit)" ]; then
  echo "verify-sequence: building the test classes..." >&2
  (cd "$root" && ./mvnw -q -B -DskipTests -Dcheckstyle.skip=true test-compile) >&2
fi
exec "$java" -cp "$root/app/target/test-classes" phoenix.testing.Sequence "$@"
