#!/usr/bin/env bash
# Benchmarks (not tests): each prints its figures, hpod side by side with Optuna where
# the issue asks for a ratio.
#   scripts/bench.sh storage|samplers|pruners|load|orchestrator|slurm|gp|all
#   gp: GP sampler speed (ms per ask at N = 100/300/1000, D = 5/10, peak RSS), quality
#       (GP vs random vs Optuna 3.1 TPE, 20 seeds x 100 trials) and the running-trials rule;
#       options pass through, e.g. scripts/bench.sh gp speed --dims 10 --points 300
# Builds Release into build/ first (BUILD_DIR to change it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build}
export CCACHE_BASEDIR=$here
what=${1:-}
shift || true

configure() {
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
}

run_storage() {
  ninja -C "$build" -j2 storage_bench >/dev/null
  "$build/storage_bench" "$@"
}

run_gp() {
  ninja -C "$build" -j2 gp_bench >/dev/null
  "$build/gp_bench" "$@"
}

case "$what" in
  storage) configure; run_storage "$@" ;;
  gp) configure; run_gp "$@" ;;
  all) configure; run_storage; run_gp ;;
  *) echo "usage: $0 storage|gp|all [options]" >&2; exit 2 ;;
esac
