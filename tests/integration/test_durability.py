#!/usr/bin/python3
"""No acknowledgement without a commit, with a real hpod, a second program holding the
SQLite write lock, and kill -9: whatever hpod answered 2xx is in the file after a restart.
Also: hpod never overwrites a trial another program finished in the file."""
import http.client
import os
import sqlite3
import sys
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Hpod, quadratic_study, wait_for  # noqa: E402


def post(url, path, body, token, timeout):
    """(status, text), or (None, None) when no answer came within `timeout` seconds."""
    import json
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        c.request("POST", path, body=json.dumps(body).encode(), headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        return r.status, r.read().decode(errors="replace")
    except (TimeoutError, OSError):
        return None, None
    finally:
        c.close()


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.hpod = Hpod().start()

    def tearDown(self):
        self.hpod.cleanup()

    def ask(self, name, **kw):
        s, a = self.hpod.submit(quadratic_study(name, sampler={"type": "random", "seed": 1}, **kw))
        self.assertIn(s, (200, 201), a)
        s, a = self.hpod.request("POST", "/api/v1/studies/%s/ask" % name)
        self.assertEqual(s, 201, a)
        return a

    def stored_steps(self, trial_id):
        db = sqlite3.connect(self.hpod.db)
        try:
            return {row[0] for row in db.execute(
                "SELECT step FROM trial_intermediate_values WHERE trial_id = ?", (trial_id,))}
        finally:
            db.close()

    def test_reports_and_retries_while_the_lock_is_held_then_kill_9(self):
        t = self.ask("locked")
        path = "/api/v1/trials/%d/report" % t["trial_id"]
        acked = set()
        self.assertEqual(post(self.hpod.url, path, {"step": 0, "value": 1.0}, t["token"], 10)[0], 200)
        acked.add(0)

        other = sqlite3.connect(self.hpod.db, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        # A report and two retries of it: none may be acknowledged while the write cannot commit.
        for attempt in range(3):
            status, text = post(self.hpod.url, path, {"step": 1, "value": 0.5}, t["token"], 1.5)
            if status is not None and 200 <= status < 300:
                acked.add(1)
            self.assertFalse(status is not None and 200 <= status < 300,
                             "attempt %d acknowledged while another program holds the lock: %s" % (attempt, text))
        # /healthz says why writes wait (once SQLite's busy timeout has run out).
        h = wait_for(lambda: (lambda r: r[1] if r[0] == 503 else None)(self.hpod.request("GET", "/healthz", token=None)),
                     30, what="/healthz to report the waiting writes")
        self.assertIn("waiting for the database", h["error"])

        self.hpod.kill9()
        other.execute("COMMIT")
        other.close()
        self.hpod.start()
        self.assertTrue(acked <= self.stored_steps(t["trial_id"]), (acked, self.stored_steps(t["trial_id"])))

    def test_a_report_waiting_for_the_lock_is_acknowledged_after_its_commit_and_survives_kill_9(self):
        t = self.ask("waits")
        path = "/api/v1/trials/%d/report" % t["trial_id"]
        other = sqlite3.connect(self.hpod.db, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        answers = {}

        def send(key):
            answers[key] = post(self.hpod.url, path, {"step": 7, "value": 0.25}, t["token"], 60)

        threads = [threading.Thread(target=send, args=(k,)) for k in ("first", "retry")]
        for th in threads:
            th.start()
        wait_for(lambda: self.hpod.request("GET", "/healthz", token=None)[0] == 503, 30,
                 what="hpod to report that writes are waiting")
        self.assertEqual(answers, {})
        other.execute("COMMIT")
        other.close()
        for th in threads:
            th.join(60)
        self.assertEqual(answers["first"][0], 200, answers)
        self.assertEqual(answers["retry"][0], 200, answers)
        self.hpod.kill9()
        self.hpod.start()
        self.assertEqual(self.stored_steps(t["trial_id"]), {7})
        s, h = self.hpod.request("GET", "/healthz", token=None)
        self.assertEqual(s, 200, h)

    def test_a_trial_finished_by_another_program_is_not_overwritten(self):
        t = self.ask("foreign", pruner={"type": "threshold", "upper": 10})
        db = sqlite3.connect(self.hpod.db, timeout=30, isolation_level=None)
        # optuna-dashboard's "tell" of a RUNNING trial.
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE trials SET state = 'COMPLETE', datetime_complete = '2026-01-01 00:00:00' "
                   "WHERE trial_id = ? AND state = 'RUNNING'", (t["trial_id"],))
        db.execute("INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, 0.125, 'FINITE')",
                   (t["trial_id"],))
        db.execute("COMMIT")
        # This report would prune the trial: hpod must refuse it and adopt COMPLETE instead.
        s, r = self.hpod.request("POST", "/api/v1/trials/%d/report" % t["trial_id"], {"step": 0, "value": 99},
                                 token=t["token"])
        self.assertEqual(s, 409, r)
        self.assertIn("another program", r["detail"])
        state, value = db.execute("SELECT t.state, v.value FROM trials t JOIN trial_values v USING (trial_id) "
                                  "WHERE trial_id = ?", (t["trial_id"],)).fetchone()
        self.assertEqual((state, value), ("COMPLETE", 0.125))
        s, shown = self.hpod.request("GET", "/api/v1/studies/foreign/trials/%d" % t["number"])
        self.assertEqual(s, 200, shown)
        self.assertEqual(shown["state"], "COMPLETE")
        self.assertIn("another program", self.hpod.read_log())
        db.close()


if __name__ == "__main__":
    unittest.main()
