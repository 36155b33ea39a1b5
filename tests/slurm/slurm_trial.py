#!/usr/bin/env python3
"""A trial command for the Slurm fault tests (test_slurm_faults.py): does what its "mode"
parameter says. Every mode touches "started" in its run directory first.

  stubborn     ignores SIGTERM (appending the time of each one to "term_at") and sleeps
  wait_go      reports step 0, waits for the file $GO_DIR/go-<study>, tells 1.5 and exits 0
  complete     tells 0.5 and exits 0
  hog          allocates memory until it is stopped (OUT_OF_MEMORY on a cluster that enforces --mem)
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from hpod_client import Trial  # noqa: E402

trial = Trial.from_env()
mode = trial.params.get("mode", "complete")
run_dir = os.environ["HPOD_RUN_DIR"]
open(os.path.join(run_dir, "started"), "w").close()

if mode == "stubborn":
    def note_term(signum, frame):
        with open(os.path.join(run_dir, "term_at"), "a") as f:
            f.write("%.3f\n" % time.time())
    signal.signal(signal.SIGTERM, note_term)
    while True:
        time.sleep(0.2)
elif mode == "wait_go":
    trial.report(0, 3.0)
    go = os.path.join(os.environ["GO_DIR"], "go-" + os.environ["HPOD_STUDY"])
    while not os.path.exists(go):
        time.sleep(0.1)
    trial.complete(1.5)
elif mode == "complete":
    trial.complete(0.5)
elif mode == "hog":
    chunks = []
    while True:
        chunks.append(bytearray(16 << 20))  # touched: bytearray zero-fills
        time.sleep(0.05)
