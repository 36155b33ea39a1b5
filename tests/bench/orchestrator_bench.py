#!/usr/bin/python3
"""Orchestrator benchmark (not a test): trials launched per second with a no-op command,
and the time from a trial's end to the next launch, read from hpod's /metrics.

    orchestrator_bench.py --hpod build/hpod [--trials 1000] [--parallel 32]

Each configuration gets its own directory, and the run directories (1,000 per row) are all
deleted only at the end: ext4 skips recently freed inodes when it allocates new ones, so
for a minute or more after deleting thousands of files every mkdir/create gets slower
(perf shows ext4's recently_deleted and find_get_block_common on top), and deleting between
rows measured that instead of hpod. Run it twice within a few minutes and the second run
pays for the first one's clean-up.
"""
import argparse
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def run(hpod_bin, trials, parallel, sync, kept_dirs):
    harness.HPOD = os.path.abspath(hpod_bin)
    h = harness.Hpod(extra_config={"sqlite_synchronous": sync, "poll_interval_s": 1,
                                   "log": {"level": "warn"}}, keep=True).start()
    kept_dirs.append(h.dir)
    try:
        d = {"name": "bench", "search_space": {"x": {"type": "float", "low": 0, "high": 1}},
             "sampler": {"type": "random", "seed": 1}, "pruner": {"type": "nop"},
             "budget": {"n_trials": trials, "max_parallel": parallel},
             "trial": {"command": ["true"], "max_retries": 0, "heartbeat_timeout_s": 0}}
        t0 = time.monotonic()
        assert h.submit(d)[0] == 201
        harness.wait_for(lambda: h.request("GET", "/api/v1/studies/bench")[1]["state"] == "completed",
                         600, 0.05, "the study to finish")
        elapsed = time.monotonic() - t0
        m = h.request("GET", "/metrics")[1]
        launched = metric(m, "hpod_trials_launched_total")
        relaunch = metric(m, "hpod_relaunch_seconds_sum") / max(1, metric(m, "hpod_relaunch_seconds_count"))
        return launched / elapsed, relaunch * 1000, elapsed, launched
    finally:
        h.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hpod", required=True)
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--parallel", type=int, default=32)
    a = ap.parse_args()
    print("orchestrator: %d no-op trials (command `true`), local executor, random sampler" % a.trials)
    print("%-22s %10s %14s %22s" % ("sqlite_synchronous", "parallel", "trials/s", "end -> next launch ms"))
    kept_dirs = []
    try:
        for sync in ("FULL", "NORMAL"):
            for parallel in (1, a.parallel):
                rate, relaunch_ms, _, _ = run(a.hpod, a.trials if parallel > 1 else min(a.trials, 200), parallel, sync,
                                              kept_dirs)
                print("%-22s %10d %14.0f %22.2f" % (sync, parallel, rate, relaunch_ms), flush=True)
    finally:
        for d in kept_dirs:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
