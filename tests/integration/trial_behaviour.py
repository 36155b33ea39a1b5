#!/usr/bin/env python3
"""A trial command for the orchestrator tests: does what its "mode" parameter says.

  complete      reports steps 0..2 and tells the value
  report_only   reports steps 0..2 and exits 0 without telling
  ignore_prune  reports a value, ignores being pruned and SIGTERM, sleeps
  crash         writes to stderr and exits 3
  silent        never reports, sleeps (the client's heartbeats keep it alive)
  cut_off       sends one heartbeat by hand, then nothing, sleeps (a node cut off from hpod)
  no_client     plain HTTP, no heartbeats: sleeps `epoch_s`, reports once, tells (like curl)
  epochs        reports once per epoch of `epoch_s` seconds, `steps` epochs, tells
  hang          reports step 0, then hangs (heartbeats go on from the client's thread)
  downtime      runs through an hpod downtime of DOWNTIME_S seconds; what it does depends
                on its trial number (see downtime_role); logs every report it sends
  lose_once     the first time, kills its own process group (a lost process); then completes
  gpu           reports its CUDA_VISIBLE_DEVICES as a user attribute and completes
  long          reports every 0.1 s for `steps` steps, logging every acknowledged report
"""
import json
import os
import signal
import sys
import time
import urllib.request

from hpod_client import Trial  # PYTHONPATH=clients/python (set by ctest, inherited through hpod)

run_dir = os.environ["HPOD_RUN_DIR"]
mode = json.loads(os.environ["HPOD_PARAMS"]).get("mode", "long")


def plain_post(what, body):
    req = urllib.request.Request("%s/api/v1/trials/%s/%s" % (os.environ["HPOD_URL"], os.environ["HPOD_TRIAL_ID"], what),
                                 data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer " + os.environ["HPOD_TOKEN"]})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def write_pid():
    with open(os.path.join(run_dir, "pid"), "w") as f:
        f.write(str(os.getpid()))


def downtime_role(trial):
    """Trial 4k+0 and 4k+3 report through the downtime and complete after it; 4k+1 finishes
    in the middle of it (its tell waits for hpod); 4k+2 reports a value the threshold pruner
    prunes, during the downtime, and stops when it hears so."""
    downtime = float(os.environ["DOWNTIME_S"])
    role = trial.number % 4
    period = 1.0 if role == 3 else 0.5
    duration = downtime / 2 if role == 1 else downtime + 20
    prune_at = int(downtime / 4 / period) if role == 2 else None
    log = open(os.path.join(run_dir, "sent"), "a")
    t0 = time.monotonic()
    step = 0
    while time.monotonic() - t0 < duration:
        value = 100.0 if step == prune_at else 1.0 / (step + 1)
        sent_at = time.time()
        pruned = trial.report(step, value)
        log.write(json.dumps({"step": step, "value": value, "t": sent_at, "pruned": pruned}) + "\n")
        log.flush()
        if pruned:
            sys.exit(0)
        step += 1
        time.sleep(period)
    trial.complete(float(role))


if mode == "no_client":
    write_pid()
    time.sleep(float(json.loads(os.environ["HPOD_PARAMS"]).get("epoch_s", 1)))
    plain_post("report", {"step": 0, "value": 1.0})
    plain_post("tell", {"state": "complete", "value": 1.0})
    sys.exit(0)

trial = Trial.from_env(heartbeat=mode != "cut_off")

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
    write_pid()
    time.sleep(600)
elif mode == "cut_off":
    write_pid()
    trial.heartbeat()
    time.sleep(600)
elif mode == "epochs":
    for s in range(int(trial.params.get("steps", 3))):
        time.sleep(float(trial.params["epoch_s"]))
        if trial.report(s, 1.0 / (s + 1)):
            sys.exit(0)
    trial.complete(0.5)
elif mode == "hang":
    write_pid()
    trial.report(0, 1.0)
    time.sleep(600)
elif mode == "downtime":
    downtime_role(trial)
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
