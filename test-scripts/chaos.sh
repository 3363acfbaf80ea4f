#!/usr/bin/env bash
# The long chaos run: ChaosIT with 1000 rounds of random kills, terminations, pauses and floods (about an hour).
#   test-scripts/chaos.sh [ROUNDS] [SEED]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-1000}
seed=${2:-$RANDOM}
exec ./mvnw -B verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ChaosIT \
  -Dphoenix.chaos.rounds="$rounds" -Dphoenix.chaos.seed="$seed"
