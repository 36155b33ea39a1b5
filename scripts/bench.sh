#!/usr/bin/env bash
# Benchmarks (not tests): each prints its figures, hpod side by side with Optuna where
# the issue asks for a ratio.
#   scripts/bench.sh storage|samplers|pruners|load|orchestrator|slurm|all
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

# hpod's samplers next to Optuna 3.1's (driven through /usr/bin/python3): quality on five
# test functions, ms per ask, peak RSS. Options: see tests/bench/sampler_bench.cpp, e.g.
#   scripts/bench.sh samplers --mode speed --samplers tpe,tpe-mv,optuna-tpe --speed-n 1000
run_samplers() {
  ninja -C "$build" -j2 sampler_bench >/dev/null
  "$build/sampler_bench" "$@"
}

case "$what" in
  storage) configure; run_storage "$@" ;;
  samplers) configure; run_samplers "$@" ;;
  all) configure; run_storage; run_samplers ;;
  *) echo "usage: $0 storage|samplers|all [options]" >&2; exit 2 ;;
esac
