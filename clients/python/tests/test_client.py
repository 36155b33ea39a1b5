#!/usr/bin/python3
"""hpod_client against a fake hpod: pruning answers, heartbeats, and reports and tells that
outlive an hpod restart without stalling the training loop. Run by ctest with
PYTHONPATH=clients/python (no sys.path edits for the package)."""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

import hpod_client
from hpod_client import HpodError, HpodUnreachable, Trial
from hpod_client import _heartbeat

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_hpod import FakeHpod, wait_for  # noqa: E402

CLIENTS_PYTHON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.hpod = FakeHpod(prune_above=10.0).start()

    def tearDown(self):
        if self.hpod.server:
            self.hpod.stop()

    def trial(self, tid=1, **kw):
        t = Trial(self.hpod.url, tid, "token", {"lr": 0.1}, **kw)
        self.addCleanup(t.close)
        return t

    def test_report_answers_the_pruning_decision_and_tell_the_state(self):
        t = self.trial()
        self.assertFalse(t.report(0, 1.0))
        self.assertFalse(t.report(0, 1.0))  # the same step again: the same answer
        self.assertEqual(self.hpod.reports[1], {0: 1.0})
        with self.assertRaises(HpodError) as e:
            t.report(0, 2.0)
        self.assertEqual(e.exception.status, 409)
        self.assertTrue(t.report(1, 11.0))
        self.assertTrue(t.should_prune())
        self.assertEqual(t.complete(1.0), "PRUNED")  # hpod refuses another ending: no request
        self.assertEqual(self.hpod.count("tell"), 0)

    def test_values_travel_as_json_or_strings(self):
        t = self.trial(tid=2)
        t.report(0, float("nan"))
        t.report(1, float("-inf"))
        self.assertEqual(self.hpod.reports[2], {0: "NaN", 1: "-Infinity"})
        self.assertEqual(t.complete(0.5), "COMPLETE")

    def test_heartbeats_at_a_fraction_of_the_timeout_until_the_trial_ends(self):
        self.assertIsNone(_heartbeat.interval_for(None))
        self.assertIsNone(_heartbeat.interval_for(0))
        self.assertAlmostEqual(_heartbeat.interval_for(900), 180)
        t = self.trial(tid=3, heartbeat_timeout_s=0.5)
        wait_for(lambda: self.hpod.heartbeats.get(3, 0) >= 3, 10, "three heartbeats")
        self.assertEqual(t.complete(1.0), "COMPLETE")
        t._heartbeat.join(5)
        self.assertFalse(t._heartbeat.running)
        self.assertTrue(t._heartbeat._thread.daemon)
        n = self.hpod.heartbeats[3]
        self.assertEqual(self.hpod.count("heartbeat"), n)

    def test_heartbeats_stop_when_a_report_prunes_the_trial(self):
        t = self.trial(tid=4, heartbeat_timeout_s=0.25)
        wait_for(lambda: self.hpod.heartbeats.get(4, 0) >= 1, 10, "a heartbeat")
        self.assertTrue(t.report(0, 50.0))
        t._heartbeat.join(5)
        self.assertFalse(t._heartbeat.running)

    def test_no_heartbeats_without_a_timeout(self):
        t = self.trial(tid=5)
        self.assertIsNone(t._heartbeat)
        t.report(0, 1.0)
        self.assertEqual(self.hpod.count("heartbeat"), 0)

    def test_a_lost_answer_is_retried_and_the_report_stored_once(self):
        t = self.trial(tid=6)
        self.hpod.drop_next_answer = 1  # hpod stores the report, the answer is lost
        self.assertFalse(t.report(0, 1.0))
        wait_for(lambda: t.pending() == 0, 10, "the report to be delivered")
        self.assertEqual(self.hpod.count("report"), 2)
        self.assertEqual(self.hpod.reports[6], {0: 1.0})

    def test_a_manual_heartbeat_while_hpod_is_down_returns_false_instead_of_raising(self):
        t = self.trial(tid=8)
        self.assertTrue(t.heartbeat())
        self.hpod.stop()
        t0 = time.monotonic()
        self.assertFalse(t.heartbeat(retry_for_s=0.5))
        self.assertLess(time.monotonic() - t0, 5.0)
        self.hpod.start()
        self.assertTrue(t.heartbeat())
        self.assertEqual(self.hpod.heartbeats.get(8), 2)

    def test_reports_during_a_downtime_return_at_once_and_arrive_in_order(self):
        t = self.trial(tid=7, heartbeat_timeout_s=0.5)
        self.assertFalse(t.report(0, 1.0))
        self.hpod.stop()
        t0 = time.monotonic()
        answers = [t.report(step, v) for step, v in [(1, 2.0), (2, 3.0), (3, 50.0), (4, 4.0)]]
        self.assertLess(time.monotonic() - t0, 2.0)  # training did not wait for hpod
        self.assertEqual(answers, [False] * 4)  # nobody has answered yet
        self.assertEqual(t.pending(), 4)
        self.hpod.start()
        wait_for(lambda: t.pending() == 0, 30, "the queued reports to be delivered")
        # Delivered in order; step 3 pruned the trial, so step 4 was refused by hpod.
        self.assertEqual(self.hpod.reports[7], {0: 1.0, 1: 2.0, 2: 3.0, 3: 50.0})
        steps = [b["step"] for p, b in self.hpod.requests if p.endswith("/report")]
        self.assertEqual(steps, sorted(steps))
        self.assertTrue(t.report(5, 1.0))  # the late pruning answer, on the next call
        self.assertEqual(t.complete(1.0), "PRUNED")

    def test_complete_waits_for_hpod_and_delivers_after_the_reports(self):
        t = self.trial(tid=8)
        self.hpod.stop()
        t.report(0, 1.0)
        t.report(1, 0.5)
        result = []
        th = threading.Thread(target=lambda: result.append(t.complete(0.5)))
        th.start()
        wait_for(lambda: t._outbox.failing and t.pending() == 3, 10, "the tell to be queued behind the reports")
        self.assertTrue(th.is_alive())  # complete() waits for hpod
        self.hpod.start()
        th.join(30)
        self.assertEqual(result, ["COMPLETE"])
        paths = [p.rsplit("/", 1)[1] for p, _ in self.hpod.requests]
        self.assertEqual(paths, ["report", "report", "tell"])
        self.assertEqual(self.hpod.states[8], "COMPLETE")

    def test_a_slow_answer_does_not_stall_training(self):
        t = self.trial(tid=10)
        self.hpod.answering.clear()  # hpod holds the request (a network dropping packets)
        old, hpod_client.trial.REPORT_WAIT_S = hpod_client.trial.REPORT_WAIT_S, 0.2
        try:
            t0 = time.monotonic()
            self.assertFalse(t.report(0, 50.0))  # no answer yet
            self.assertLess(time.monotonic() - t0, 5.0)
        finally:
            hpod_client.trial.REPORT_WAIT_S = old
            self.hpod.answering.set()
        wait_for(lambda: t.pending() == 0, 10, "the answer")
        self.assertTrue(t.report(1, 1.0))  # its pruning answer, on the next call

    def test_the_retry_window_ends_with_hpod_unreachable(self):
        t = self.trial(tid=9, retry_for_s=0.5)
        self.hpod.stop()
        self.assertFalse(t.report(0, 1.0))
        with self.assertRaises(HpodUnreachable):
            t.complete(1.0)
        with self.assertRaises(HpodUnreachable):
            t.report(1, 1.0)


