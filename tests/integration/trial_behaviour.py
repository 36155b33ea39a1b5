#!/usr/bin/env python3
"""A trial command for the orchestrator tests: does what its "mode" parameter says.

  complete      reports steps 0..2 and tells the value
  report_only   reports steps 0..2 and exits 0 without telling
  ignore_prune  reports a value, ignores being pruned and SIGTERM, sleeps
  crash         writes to stderr and exits 3
  silent        never reports, sleeps (heartbeat timeout)
  lose_once     the first time, kills its own process group (a lost process); then completes
  gpu           reports its CUDA_VISIBLE_DEVICES as a user attribute and completes
  long          reports every 0.1 s for `steps` steps, logging every acknowledged report
"""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from hpod_client import Trial  # noqa: E402

trial = Trial.from_env()
mode = trial.params.get("mode", "long")
run_dir = os.environ["HPOD_RUN_DIR"]

if mode == "complete":
    for s in range(3):
        trial.report(s, 1.0 / (s + 1))
    trial.complete(0.25)
elif mode == "report_only":
    for s in range(3):
        trial.report(s, 2.0 + s)
elif mode == "ignore_prune":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(os.path.join(run_dir, "pid"), "w") as f:
        f.write(str(os.getpid()))
    pruned = trial.report(0, 100.0)
    with open(os.path.join(run_dir, "pruned"), "w") as f:
        f.write(str(pruned))
    time.sleep(600)
elif mode == "crash":
    sys.stderr.flush()
    sys.stderr.buffer.write(b"\xff\xfe not UTF-8\n")  # the daemon must survive any bytes
    sys.stderr.buffer.flush()
    sys.stderr.write("loading data\nRuntimeError: CUDA out of memory (pretend)\n")
    sys.exit(3)
elif mode == "silent":
    with open(os.path.join(run_dir, "pid"), "w") as f:
        f.write(str(os.getpid()))
    time.sleep(600)
elif mode == "lose_once":
    marker = os.path.join(os.environ["MARKER_DIR"], "lost-" + os.environ["HPOD_STUDY"])
    if not os.path.exists(marker):
        open(marker, "w").close()
        os.killpg(os.getpgrp(), signal.SIGKILL)
    trial.complete(1.5)
elif mode == "gpu":
    trial.complete(float(os.environ.get("CUDA_VISIBLE_DEVICES", "-1")),
                   user_attrs={"gpu": os.environ.get("CUDA_VISIBLE_DEVICES"), "t": time.time()})
    time.sleep(0.3)
else:  # long
    steps = int(trial.params.get("steps", 20))
    log = open(os.path.join(run_dir, "acked"), "a")
    x = float(trial.params.get("x", 0.0))
    for s in range(steps):
        v = (x - 1) ** 2 + 1.0 / (s + 1)
        if trial.report(s, v):
            log.write(json.dumps([s, v]) + "\n")
            log.flush()
            sys.exit(0)
        log.write(json.dumps([s, v]) + "\n")
        log.flush()
        time.sleep(float(trial.params.get("sleep", 0.1)))
    trial.complete((x - 1) ** 2)
