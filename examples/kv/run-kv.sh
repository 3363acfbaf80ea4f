#!/usr/bin/env bash
# Runs the key-value example as a process pair: phoenix's launcher (it builds the jar on first use, and again
# when the sources change, then execs java) with the example's main class.
#   examples/kv/run-kv.sh [run] [options]   examples/kv/run-kv.sh status [--json]   examples/kv/run-kv.sh stop
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PHOENIX_MAIN_CLASS=phoenix.kv.KvMain exec "$here/../../run-phoenix.sh" "$@"
