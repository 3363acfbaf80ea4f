#!/usr/bin/env bash
# The long chaos run: ChaosIT until 1000 takeovers over the whole run (fresh starts included), by random kills,
# terminations, pauses, floods, restarts and state directory loss.
#   test-scripts/chaos.sh [TAKEOVERS] [SEED]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
takeovers=${1:-1000}
seed=${2:-$RANDOM}
exec ./mvnw -B verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ChaosIT \
  -Dphoenix.chaos.rounds=0 -Dphoenix.chaos.takeovers="$takeovers" -Dphoenix.chaos.seed="$seed"
