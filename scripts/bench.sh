#!/usr/bin/env bash
# Benchmarks (not tests): each prints its figures, hpod side by side with Optuna where
# the issue asks for a ratio.
#   scripts/bench.sh storage|samplers|gp|pruners|load|dashboard|orchestrator|slurm|all
#   gp: GP sampler speed (ms per ask at N = 100/300/1000, D = 5/10, peak RSS) and the
#       running-trials rule; options pass through, e.g. scripts/bench.sh gp speed --dims 10
#       --points 300. GP quality: scripts/bench.sh samplers --samplers gp,tpe,random,optuna-tpe
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

run_load() {
  ninja -C "$build" -j2 hpod report_load >/dev/null
  echo "== hpod"
  "$build/report_load" --hpod "$build/hpod" "$@"
  echo
  echo "== Optuna 3.1 (the same reports through its SQLite storage)"
  /usr/bin/python3 "$here/tests/bench/optuna_report_load.py"
}

# Pruners: steps consumed / best value on simulated learning curves and decision latency
# at 10,000 trials, hpod vs Optuna 3.1 (Debian's /usr/bin/python3). Options go to
# pruner_bench, e.g. `scripts/bench.sh pruners --sampler hash` or `--mode latency`.
run_pruners() {
  ninja -C "$build" -j2 pruner_bench >/dev/null
  "$build/pruner_bench" --python /usr/bin/python3 \
    --optuna-script "$here/tests/bench/optuna_pruner_bench.py" "$@"
}

# Open dashboards: durable reports/s from 16 trials with 0 and with 50 Server-Sent Events
# subscribers on the study (each receives every report), alternating, 5 runs of 5 s each;
# prints the medians and the slowdown. synchronous=NORMAL makes ingestion CPU-bound, the
# case where the streams' cost would show (pass --sync FULL for the default setting).
# Optuna has no event stream to compare with: the ratio is 50 streams against none.
run_dashboard() {
  ninja -C "$build" -j2 hpod report_load >/dev/null
  "$build/report_load" --hpod "$build/hpod" --connections 16 --streams 0,50 --seconds 5 --repeat 5 \
    --memory-values 0 --sync NORMAL "$@"
}

run_orchestrator() {
  ninja -C "$build" -j2 hpod >/dev/null
  /usr/bin/python3 "$here/tests/bench/orchestrator_bench.py" --hpod "$build/hpod" "$@"
}

# Needs a Slurm cluster: the one in SLURM_CONF, else the local test cluster, started here
# and stopped on exit (root; scripts/slurm-local.sh installs slurm and munge if missing).
run_slurm() {
  ninja -C "$build" -j2 slurm_bench >/dev/null
  if [ -z "${SLURM_CONF:-}" ]; then
    local prefix=/tmp/hpod-slurm-bench
    trap 'bash "$here/scripts/slurm-local.sh" stop --purge '"$prefix"' >/dev/null 2>&1' EXIT
    eval "$(bash "$here/scripts/slurm-local.sh" start "$prefix")"
  fi
  "$build/slurm_bench" "$@"
}

# hpod's samplers next to Optuna 3.1's (Debian 12's, /usr/bin/python3) and Optuna 4.1's
# (Debian 13's, unpacked by scripts/optuna4.sh; HPOD_OPTUNA4=PYTHONPATH for another 4.x;
# without either the benchmark drops its Optuna 4.x rows and says so): quality on five
# test functions, ms per ask, peak RSS. Options: see tests/bench/sampler_bench.cpp, e.g.
#   scripts/bench.sh samplers --mode speed --samplers tpe,tpe-mv,optuna-tpe,optuna4-tpe --speed-n 1000
run_samplers() {
  ninja -C "$build" -j2 sampler_bench >/dev/null
  local optuna4=${HPOD_OPTUNA4:-$(bash "$here/scripts/optuna4.sh" path "$build" || true)}
  "$build/sampler_bench" ${optuna4:+--optuna4 "$optuna4"} "$@"
}

case "$what" in
  storage) configure; run_storage "$@" ;;
  load) configure; run_load "$@" ;;
  samplers) configure; run_samplers "$@" ;;
  gp) configure; run_gp "$@" ;;
  pruners) configure; run_pruners "$@" ;;
  dashboard) configure; run_dashboard "$@" ;;
  orchestrator) configure; run_orchestrator "$@" ;;
  slurm) configure; run_slurm "$@" ;;
  all) configure; run_storage; run_samplers; run_gp; run_pruners; run_load; run_dashboard; run_orchestrator; run_slurm ;;
  *) echo "usage: $0 storage|samplers|gp|pruners|load|dashboard|orchestrator|slurm|all [options]" >&2; exit 2 ;;
esac
