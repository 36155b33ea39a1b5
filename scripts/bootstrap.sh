#!/usr/bin/env bash
# Installs, only where missing, every Debian package that hpod's build, demo and tests
# need. Idempotent: a second run installs nothing. Needs root (or sudo) when something
# is missing.
#
#   scripts/bootstrap.sh            build + demo + every test (Slurm, Optuna, Chromium)
#   scripts/bootstrap.sh --minimal  build + demo only
set -euo pipefail

build_pkgs=(cmake ninja-build g++ ccache clang libclang-rt-14-dev
  libboost1.81-dev libeigen3-dev nlohmann-json3-dev libsqlitecpp-dev libspdlog-dev
  doctest-dev libssl-dev liblbfgspp-dev python3 curl procps)
# Tests: the real Optuna (3.1) for the compatibility tests and side-by-side benchmarks,
# plotly for Optuna's plots, a one-node Slurm cluster, headless Chromium for the
# dashboard, tmux to read `hpoctl tail` through a terminal. Not python3-scipy: it
# conflicts with libboost1.81-dev.
test_pkgs=(python3-optuna python3-plotly sqlite3 slurmctld slurmd slurm-client munge
  chromium tmux)

pkgs=("${build_pkgs[@]}")
[ "${1:-}" = "--minimal" ] || pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#pkgs[@]} packages present" >&2
  exit 0
fi

echo "bootstrap: installing ${#missing[@]} missing packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi

# The Slurm and munge packages try to start their services on install; hpod's scripts run
# them privately instead, so deny service starts while installing (unless a policy exists).
policy=${HPOD_POLICY_RC:-/usr/sbin/policy-rc.d}  # overridable for tests/scripts/test_bootstrap.py
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  added_policy=1
fi
# A trap's status becomes the script's: never let "nothing to clean up" read as failure.
cleanup() { if [ "$added_policy" = 1 ]; then $sudo rm -f "$policy" || true; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=300 -y -q --no-install-recommends)
$sudo apt-get -o DPkg::Lock::Timeout=300 -q update >/dev/null
$sudo apt-get install "${apt_opts[@]}" "${missing[@]}" >/dev/null
echo "bootstrap: done" >&2
