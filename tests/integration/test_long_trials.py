#!/usr/bin/python3
"""Long trials with the local executor, end to end: epochs longer than the heartbeat
timeout, trials that never send a heartbeat, a cut-off trial, a hung one under the
progress timeout, and hpod down for HPOD_DOWNTIME_S seconds (default 120) while four
trials report: stopped with SIGTERM and killed with -9, side by side.

With SLURM_CONF set (scripts/slurm-local.sh), the long-epoch trial runs as a Slurm job too.
"""
import json
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Hpod, wait_for  # noqa: E402
from test_orchestrator import alive, study  # noqa: E402

DOWNTIME_S = float(os.environ.get("HPOD_DOWNTIME_S", "120"))


class LongTrialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hpod = Hpod(extra_config={"kill_after_term_s": 1, "poll_interval_s": 0.2}).start()

    @classmethod
    def tearDownClass(cls):
        cls.hpod.cleanup()

    def run_study(self, d, timeout=60):
        s, a = self.hpod.submit(d)
        self.assertEqual(s, 201, a)
        wait_for(lambda: self.hpod.request("GET", "/api/v1/studies/" + d["name"])[1]["state"] == "completed",
                 timeout, 0.05, "study %s to complete" % d["name"])
        return self.hpod.request("GET", "/api/v1/studies/%s/trials/0" % d["name"])[1]

    def pid(self, name):
        with open(os.path.join(self.hpod.dir, "runs", name, "0", "pid")) as f:
            return int(f.read())

    def test_epochs_three_times_the_heartbeat_timeout_complete(self):
        t = self.run_study(study("l-epochs", "epochs", trial={"heartbeat_timeout_s": 1},
                                 extra_space={"epoch_s": {"type": "categorical", "choices": [3.0]}}))
        self.assertEqual((t["state"], t["value"]), ("COMPLETE", 0.5), t["system_attrs"])
        self.assertEqual([s for s, _ in t["intermediate_values"]], [0, 1, 2])

    def test_a_trial_that_never_sends_a_heartbeat_is_not_held_to_the_timeout(self):
        t = self.run_study(study("l-curl", "no_client", trial={"heartbeat_timeout_s": 1},
                                 extra_space={"epoch_s": {"type": "categorical", "choices": [3.0]}}))
        self.assertEqual((t["state"], t["value"]), ("COMPLETE", 1.0), t["system_attrs"])

    def test_a_hung_trial_fails_under_the_progress_timeout(self):
        t0 = time.monotonic()
        t = self.run_study(study("l-hang", "hang", trial={"heartbeat_timeout_s": 1, "progress_timeout_s": 3}))
        self.assertGreater(time.monotonic() - t0, 3.0)
        self.assertEqual(t["state"], "FAIL")
        reason = t["system_attrs"]["fail_reason"]
        self.assertTrue(reason.startswith("no report for ") and reason.endswith(" s (progress_timeout_s)"), reason)
        pid = self.pid("l-hang")
        wait_for(lambda: not alive(pid), 15, what="the hung trial's process to be killed")
        self.assertEqual(len(self.hpod.request("GET", "/api/v1/studies/l-hang/trials")[1]["trials"]), 1)  # no retry


class HeartbeatRestartTest(unittest.TestCase):
    def test_a_trial_that_sent_a_heartbeat_is_held_to_the_timeout_after_a_restart(self):
        h = Hpod(extra_config={"kill_after_term_s": 1, "poll_interval_s": 0.2}).start()
        try:
            s, a = h.submit(study("l-cut", "cut_off", trial={"heartbeat_timeout_s": 2}))
            self.assertEqual(s, 201, a)

            def marked():
                db = sqlite3.connect(h.db)
                try:
                    return db.execute("SELECT COUNT(*) FROM hpod_trial_meta WHERE key = 'heartbeats'").fetchone()[0]
                finally:
                    db.close()
            wait_for(marked, 30, 0.05, "the trial's heartbeat to be recorded")
            h.kill9()
            h.start()
            wait_for(lambda: h.request("GET", "/api/v1/studies/l-cut")[1]["state"] == "completed", 30, 0.05,
                     "the cut-off trial to be failed after the restart")
            t = h.request("GET", "/api/v1/studies/l-cut/trials/0")[1]
            self.assertEqual(t["state"], "FAIL")
            self.assertIn("no report or heartbeat", t["system_attrs"]["fail_reason"])
        finally:
            h.cleanup()


class Downtime:
    """One hpod running the downtime study (see downtime_role in trial_behaviour.py)."""

    NAME = "downtime"

    def __init__(self, how, executor=None):
        self.how = how
        self.hpod = Hpod(extra_config={"kill_after_term_s": 1, "poll_interval_s": 0.2,
                                       "sqlite_synchronous": "FULL"}).start()
        d = study(self.NAME, "downtime", n_trials=4, max_parallel=4, pruner={"type": "threshold", "upper": 10.0},
                  trial={"heartbeat_timeout_s": 10, "prune_grace_s": 10, "max_retries": 0}, executor=executor)
        d["trial"]["env"]["DOWNTIME_S"] = str(DOWNTIME_S)
        self.executor_kind = (executor or {}).get("type", "local")
        s, a = self.hpod.submit(d)
        assert s == 201, a

    def trials(self):
        return self.hpod.request("GET", "/api/v1/studies/%s/trials?include=intermediate" % self.NAME)[1]["trials"]

    def reporting(self):
        ts = self.trials()
        return len(ts) == 4 and all(len(t["intermediate_values"]) >= 2 for t in ts)

    def go_down(self):
        self.down_at = time.time()
        if self.how == "kill -9":
            self.hpod.kill9()
        else:
            self.hpod.stop()

    def come_back(self):
        self.up_at = time.time()
        self.hpod.start()

    def sent(self, number):
        with open(os.path.join(self.hpod.dir, "runs", self.NAME, str(number), "sent")) as f:
            return [json.loads(line) for line in f]

    def stored(self):
        db = sqlite3.connect(self.hpod.db)
        try:
            rows = db.execute("SELECT t.number, v.step, v.intermediate_value, COUNT(*) FROM trial_intermediate_values v "
                              "JOIN trials t ON t.trial_id = v.trial_id GROUP BY t.number, v.step").fetchall()
        finally:
            db.close()
        return rows


