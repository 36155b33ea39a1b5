#!/usr/bin/python3
"""hpod with Slurm trials when Slurm misbehaves: the real daemon against the local test
cluster (scripts/slurm-local.sh; SLURM_CONF must point at it, else the test skips).

slurmctld is stopped and started again inside the tests by the pid in the cluster's
run/slurmctld.pid, as scripts/slurm-local.sh started it. Scenarios: a stop during a
controller outage (retried until the job ends, SIGKILL still kill_after_term_s after the
SIGTERM, shown as pending; polls go on while launches fail), a trial that told its value
and exited during an outage (not cancelled afterwards), refused launches (the planned trials
stay, the study pauses), a restart of hpod on port 0 with a trial running, outcomes from
Slurm states in the log, a job submitted just before hpod was killed (adopted, no twin),
and a job over its memory limit.
"""
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from harness import Hpod, wait_for  # noqa: E402

CONF = os.environ.get("SLURM_CONF", "")
PREFIX = os.path.dirname(os.path.dirname(CONF)) if CONF else ""
PYTHON = "/usr/bin/python3"
HPOCTL = os.environ.get("HPOCTL_BIN") or os.path.join(os.path.dirname(os.environ.get("HPOD_BIN", "")), "hpoctl")
KILL_AFTER_TERM_S = 4


def run(argv, timeout=30):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def unique(tag):
    # Job names (hpod-<study>-<n>) must not meet an earlier run's jobs in squeue or jobcomp.
    return "sf-%s-%d-%04d" % (tag, os.getpid(), random.randrange(10000))


class Controller:
    """slurmctld of the local cluster: stopped by its pid, started as slurm-local.sh does."""

    def pid(self):
        try:
            with open(os.path.join(PREFIX, "run", "slurmctld.pid")) as f:
                pid = int(f.read().strip())
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() != "slurmctld":
                    return None
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if (PREFIX + "/").encode() not in f.read():
                    return None
            return pid
        except (OSError, ValueError):
            return None

    def stop(self):
        pid = self.pid()
        assert pid, "slurmctld of %s is not running" % PREFIX
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not os.path.exists("/proc/%d" % pid), 30, 0.05, "slurmctld to exit")

    def start(self):
        if not self.pid():
            r = run(["slurmctld", "-f", CONF, "-i"])
            assert r.returncode == 0, r.stderr
            wait_for(lambda: run(["sinfo", "-h"], 15).returncode == 0, 60, 0.2, "slurmctld to answer")
        wait_for(lambda: re.search(r" State=(IDLE|MIXED|ALLOCATED)", run(["scontrol", "-o", "show", "node"]).stdout),
                 60, 0.2, "the node to be up")


def job_state(job_id):
    out = run(["squeue", "-h", "-t", "all", "-j", str(job_id), "-o", "%T"]).stdout.strip()
    if out:
        return out
    out = run(["sacct", "-c", "-n", "-P", "-j", str(job_id), "-o", "state"]).stdout.strip()
    return out.split("\n")[-1].split()[0] if out else ""


def wrapper_dir(test, client, body):
    """A directory with a `client` script (body: shell lines; $REAL is the real client) to put
    first in hpod's PATH; removed after the test."""
    d = tempfile.mkdtemp(prefix="hpod-sf-bin-")
    test.addCleanup(shutil.rmtree, d, True)
    real = run(["sh", "-c", "command -v " + client]).stdout.strip()
    with open(os.path.join(d, client), "w") as f:
        f.write("#!/bin/sh\nREAL=%s\n%s\n" % (real, body.replace("@DIR@", d)))
    os.chmod(os.path.join(d, client), 0o755)
    return d


def start_with_path(h, first):
    path = os.environ["PATH"]
    os.environ["PATH"] = first + ":" + path
    try:
        return h.start()
    finally:
        os.environ["PATH"] = path


def jobs_named(name):
    out = run(["squeue", "-h", "-t", "all", "-n", name, "-o", "%i"]).stdout.split()
    return sorted(set(out))


