#!/usr/bin/env bash
# Checks a saved output of phoenix: numbers only, from 1, each either the next new number or a repeat (the
# duplicate a takeover may cause); a jump ahead is a skip. Exit 0 when sound, 1 when not.
#   test-scripts/verify-sequence.sh FILE [MAX_DUPLICATES]
set -euo pipefail
file=${1:?usage: verify-sequence.sh FILE [MAX_DUPLICATES]}
maxdup=${2:-}
awk -v maxdup="$maxdup" '
  !/^[0-9]+$/ { printf "line %d is not a number: %s\n", NR, $0; bad = 1; exit 1 }
  { n = $1 + 0
    if (n > max + 1) { printf "line %d skips from %d to %d\n", NR, max, n; bad = 1; exit 1 }
    if (n <= max) dup++; else max = n }
  END { if (bad) exit 1
        printf "%d lines, from 1 to %d, no gap, %d duplicates\n", NR, max, dup
        if (maxdup != "" && dup > maxdup + 0) { printf "more than %d duplicates\n", maxdup; exit 1 } }
' "$file"
