#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this):
#   1. installs what is missing (scripts/bootstrap.sh),
#   2. builds everything (Release, -j2, ccache),
#   3. starts a local Slurm test cluster and runs every ctest suite (the slurm ones
#      against it), then stops the cluster,
#   4. builds the unit tests with clang under ASan + UBSan and runs them.
# Exits non-zero if any step fails; every step runs so one report shows everything.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export CCACHE_BASEDIR=$here
failed=()
step() { echo; echo "==== $*"; }
# Root on a bare Debian image has no sudo; a sudo user needs it for the Slurm test cluster.
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "bootstrap"
bash scripts/bootstrap.sh || { echo "bootstrap failed" >&2; exit 1; }

step "build (Release)"
start=$SECONDS
if cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null && ninja -C build -j2; then
  echo "build: $((SECONDS - start)) s"
else
  echo "build failed" >&2
  exit 1
fi

step "local Slurm cluster (for the tests labelled slurm)"
# A private one-node cluster with 4 fake GPUs, stopped on exit whatever happens.
# HPOD_NO_SLURM=1 skips it (the slurm tests then report "Skipped").
slurm_prefix=/tmp/hpod-slurm-test
if [ "${HPOD_NO_SLURM:-0}" = 1 ]; then
  echo "HPOD_NO_SLURM=1: no cluster; slurm tests will be skipped"
  unset SLURM_CONF
else
  trap 'as_root bash "$here/scripts/slurm-local.sh" stop --purge "$slurm_prefix"' EXIT
  if slurm_env=$(as_root bash scripts/slurm-local.sh start "$slurm_prefix"); then
    eval "$slurm_env"
    echo "SLURM_CONF=$SLURM_CONF"
  else
    echo "could not start the local Slurm cluster (set HPOD_NO_SLURM=1 to skip the slurm tests)" >&2
    failed+=(slurm-cluster)
    unset SLURM_CONF
  fi
fi

step "ctest"
(cd build && ctest -j2 --output-on-failure --timeout 900) | tee build/ctest.log
[ "${PIPESTATUS[0]}" -eq 0 ] || failed+=(ctest)
grep -E "tests passed|tests failed" build/ctest.log | tail -1
if [ -n "${SLURM_CONF:-}" ]; then
  # No test may leave a job behind.
  left=$(timeout 30 squeue -h -o '%i %j %T' 2>&1)
  if [ -n "$left" ]; then echo "jobs left in the queue after the tests:"; echo "$left"; failed+=(slurm-leftover-jobs); fi
  as_root bash scripts/slurm-local.sh stop --purge "$slurm_prefix" && trap - EXIT
fi

step "unit tests under ASan + UBSan (clang)"
if CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS="-O1 -g" -DHPOD_SANITIZE=ON -DHPOD_UNIT_ONLY=ON >/dev/null &&
   ninja -C build-asan -j2 unit_tests fuzz_regress_study_spec fuzz_regress_api; then
  export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
  ./build-asan/unit_tests || failed+=(asan-unit-tests)
  ./build-asan/fuzz_regress_study_spec tests/fuzz/corpus_study_spec tests/fuzz/regressions_study_spec || failed+=(asan-fuzz-regressions)
  ./build-asan/fuzz_regress_api tests/fuzz/corpus_api tests/fuzz/regressions_api || failed+=(asan-fuzz-regressions)
else
  failed+=(asan-build)
fi

echo
if [ ${#failed[@]} -ne 0 ]; then
  echo "test.sh: FAILED: ${failed[*]}"
  exit 1
fi
echo "test.sh: all passed"
