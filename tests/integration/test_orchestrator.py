#!/usr/bin/python3
"""The orchestrator with the local executor, end to end: real hpod, real trial processes.

Every outcome of a trial's life (complete, pruned and killed after the grace, exit 0
without a value, crash, heartbeat timeout, retry of a lost process, stop, GPU slots, a
refused launch), a bad study file, and kill -9 of hpod five times during a 40-trial study.
"""
import glob
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Hpod, wait_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
HPOCTL = os.path.join(os.path.dirname(os.environ.get("HPOD_BIN", "")), "hpoctl")
PYTHON = "/usr/bin/python3"


def study(name, mode, n_trials=1, max_parallel=1, pruner=None, extra_space=None, trial=None, executor=None,
          marker_dir="/tmp"):
    space = {"mode": {"type": "categorical", "choices": [mode]}}
    space.update(extra_space or {})
    t = {"command": [PYTHON, "trial_behaviour.py"], "workdir": HERE,
         "env": {"MARKER_DIR": marker_dir},
         "prune_grace_s": 1, "heartbeat_timeout_s": 60, "max_retries": 1}
    t.update(trial or {})
    d = {"name": name, "search_space": space, "sampler": {"type": "random", "seed": 1},
         "pruner": pruner or {"type": "nop"}, "budget": {"n_trials": n_trials, "max_parallel": max_parallel},
         "trial": t}
    if executor:
        d["executor"] = executor
    return d


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


class OrchestratorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.marker_dir = tempfile.mkdtemp(prefix="hpod-markers-")
        cls.hpod = Hpod(extra_config={"kill_after_term_s": 1, "poll_interval_s": 0.2,
                                      "studies_dir": "studies"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.hpod.cleanup()

    def submit(self, d):
        s, a = self.hpod.submit(d)
        self.assertEqual(s, 201, a)

    def trials(self, name):
        return self.hpod.request("GET", "/api/v1/studies/%s/trials" % name)[1]["trials"]

    def trial(self, name, number):
        return self.hpod.request("GET", "/api/v1/studies/%s/trials/%d" % (name, number))[1]

    def wait_state(self, name, state, timeout=60):
        return wait_for(lambda: self.hpod.request("GET", "/api/v1/studies/" + name)[1].get("state") == state,
                        timeout, 0.05, "study %s to be %s" % (name, state))

    def run_dir(self, name, number):
        return os.path.join(self.hpod.dir, "runs", name, str(number))

    def test_complete(self):
        self.submit(study("o-complete", "complete"))
        self.wait_state("o-complete", "completed")
        t = self.trial("o-complete", 0)
        self.assertEqual((t["state"], t["value"]), ("COMPLETE", 0.25))
        self.assertEqual(t["intermediate_values"], [[0, 1.0], [1, 0.5], [2, 1.0 / 3]])
        self.assertEqual(t["system_attrs"]["executor"], "local")
        wait_for(lambda: "job_state" in self.trial("o-complete", 0)["system_attrs"], 10, what="the job's end recorded")
        t = self.trial("o-complete", 0)
        self.assertEqual(t["system_attrs"]["job_state"], "EXITED")
        self.assertEqual(t["system_attrs"]["exit_code"], 0)
        with open(os.path.join(self.run_dir("o-complete", 0), "exit_status")) as f:
            self.assertEqual(f.read().strip(), "0")

    def test_a_seeded_study_runs_its_first_parallel_trials_with_distinct_parameters(self):
        d = study("o-seeded", "complete", n_trials=4, max_parallel=4,
                  extra_space={"x": {"type": "float", "low": 0, "high": 1}})
        d["sampler"] = {"type": "tpe", "seed": 42}
        self.submit(d)
        self.wait_state("o-seeded", "completed")
        xs = [t["params"]["x"] for t in self.trials("o-seeded")]
        self.assertEqual(len(xs), 4)
        self.assertEqual(len(set(xs)), 4, xs)

    def test_pruned_trial_is_killed_after_the_grace(self):
        self.submit(study("o-prune", "ignore_prune", pruner={"type": "threshold", "upper": 1.0}))
        rd = self.run_dir("o-prune", 0)
        wait_for(lambda: os.path.exists(os.path.join(rd, "pruned")), 30, what="the trial to hear it was pruned")
        t0 = time.monotonic()
        t = self.trial("o-prune", 0)
        self.assertEqual(t["state"], "PRUNED")  # at once, not when the process ends
        self.assertEqual(t["value"], 100.0)
        with open(os.path.join(rd, "pid")) as f:
            pid = int(f.read())
        self.assertTrue(alive(pid))
        # It ignores SIGTERM (after prune_grace_s = 1), so SIGKILL follows (kill_after_term_s = 1).
        wait_for(lambda: not alive(pid), 15, what="the pruned trial's process to be killed")
        self.assertGreater(time.monotonic() - t0, 1.0)
        wait_for(lambda: "job_state" in self.trial("o-prune", 0)["system_attrs"], 10, what="the job's end recorded")
        self.assertEqual(self.trial("o-prune", 0)["state"], "PRUNED")

    def test_exit_0_without_a_value_fails(self):
        self.submit(study("o-novalue", "report_only"))
        self.wait_state("o-novalue", "completed")
        t = self.trial("o-novalue", 0)
        self.assertEqual(t["state"], "FAIL")
        self.assertEqual(t["system_attrs"]["fail_reason"], "exited without a final value")

    def test_last_report_as_final_value(self):
        self.submit(study("o-last", "report_only", trial={"final_value": "last_report"}))
        self.wait_state("o-last", "completed")
        t = self.trial("o-last", 0)
        self.assertEqual((t["state"], t["value"]), ("COMPLETE", 4.0))

    def test_crash_records_exit_code_and_stderr(self):
        self.submit(study("o-crash", "crash", trial={"max_retries": 0}))
        self.wait_state("o-crash", "completed")
        t = self.trial("o-crash", 0)
        self.assertEqual(t["state"], "FAIL")
        self.assertEqual(t["system_attrs"]["fail_reason"], "exited with code 3")
        self.assertEqual(t["system_attrs"]["exit_code"], 3)
        self.assertIn("CUDA out of memory", t["system_attrs"]["stderr_tail"])
        self.assertEqual(len(self.trials("o-crash")), 1)  # a crash is not retried

    def test_heartbeat_timeout_kills_and_fails(self):
        # It sent a heartbeat, then nothing (a node cut off from hpod).
        self.submit(study("o-silent", "cut_off", trial={"heartbeat_timeout_s": 1}))
        self.wait_state("o-silent", "completed", 30)
        t = self.trial("o-silent", 0)
        self.assertEqual(t["state"], "FAIL")
        self.assertIn("no report or heartbeat", t["system_attrs"]["fail_reason"])
        with open(os.path.join(self.run_dir("o-silent", 0), "pid")) as f:
            pid = int(f.read())
        wait_for(lambda: not alive(pid), 15, what="the silent trial's process to be killed")

    def test_a_lost_process_is_retried_with_the_same_parameters(self):
        self.submit(study("o-lost", "lose_once", extra_space={"x": {"type": "float", "low": 0, "high": 1}},
                          marker_dir=self.marker_dir))
        self.wait_state("o-lost", "completed")
        ts = self.trials("o-lost")
        self.assertEqual(len(ts), 2)
        first, second = ts
        self.assertEqual(first["state"], "FAIL")
        self.assertTrue(first["system_attrs"]["fail_reason"].startswith("LOST"), first["system_attrs"])
        self.assertEqual(first["system_attrs"]["retried_as"], 1)
        self.assertEqual(second["system_attrs"]["retry_of"], 0)
        self.assertEqual(second["state"], "COMPLETE")
        self.assertEqual(second["params"], first["params"])

    def test_a_refused_launch_keeps_the_planned_trial_and_shows_on_the_study(self):
        d = study("o-nolaunch", "complete", trial={"command": ["no-such-program-hpod"], "max_retries": 1})
        self.submit(d)
        wait_for(lambda: (self.hpod.request("GET", "/api/v1/studies/o-nolaunch")[1]["last_error"] or "").startswith(
            "launch refused"), 30, what="the refusal on the study")
        s = self.hpod.request("GET", "/api/v1/studies/o-nolaunch")[1]
        self.assertIn('program "no-such-program-hpod" not found', s["last_error"])
        # Not an outcome: the planned trial waits (backing off), nothing fails, nothing is retried.
        self.assertEqual([t["state"] for t in self.trials("o-nolaunch")], ["RUNNING"])
        self.assertEqual(s["budget"]["finished"], 0)
        self.assertEqual(self.hpod.request("POST", "/api/v1/studies/o-nolaunch/stop")[0], 200)
        self.assertEqual([t["state"] for t in self.trials("o-nolaunch")], ["FAIL"])

    def test_stop_kills_running_trials(self):
        self.submit(study("o-stop", "silent", n_trials=4, max_parallel=2))
        wait_for(lambda: len(glob.glob(os.path.join(self.hpod.dir, "runs", "o-stop", "*", "pid"))) == 2, 30,
                 what="two trials running")
        pids = []
        for p in glob.glob(os.path.join(self.hpod.dir, "runs", "o-stop", "*", "pid")):
            with open(p) as f:
                pids.append(int(f.read()))
        s, a = self.hpod.request("POST", "/api/v1/studies/o-stop/stop")
        self.assertEqual((s, a["state"]), (200, "stopped"))
        ts = self.trials("o-stop")
        self.assertEqual(len(ts), 2)
        self.assertEqual({t["state"] for t in ts}, {"FAIL"})
        self.assertEqual({t["system_attrs"]["fail_reason"] for t in ts}, {"the study was stopped"})
        for pid in pids:
            wait_for(lambda: not alive(pid), 15, what="a stopped trial's process to end")

    def test_gpu_slots(self):
        self.submit(study("o-gpu", "gpu", n_trials=8, max_parallel=4, executor={"type": "local", "gpus": [0, 1]}))
        self.wait_state("o-gpu", "completed", 60)
        ts = self.trials("o-gpu")
        self.assertEqual(len(ts), 8)
        self.assertEqual({t["user_attrs"]["gpu"] for t in ts}, {"0", "1"})
        for t in ts:
            self.assertEqual(t["system_attrs"]["gpus"], t["user_attrs"]["gpu"])
        # At most one trial per GPU at a time: per GPU, the run intervals do not overlap.
        for g in ("0", "1"):
            spans = sorted((t["datetime_start"], t["datetime_complete"]) for t in ts if t["user_attrs"]["gpu"] == g)
            for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
                self.assertLessEqual(a0, b0)

    def test_bad_study_files_are_refused_with_their_message(self):
        bad = os.path.join(self.hpod.dir, "bad.json")
        with open(bad, "w") as f:
            json.dump({"name": "o-bad", "search_space": {"lr": {"type": "float", "low": 0, "high": 1, "log": True}},
                       "budget": {"n_trials": 2}, "trial": {"command": ["true", "{learning_rate}"]}}, f)
        p = subprocess.run([HPOCTL, "--url", self.hpod.url, "--token", self.hpod.admin, "submit", bad],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn(bad + ': search_space.lr: "low" must be > 0 when "log" is true', p.stderr)
        self.assertIn(bad + ": trial.command[1]: placeholder {learning_rate} is not a parameter of search_space", p.stderr)
        # The same file dropped into the studies directory: refused, with a .error file.
        dropped = os.path.join(self.hpod.dir, "studies", "bad.json")
        with open(bad) as src, open(dropped, "w") as dst:
            dst.write(src.read())
        wait_for(lambda: os.path.exists(dropped + ".error"), 10, what="the .error file")
        with open(dropped + ".error") as f:
            self.assertIn('search_space.lr: "low" must be > 0 when "log" is true', f.read())
        self.assertEqual(self.hpod.request("GET", "/api/v1/studies/o-bad")[0], 404)
        # A good file there is submitted.
        with open(os.path.join(self.hpod.dir, "studies", "good.json"), "w") as f:
            json.dump(study("o-fromdir", "complete"), f)
        self.wait_state("o-fromdir", "completed")


class RestartTest(unittest.TestCase):
    def test_kill_9_five_times_during_a_40_trial_study(self):
        h = Hpod(extra_config={"poll_interval_s": 0.2, "sqlite_synchronous": "FULL"}).start()
        rng = random.Random(7)
        try:
            d = study("restart", "long", n_trials=40, max_parallel=4,
                      extra_space={"x": {"type": "float", "low": -3, "high": 3},
                                   "steps": {"type": "int", "low": 5, "high": 15}},
                      trial={"heartbeat_timeout_s": 60})
            d["sampler"] = {"type": "random", "seed": 3}
            self.assertEqual(h.submit(d)[0], 201)
            for i in range(5):
                finished = lambda: sum(t["state"] != "RUNNING" for t in h.request(  # noqa: E731
                    "GET", "/api/v1/studies/restart/trials")[1]["trials"])
                target = min(38, (i + 1) * 6 + rng.randint(0, 3))
                wait_for(lambda: finished() >= target, 120, 0.05, "%d finished trials" % target)
                time.sleep(rng.uniform(0, 0.5))  # a random moment, not a condition
                h.kill9()
                h.start()
            wait_for(lambda: h.request("GET", "/api/v1/studies/restart")[1]["state"] == "completed", 180, 0.1,
                     "the study to complete")
            trials = h.request("GET", "/api/v1/studies/restart/trials?include=intermediate")[1]["trials"]
            counted = [t for t in trials if "retried_as" not in t["system_attrs"]]
            self.assertEqual(len(counted), 40)
            # The trials lived through the restarts: they reported and completed across them.
            self.assertEqual([t["number"] for t in counted if t["state"] != "COMPLETE"], [])
            self.assertEqual([t["number"] for t in trials], list(range(len(trials))))
            self.assertEqual([t for t in trials if t["state"] == "RUNNING"], [])
            # Every report a trial saw acknowledged is in the database.
            db = sqlite3.connect(h.db)
            stored = {}
            for number, step, value, vtype in db.execute(
                    "SELECT t.number, v.step, v.intermediate_value, v.intermediate_value_type FROM "
                    "trial_intermediate_values v JOIN trials t ON t.trial_id = v.trial_id"):
                stored[(number, step)] = value
            db.close()
            acked = 0
            for t in trials:
                path = os.path.join(h.dir, "runs", "restart", str(t["number"]), "acked")
                if not os.path.exists(path):
                    continue
                with open(path) as f:
                    for line in f:
                        step, value = json.loads(line)
                        acked += 1
                        self.assertIn((t["number"], step), stored)
                        self.assertAlmostEqual(stored[(t["number"], step)], value)
            self.assertGreater(acked, 200)
            wait_for(lambda: h.trial_processes() == [], 15, what="no trial process left")
        finally:
            h.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