class ProcessTest(unittest.TestCase):
    """The client in a trial process of its own: the package is importable from PYTHONPATH,
    the heartbeat thread never keeps a finished process alive, and reports queued while
    hpod is down are delivered before the process exits."""

    def run_trial(self, hpod, code, script_dir=None):
        env = dict(os.environ, HPOD_URL=hpod.url, HPOD_TRIAL_ID="1", HPOD_TOKEN="t", HPOD_PARAMS='{"x": 1}',
                   HPOD_HEARTBEAT_TIMEOUT_S="0.5", PYTHONPATH=CLIENTS_PYTHON)
        if script_dir is None:
            return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env,
                                    stdout=subprocess.PIPE, text=True)
        # A training script with a copy of the hpod_client folder next to it, no PYTHONPATH.
        del env["PYTHONPATH"]
        with open(os.path.join(script_dir, "train.py"), "w") as f:
            f.write(textwrap.dedent(code))
        return subprocess.Popen([sys.executable, os.path.join(script_dir, "train.py")], env=env, cwd="/",
                                stdout=subprocess.PIPE, text=True)

    def test_a_finished_trial_exits_at_once(self):
        hpod = FakeHpod().start()
        try:
            p = self.run_trial(hpod, """
                from hpod_client import Trial
                t = Trial.from_env()
                t.report(0, 1.0)
                t.complete(t.params["x"])
                print("done")
            """)
            out, _ = p.communicate(timeout=20)
            self.assertEqual((p.returncode, out.strip()), (0, "done"))
            self.assertEqual(hpod.states[1], "COMPLETE")
        finally:
            hpod.stop()

    def test_a_copy_of_the_folder_next_to_the_script_is_enough(self):
        hpod = FakeHpod().start()
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(os.path.join(CLIENTS_PYTHON, "hpod_client"), os.path.join(d, "hpod_client"))
            try:
                p = self.run_trial(hpod, """
                    import hpod_client
                    t = hpod_client.Trial.from_env()
                    t.report(0, 2.0)
                    print(t.complete(2.0), hpod_client.__file__)
                """, script_dir=d)
                out, _ = p.communicate(timeout=20)
                self.assertEqual(p.returncode, 0)
                self.assertEqual(out.split(), ["COMPLETE", os.path.join(d, "hpod_client", "__init__.py")])
            finally:
                hpod.stop()

    def test_reports_queued_at_exit_are_delivered_first(self):
        hpod = FakeHpod().start()
        hpod.stop()
        p = self.run_trial(hpod, """
            from hpod_client import Trial
            t = Trial.from_env()
            for s in range(3):
                t.report(s, s * 0.5)
            print("reported", flush=True)
        """)
        self.assertEqual(p.stdout.readline().strip(), "reported")
        self.assertIsNone(p.poll())  # waiting to deliver
        hpod.start()
        try:
            p.communicate(timeout=30)
            self.assertEqual(p.returncode, 0)
            self.assertEqual(hpod.reports[1], {0: 0.0, 1: 0.5, 2: 1.0})
        finally:
            hpod.stop()

    def test_the_package_exports(self):
        self.assertEqual(sorted(hpod_client.__all__), ["HpodError", "HpodUnreachable", "Study", "Trial"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