class DowntimeCheck:
    def run_downtime(self, runs):
        """Takes the hpods down together, brings them back after DOWNTIME_S, checks each."""
        try:
            for r in runs:
                wait_for(r.reporting, 60, 0.1, "four trials reporting (%s)" % r.how)
            for r in runs:
                r.go_down()
            time.sleep(DOWNTIME_S)  # the downtime itself: nothing to wait for
            for r in runs:
                r.come_back()
            for r in runs:
                wait_for(lambda: r.hpod.request("GET", "/api/v1/studies/" + Downtime.NAME)[1]["state"] == "completed",
                         DOWNTIME_S + 120, 0.2, "the study to complete after the restart (%s)" % r.how)
            for r in runs:
                with self.subTest(how=r.how):
                    self.check(r)
        finally:
            for r in runs:
                r.hpod.cleanup()

    def check(self, r):
        trials = r.trials()
        self.assertEqual(len(trials), 4)
        stored = {}
        for number, step, value, count in r.stored():
            self.assertEqual(count, 1)
            stored.setdefault(number, {})[step] = value
        expected_states = {0: "COMPLETE", 1: "COMPLETE", 2: "PRUNED", 3: "COMPLETE"}
        self.assertEqual({t["number"]: (t["state"], t["system_attrs"].get("fail_reason")) for t in trials},
                         {n: (s, None) for n, s in expected_states.items()})
        for t in trials:
            n, role = t["number"], t["number"] % 4
            sent = r.sent(n)
            during = [s for s in sent if r.down_at < s["t"] < r.up_at]
            self.assertGreater(len(during), 5, "trial %d sent few reports during the downtime" % n)
            if role == 2:
                # The threshold pruner pruned it at the value it sent during the downtime;
                # the trial heard so on a later report and stopped.
                prune_at = next(s["step"] for s in sent if s["value"] > 10)
                self.assertEqual(t["state"], "PRUNED", t["system_attrs"])
                self.assertEqual(t["system_attrs"]["pruned_at_step"], prune_at)
                self.assertTrue(sent[-1]["pruned"])
                self.assertTrue(r.down_at < sent[prune_at]["t"] < r.up_at)
                expected = {s["step"]: s["value"] for s in sent if s["step"] <= prune_at}
            else:
                self.assertEqual((t["state"], t["value"]), ("COMPLETE", float(role)), t["system_attrs"])
                self.assertFalse(any(s["pruned"] for s in sent))
                expected = {s["step"]: s["value"] for s in sent}
            self.assertEqual(stored.get(n, {}).keys(), expected.keys(), "trial %d" % n)
            for step, v in expected.items():
                self.assertAlmostEqual(stored[n][step], v)
        # Trial 1 ended its training during the downtime: its tell waited for hpod.
        self.assertLess(max(s["t"] for s in r.sent(1)), r.up_at)
        if r.executor_kind == "local":
            wait_for(lambda: r.hpod.trial_processes() == [], 30, what="no trial process left (%s)" % r.how)


class DowntimeTest(DowntimeCheck, unittest.TestCase):
    def test_trials_outlive_hpod_stopped_and_killed(self):
        self.run_downtime([Downtime("SIGTERM"), Downtime("kill -9")])


@unittest.skipUnless(os.environ.get("HPOD_SLURM_TESTS") and os.environ.get("SLURM_CONF"),
                     "the ctest long_trials_slurm runs it, on the cluster of scripts/slurm-local.sh")
class SlurmLongTrialTest(DowntimeCheck, unittest.TestCase):
    def test_epochs_three_times_the_heartbeat_timeout_complete_as_a_slurm_job(self):
        h = Hpod(extra_config={"kill_after_term_s": 1, "poll_interval_s": 0.2}).start()
        try:
            d = study("l-slurm-epochs", "epochs", trial={"heartbeat_timeout_s": 1}, executor={"type": "slurm"},
                      extra_space={"epoch_s": {"type": "categorical", "choices": [3.0]}})
            s, a = h.submit(d)
            self.assertEqual(s, 201, a)
            wait_for(lambda: h.request("GET", "/api/v1/studies/" + d["name"])[1]["state"] == "completed",
                     120, 0.1, "the study to complete")
            t = h.request("GET", "/api/v1/studies/%s/trials/0" % d["name"])[1]
            self.assertEqual((t["state"], t["value"]), ("COMPLETE", 0.5), t["system_attrs"])
            self.assertEqual(t["system_attrs"]["executor"], "slurm")
            self.assertEqual([s for s, _ in t["intermediate_values"]], [0, 1, 2])
        finally:
            h.cleanup()

    def test_slurm_jobs_outlive_hpod_killed(self):
        self.run_downtime([Downtime("kill -9", executor={"type": "slurm"})])


if __name__ == "__main__":
    if "SlurmLongTrialTest" in sys.argv and not os.environ.get("SLURM_CONF"):
        sys.exit(77)  # ctest: skipped, no Slurm cluster
    unittest.main(verbosity=2)