@unittest.skipUnless(CONF, "SLURM_CONF is not set")
class SlurmFaults(unittest.TestCase):
    def setUp(self):
        self.ctl = Controller()
        self.ctl.start()  # a failed earlier test may have left it stopped
        self.go_dir = tempfile.mkdtemp(prefix="hpod-sf-go-")
        self.addCleanup(shutil.rmtree, self.go_dir, True)
        self.h = Hpod(extra_config={"poll_interval_s": 1, "kill_after_term_s": KILL_AFTER_TERM_S,
                                    "pause_after_refusals": 3})
        self.started = []

    def tearDown(self):
        self.ctl.start()
        names = ",".join(self.started)
        if names:
            ids = run(["squeue", "-h", "-n", names, "-o", "%i"]).stdout.split()
            if ids:
                run(["scancel"] + ids)
        self.h.cleanup()

    def study(self, tag, mode, n_trials=1, max_parallel=1, trial=None, executor=None):
        name = unique(tag)
        t = {"command": [PYTHON, "slurm_trial.py"], "workdir": HERE, "env": {"GO_DIR": self.go_dir},
             "prune_grace_s": 1, "heartbeat_timeout_s": 600, "max_retries": 0}
        t.update(trial or {})
        ex = {"type": "slurm"}
        ex.update(executor or {})
        for n in range(n_trials):
            self.started.append("hpod-%s-%d" % (name, n))
        d = {"name": name, "search_space": {"mode": {"type": "categorical", "choices": [mode]}},
             "sampler": {"type": "random", "seed": 1}, "pruner": {"type": "nop"},
             "budget": {"n_trials": n_trials, "max_parallel": max_parallel}, "trial": t, "executor": ex}
        status, body = self.h.submit(d)
        self.assertEqual(status, 201, body)
        return name

    def trials(self, name):
        status, body = self.h.request("GET", "/api/v1/studies/%s/trials" % name)
        self.assertEqual(status, 200, body)
        return body["trials"]

    def trial(self, name, number):
        for t in self.trials(name):
            if t["number"] == number:
                return t
        return None

    def show(self, name):
        return self.h.request("GET", "/api/v1/studies/%s" % name)[1]

    def run_dir(self, name, number):
        return os.path.join(self.h.dir, "runs", name, str(number))

    def job_id(self, name, number):
        t = self.trial(name, number)
        return t and t["system_attrs"].get("slurm_job_id")

    def metric(self, key):
        status, text = self.h.request("GET", "/metrics")
        m = re.search(r"^%s (\S+)$" % key, text, re.M)
        return float(m.group(1)) if m else None

    def wait_started(self, name, number=0, timeout=60):
        wait_for(lambda: os.path.exists(os.path.join(self.run_dir(name, number), "started")), timeout, 0.1,
                 "trial %d of %s to start" % (number, name))
        wait_for(lambda: self.job_id(name, number), 15, 0.1, "the job id")
        return self.job_id(name, number)

    # ---------------------------------------------------------------- 21.2, 21.3, 21.7
    def test_a_stop_during_an_outage_is_retried_until_the_job_ends(self):
        h = self.h.start()
        name = self.study("stop", "stubborn")
        job = self.wait_started(name)
        tid = self.trial(name, 0)["id"]
        term_at = os.path.join(self.run_dir(name, 0), "term_at")

        self.ctl.stop()
        down_at = time.monotonic()
        polls_before = self.metric("hpod_executor_polls_total")
        # Launches queue up while the controller is down: polls must not wait behind them.
        queued = self.study("queued", "complete", n_trials=3, max_parallel=3)
        status, body = h.request("DELETE", "/api/v1/trials/%d" % tid)
        self.assertEqual(status, 200, body)

        def pending():
            stops = self.show(name).get("pending_stops", [])
            return stops and stops[0]["failed_attempts"] >= 1 and stops[0]
        stop = wait_for(pending, 40, 0.2, "the pending stop to show a failed attempt")
        self.assertEqual(stop["trial"], 0)
        self.assertEqual(stop["job_id"], job)
        self.assertEqual(stop["stage"], "SIGTERM not delivered yet")
        self.assertIn("controller", stop["last_error"])
        shown = run([HPOCTL, "--url", h.url, "--token", h.admin, "show", name]).stdout
        self.assertIn("stopping   trial 0, job %s: SIGTERM not delivered yet" % job, shown)

        # Polls go on through the outage: the longest stretch without a new poll is one client
        # timeout (squeue's, 15 s; the poll itself may be the call that tries the controller)
        # plus a cycle, never one timeout per queued sbatch or scancel. A poll starts only
        # after the previous one ended, so the counter counts finished polls too.
        last_change, longest, last = down_at, 0.0, polls_before
        while time.monotonic() - down_at < 30:
            now, polls = time.monotonic(), self.metric("hpod_executor_polls_total")
            if polls != last:
                longest, last_change, last = max(longest, now - last_change), now, polls
            time.sleep(0.25)  # sampling a counter: this interval is the measurement's resolution
        longest = max(longest, time.monotonic() - last_change)
        print("a 30 s outage with 3 launches and a stop queued: %d polls, longest gap %.1f s"
              % (last - polls_before, longest))
        self.assertLessEqual(longest, 15 + 1 + 5)
        self.assertFalse(os.path.exists(term_at))

        self.ctl.start()
        up_at = time.monotonic()
        wait_for(lambda: os.path.exists(term_at), 30, 0.1, "SIGTERM to reach the job after the outage")
        print("SIGTERM delivered %.1f s after slurmctld came back" % (time.monotonic() - up_at))
        wait_for(lambda: job_state(job) == "CANCELLED", KILL_AFTER_TERM_S + 40, 0.2, "the job to be cancelled")
        with open(term_at) as f:
            terms = [float(x) for x in f.read().split()]
        # scancel's own SIGTERM (before its SIGKILL) marks hpod's kill: kill_after_term_s after the first.
        self.assertGreaterEqual(len(terms), 2, terms)
        self.assertGreaterEqual(terms[1] - terms[0], KILL_AFTER_TERM_S - 0.5, terms)
        wait_for(lambda: self.show(name)["pending_stops"] == [], 20, 0.2, "the pending stop to go")
        self.assertIn("killed by the operator", self.trial(name, 0)["system_attrs"].get("fail_reason", ""))
        wait_for(lambda: self.trial(name, 0)["system_attrs"].get("job_state") == "CANCELLED", 20, 0.2, "job_state")
        log = h.read_log()
        self.assertRegex(log, r"%s trial 0 \(already FAIL\): slurm job %s ended CANCELLED" % (name, job))
        # The queued study's trials ran once the controller was back.
        wait_for(lambda: self.show(queued)["trials"]["COMPLETE"] == 3, 90, 0.5, "the queued study to complete")

    # ---------------------------------------------------------------- 21.4
    def test_a_trial_that_told_and_exited_during_an_outage_is_not_cancelled(self):
        calls = wrapper_dir(self, "scancel", 'echo "$*" >> @DIR@/calls\nexec "$REAL" "$@"')
        start_with_path(self.h, calls)
        name = self.study("told", "wait_go")
        job = self.wait_started(name)
        wait_for(lambda: self.trial(name, 0)["last_step"] == 0, 30, 0.1, "the first report")
        self.ctl.stop()
        open(os.path.join(self.go_dir, "go-" + name), "w").close()
        wait_for(lambda: self.trial(name, 0)["state"] == "COMPLETE", 60, 0.1, "the tell")
        exit_status = os.path.join(self.run_dir(name, 0), "exit_status")
        wait_for(lambda: os.path.exists(exit_status), 30, 0.1, "the command's exit status")
        # Past prune_grace_s (1 s) and then some while Slurm cannot tell.
        t0 = time.monotonic()
        wait_for(lambda: time.monotonic() - t0 > 6, 10, 0.5, "the grace period to pass")
        self.ctl.start()
        wait_for(lambda: job_state(job) in ("COMPLETED", "CANCELLED"), 120, 0.5, "the job's end")
        self.assertEqual(job_state(job), "COMPLETED")
        wait_for(lambda: "job_state" in self.trial(name, 0)["system_attrs"], 30, 0.2, "the job's end on the trial")
        t = self.trial(name, 0)
        self.assertEqual(t["state"], "COMPLETE")
        self.assertEqual(t["value"], 1.5)
        self.assertEqual(t["system_attrs"]["job_state"], "COMPLETED")
        self.assertEqual(self.show(name)["pending_stops"], [])
        # Its job was never signalled, during the outage or after.
        self.assertFalse(os.path.exists(os.path.join(calls, "calls")))

    # ---------------------------------------------------------------- 21.5
    def test_refused_launches_keep_the_planned_trials_and_pause_the_study(self):
        self.h.start()
        t0 = time.monotonic()
        name = self.study("refused", "complete", n_trials=5, max_parallel=2, executor={"partition": "nonexistent"})
        wait_for(lambda: self.show(name)["state"] == "paused", 60, 0.2, "the study to pause")
        paused_after = time.monotonic() - t0
        print("paused after %.1f s" % paused_after)
        s = self.show(name)
        self.assertIn("Invalid partition name specified", s["last_error"])
        self.assertIn("paused", s["last_error"])
        # Rounds 1, 2, 3 at 0, 5 and 15 s (back-off 5, 10 s): paused at the third.
        self.assertGreater(paused_after, 14)
        self.assertLess(paused_after, 30)
        trials = self.trials(name)
        self.assertEqual([t["state"] for t in trials], ["RUNNING", "RUNNING"])
        self.assertEqual(s["budget"]["finished"], 0)
        refusals = re.findall(r"%s trial \d+: launch refused: .*?\(trying again in (\d+) s\)" % name, self.h.read_log(),
                              re.S)
        # Both trials in rounds 1 and 2; round 3's first refusal pauses the study, so the
        # other trial is not tried again. Each round backs off once: 5, 10, 20 s.
        self.assertEqual(len(refusals), 5, refusals)
        self.assertEqual([int(r) for r in refusals[::2]], [5, 10, 20], refusals)
        self.assertEqual(jobs_named("hpod-%s-0,hpod-%s-1" % (name, name)), [])

    # ---------------------------------------------------------------- 21.6
    def test_a_restart_on_port_0_comes_back_where_the_running_trials_report(self):
        h = self.h.start()
        port = int(h.url.rsplit(":", 1)[1])
        name = self.study("port", "wait_go")
        self.wait_started(name)
        wait_for(lambda: self.trial(name, 0)["last_step"] == 0, 30, 0.1, "the first report")
        h.kill9()
        h.config["listen"] = "127.0.0.1:0"
        # The port is taken: hpod must refuse rather than take another one.
        blocker = socket.socket()
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", port))
        blocker.listen(1)
        try:
            self.assertNotEqual(h.start(expect_failure=True), 0)
            h.log.close()
            self.assertIn("where this database's running trials report", h.read_log())
        finally:
            blocker.close()
        h.config["listen"] = "127.0.0.1:0"
        h.start()
        self.assertEqual(int(h.url.rsplit(":", 1)[1]), port)
        open(os.path.join(self.go_dir, "go-" + name), "w").close()
        wait_for(lambda: self.trial(name, 0)["state"] == "COMPLETE", 60, 0.2, "the trial to tell after the restart")
        self.assertEqual(self.trial(name, 0)["value"], 1.5)

    # ---------------------------------------------------------------- 21.7
    def test_every_outcome_from_a_slurm_state_is_logged_with_its_reason(self):
        self.h.start()
        name = self.study("outcomes", "stubborn", n_trials=2, max_parallel=2)
        job0 = self.wait_started(name, 0)
        job1 = self.wait_started(name, 1)
        run(["scancel", job0])
        node = re.search(r"NodeName=(\S+)", run(["scontrol", "-o", "show", "node"]).stdout).group(1)
        try:
            self.assertEqual(run(["scontrol", "update", "nodename=" + node, "state=down", "reason=hpod-test"]).returncode, 0)
            wait_for(lambda: self.show(name)["trials"]["FAIL"] == 2, 90, 0.2, "both trials to fail")
        finally:
            run(["scontrol", "update", "nodename=" + node, "state=resume"])
        log = self.h.read_log()
        self.assertRegex(log, r"%s trial 0: slurm job %s ended CANCELLED \(Slurm job %s CANCELLED by someone else.*\) "
                              r"-> FAIL: CANCELLED by someone else" % (name, job0, job0))
        self.assertRegex(log, r"%s trial 1: slurm job %s ended NODE_FAIL \(Slurm job %s NODE_FAIL.*\) -> FAIL: NODE_FAIL"
                         % (name, job1, job1))

    # ---------------------------------------------------------------- 13.4
    def test_a_job_submitted_just_before_hpod_died_is_adopted_not_doubled(self):
        # An sbatch that queues the job and then kills hpod before it can store the job id.
        fake = wrapper_dir(self, "sbatch", 'out=$("$REAL" "$@") || exit $?\necho "$out" >> @DIR@/ids\nkill -9 $PPID\nsleep 5\n'
                                     'echo "$out"')
        ids = os.path.join(fake, "ids")
        h = start_with_path(self.h, fake)
        name = self.study("orphan", "wait_go")
        wait_for(lambda: h.proc.poll() is not None, 60, 0.1, "the sbatch wrapper to kill hpod")
        h.log.close()
        with open(ids) as f:
            orphan = f.read().split()
        self.assertEqual(len(orphan), 1)
        h.start()
        wait_for(lambda: self.job_id(name, 0), 60, 0.2, "trial 0's job")
        self.assertEqual(self.job_id(name, 0), orphan[0])
        self.assertIn("was started before hpod stopped but never recorded; adopting it", h.read_log())
        open(os.path.join(self.go_dir, "go-" + name), "w").close()
        wait_for(lambda: self.trial(name, 0)["state"] == "COMPLETE", 60, 0.2, "the adopted job's trial to tell")
        self.assertEqual(jobs_named("hpod-%s-0" % name), [orphan[0]])
        self.assertEqual(len(self.trials(name)), 1)

    # ---------------------------------------------------------------- 21.8
    def test_a_job_over_its_memory_limit_ends_out_of_memory(self):
        config = run(["scontrol", "show", "config"]).stdout
        cgroup = re.search(r"^TaskPlugin\s*=\s*\S*task/cgroup", config, re.M) is not None
        sampling = re.search(r"^JobAcctGatherParams\s*=\s*\S*OverMemoryKill", config, re.M) is not None
        if not cgroup and not sampling:
            self.skipTest("this cluster does not enforce --mem (see README, Slurm)")
        self.h.start()
        name = self.study("oom", "hog", executor={"mem": "200M"})
        wait_for(lambda: self.show(name)["trials"]["FAIL"] == 1, 120, 0.5, "the trial to fail")
        t = self.trial(name, 0)
        if cgroup:
            # The cgroup's OOM killer: Slurm's own state for it.
            self.assertEqual(t["system_attrs"]["job_state"], "OUT_OF_MEMORY", t["system_attrs"])
            self.assertIn("OUT_OF_MEMORY", t["system_attrs"]["fail_reason"])
        else:
            # Killed by sampling (slurm-local.sh HPOD_SLURM_MEMORY=sampling): Slurm says FAILED.
            self.assertEqual(t["system_attrs"]["job_state"], "FAILED", t["system_attrs"])
            with open(os.path.join(self.run_dir(name, 0), "stderr")) as f:
                self.assertIn("exceeded memory limit", f.read())
        self.assertRegex(self.h.read_log(), r"%s trial 0: slurm job \d+ ended %s" % (name, t["system_attrs"]["job_state"]))


if __name__ == "__main__":
    if not CONF:
        print("test_slurm_faults: SKIPPED: SLURM_CONF is not set (eval \"$(scripts/slurm-local.sh start)\")")
        sys.exit(77)
    unittest.main(verbosity=2)
