#!/usr/bin/python3
"""The dashboard in headless Chromium against a running study: log in through the form,
open the study, watch a new report and a new trial appear without a reload (each within a
second of hpod publishing it, timed against the event stream read by this test), open a
trial's details with its stdout, log out. A screenshot goes to tests/artifacts/.
Then the open loopback mode: no tokens, no login; study names Optuna allows but URLs do not
like ("group/run 1", ".."); and the stdout/stderr tabs of a finished trial."""
import functools
import http.client
import http.server
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402
from harness import Hpod, optuna_studies, quadratic_study, reporting_study, wait_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.environ.get("HPOD_ARTIFACTS", os.path.join(HERE, "..", "artifacts"))
PYTHON = "/usr/bin/python3"
LIVE_LIMIT_S = 1.0


class EventLog:
    """Reads a study's event stream in a thread and notes when each event arrived."""

    def __init__(self, hpod, study):
        self.events = []
        self.lock = threading.Lock()
        u = urllib.parse.urlsplit(hpod.url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        self.conn.request("GET", "/api/v1/studies/%s/events?tail=0" % study,
                          headers={"Authorization": "Bearer " + hpod.ADMIN_TOKEN})
        self.sock = self.conn.sock  # http.client lets go of it once the response is read
        self.resp = self.conn.getresponse()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        buf = b""
        try:
            while True:
                chunk = self.resp.read1(65536)
                if not chunk:
                    return
                buf += chunk
                while b"\n\n" in buf:
                    frame, buf = buf.split(b"\n\n", 1)
                    kind, data = None, None
                    for line in frame.decode().split("\n"):
                        if line.startswith("event: "):
                            kind = line[7:]
                        elif line.startswith("data: "):
                            data = json.loads(line[6:])
                    if kind:
                        with self.lock:
                            self.events.append((time.monotonic(), kind, data))
        except (OSError, ValueError):
            return

    def first(self, pred):
        with self.lock:
            for t, kind, data in self.events:
                if pred(kind, data):
                    return t, data
        return None

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


class BrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cdp.require()
        cls.hpod = Hpod(extra_config={"poll_interval_s": 0.2}).start()
        # A running study: local trial processes reporting every 0.1 s for 6 s, two at a
        # time, pruned by the median rule when their x is poor, each printing a line first.
        d = reporting_study("live", steps=60, sleep=0.1, n_trials=40, max_parallel=2,
                            pruner={"type": "median", "n_startup_trials": 2, "n_warmup_steps": 5},
                            command=["/bin/sh", "-c", "echo starting trial $HPOD_TRIAL_NUMBER; exec %s trial_behaviour.py" % PYTHON])
        s, b = cls.hpod.submit(d)
        assert s == 201, b
        # Some history to plot before the page opens.
        wait_for(lambda: cls.finished() >= 4 and cls.trials_running() == 2, 60, what="four finished trials")
        cls.browser = cdp.Browser()

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.hpod.request("POST", "/api/v1/studies/live/stop")
        cls.hpod.cleanup()

    @classmethod
    def finished(cls):
        s, b = cls.hpod.request("GET", "/api/v1/studies/live")
        return b["budget"]["finished"] if s == 200 else 0

    @classmethod
    def trials_running(cls):
        s, b = cls.hpod.request("GET", "/api/v1/studies/live")
        return b["trials"]["RUNNING"] if s == 200 else 0

    def wait_dom(self, page, expr, after, what):
        """Waits for a DOM condition; returns seconds from `after` (a monotonic time)."""
        page.wait_for(expr, 10, what)
        return time.monotonic() - after

    def test_login_live_updates_details_logout(self):
        page = self.browser.new_page()
        page.navigate(self.hpod.url + "/")
        page.wait_for("!!document.getElementById('token')", 15, "the login form")
        # A wrong token is refused with a message; the right one logs in.
        page.eval("document.getElementById('token').value = 'wrong'; document.querySelector('#login button').click(); 1")
        page.wait_for("document.querySelector('#login .error') && document.querySelector('#login .error').textContent.includes('not an admin token')",
                      10, "the refusal")
        page.eval("document.getElementById('token').value = %s; document.querySelector('#login button').click(); 1"
                  % json.dumps(self.hpod.ADMIN_TOKEN))
        page.wait_for("!!document.querySelector('#studies-table tr[data-study=\"live\"]')", 10, "the studies list")
        self.assertFalse(page.eval("document.cookie.includes('hpod_session')"), "the session cookie must be HttpOnly")
        self.assertNotIn(self.hpod.ADMIN_TOKEN, page.eval("location.href"))
        row = page.eval("document.querySelector('#studies-table tr[data-study=\"live\"]').textContent")
        self.assertIn("running", row)
        page.eval("document.querySelector('#studies-table a[href=\"#/study/live\"]').click(); 1")
        page.wait_for("window.hpodRendered", 15, "the study page")
        page.wait_for("document.getElementById('connection').textContent === 'live'", 10, "the event stream")
        page.eval("window.__loaded_once = 42; 1")  # survives only if the page is never reloaded

        # The running trials, with their executor, job id and node. A trial is RUNNING from
        # the moment it is planned; its job id arrives when the executor has started it.
        page.wait_for("(() => { const rows = [...document.querySelectorAll('#running-table tbody tr')]; "
                      "return rows.length === 2 && rows.every(r => r.cells[5].textContent !== ''); })()",
                      10, "two running trials with their jobs")
        running = page.eval("[...document.querySelectorAll('#running-table tbody tr')].map(r => [...r.cells].map(c => c.textContent))")
        self.assertEqual(len(running), 2, running)
        for cells in running:
            self.assertEqual(cells[5], "local")
            self.assertRegex(cells[6], r"^\d+(:\d+)?$")  # the local job: process group (and start time)
            self.assertEqual(cells[7], socket.gethostname())

        # A new report: the next one after now, timed from its arrival on our own stream.
        events = EventLog(self.hpod, "live")
        try:
            wait_for(lambda: events.first(lambda k, d: k == "report"), 10, what="a report event")
            t_sse, rep = events.first(lambda k, d: k == "report")
            n, step = rep["number"], rep["step"]
            lag = self.wait_dom(page, "(() => { const r = document.querySelector('#running-table tr[data-number=\"%d\"]'); "
                                "return r && +r.cells[2].textContent >= %d; })()" % (n, step), t_sse,
                                "report %d of trial %d in the running table" % (step, n))
            print("\nreport %d of trial %d shown %.0f ms after hpod published it" % (step, n, lag * 1000))
            self.assertLess(lag, LIVE_LIMIT_S)

            # A new trial: enqueued now, shown as soon as hpod announces it.
            before = page.eval("window.hpodLive.trials")
            s, b = self.hpod.request("POST", "/api/v1/studies/live/enqueue",
                                     {"params": {"x": 1.0, "mode": "long", "steps": 60, "sleep": 0.1}})
            self.assertEqual(s, 201, b)
            new = b["number"]
            self.assertEqual(new, before)
            wait_for(lambda: events.first(lambda k, d: k == "trial" and d["number"] == new), 10, what="the new trial's event")
            t_sse, _ = events.first(lambda k, d: k == "trial" and d["number"] == new)
            lag = self.wait_dom(page, "!!document.querySelector('#trial-table tr[data-number=\"%d\"]')" % new, t_sse,
                                "trial %d in the trial table" % new)
            print("new trial %d shown %.0f ms after hpod published it" % (new, lag * 1000))
            self.assertLess(lag, LIVE_LIMIT_S)
            # It is launched when a slot frees up: the running table shows its job and node.
            page.wait_for("(() => { const r = document.querySelector('#running-table tr[data-number=\"%d\"]'); "
                          "return r && r.cells[5].textContent === 'local' && r.cells[6].textContent !== ''; })()" % new,
                          20, "trial %d launched, with its job" % new)

            # Its details: parameters, reports, system attributes, stdout.
            page.eval("document.querySelector('#running-table tr[data-number=\"%d\"]').click(); 1" % new)
            page.wait_for("!!document.getElementById('trial-detail') && "
                          "document.getElementById('trial-log').textContent.includes('starting trial %d')" % new,
                          10, "the trial's details with its stdout")
            detail = page.eval("document.getElementById('trial-detail').textContent")
            for word in ("Trial %d" % new, "Parameters", "Reports", "System attributes", "run_dir", "job_id"):
                self.assertIn(word, detail)
            os.makedirs(ARTIFACTS, exist_ok=True)
            page.screenshot(os.path.join(ARTIFACTS, "dashboard-live-trial.png"))
            page.eval("location.hash = '#/study/live'; 1")
            page.wait_for("!document.getElementById('trial-detail')", 10, "the details closed")

            # Killed by the operator: it leaves the running table and shows as FAIL.
            s, t = self.hpod.request("GET", "/api/v1/studies/live/trials/%d" % new)
            self.hpod.request("DELETE", "/api/v1/trials/%d?reason=test" % t["id"])
            page.wait_for("!document.querySelector('#running-table tr[data-number=\"%d\"]')" % new, 10, "the killed trial gone")
            page.wait_for("document.querySelector('#trial-table tr[data-number=\"%d\"]').textContent.includes('FAIL')" % new,
                          10, "the killed trial shown as FAIL")
            page.wait_for("[...document.querySelectorAll('#study-counts .chip')].some(c => c.textContent === 'fail 1')", 10,
                          "the counts")
        finally:
            events.close()
        self.assertEqual(page.eval("window.__loaded_once"), 42, "the page was reloaded")
        self.assertGreater(page.eval("window.hpodLive.events"), 0)
        shot = page.screenshot(os.path.join(ARTIFACTS, "dashboard-live.png"))
        print("screenshots: %s, dashboard-live-trial.png" % shot)
        # The refused login is the one failed request the console may show.
        self.assertEqual([e for e in page.errors() if "status of 401" not in e], [])
        self.assertEqual(len(page.errors()), 1)

        # Logout: back to the form, and the old cookie no longer opens anything.
        page.eval("document.getElementById('logout').click(); 1")
        page.wait_for("!!document.getElementById('token')", 10, "the login form again")
        self.assertEqual(page.eval("fetch('/api/v1/studies').then(r => r.status)"), 401)


class OpenModeBrowserTest(unittest.TestCase):
    def test_without_admin_tokens_the_dashboard_opens_without_login(self):
        cdp.require()
        hpod = Hpod(admin=False).start()
        browser = cdp.Browser()
        try:
            hpod.submit(quadratic_study("open", sampler={"type": "random"}, pruner={"type": "nop"}))
            page = browser.new_page()
            page.navigate(hpod.url + "/")
            page.wait_for("!!document.querySelector('#studies-table tr[data-study=\"open\"]')", 15, "the studies list")
            self.assertFalse(page.eval("!!document.getElementById('token')"))
            self.assertFalse(page.eval("!!document.getElementById('logout')"))
            page.eval("location.hash = '#/study/open'; 1")
            page.wait_for("window.hpodRendered", 15, "the study page")
            # The pause button works: same-origin POST, no token, no cookie.
            page.eval("[...document.querySelectorAll('#study-head button')].find(b => b.textContent === 'pause').click(); 1")
            wait_for(lambda: hpod.request("GET", "/api/v1/studies/open")[1]["state"] == "paused", 10, what="the study paused")
            self.assertEqual(page.errors(), [])
        finally:
            browser.close()
            hpod.cleanup()


class StudyNamesAndLogsBrowserTest(unittest.TestCase):
    """The page encodes study names in its URLs, hpod routes on the raw path: an Optuna
    study named "group/run 1" opens; one named ".." (a dot segment the browser would
    resolve into another endpoint) is refused by the page without a request. Switching a
    finished trial's output tab shows that stream at once."""

    @classmethod
    def setUpClass(cls):
        cdp.require()
        cls.hpod = Hpod(admin=False)
        optuna_studies(cls.hpod.db, ["group/run 1", ".."])
        cls.hpod.start()
        code = "import sys; print('hello from stdout'); sys.stderr.write('hello from stderr\\n')"
        s, b = cls.hpod.submit({"name": "logs", "search_space": {"x": {"type": "float", "low": 0, "high": 1}},
                                "sampler": {"type": "random"}, "pruner": {"type": "nop"}, "budget": {"n_trials": 1},
                                "trial": {"command": [PYTHON, "-c", code], "max_retries": 0}})
        assert s == 201, b
        wait_for(lambda: cls.hpod.request("GET", "/api/v1/studies/logs/trials/0")[1].get("state") == "FAIL", 30,
                 what="the trial to exit")
        cls.browser = cdp.Browser()

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.hpod.cleanup()

    def api_requests(self, page):
        return page.eval("performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)"
                         ".filter(p => p.startsWith('/api/'))")

    def test_a_study_named_with_a_slash_opens_and_dot_segments_call_nothing_else(self):
        page = self.browser.new_page()
        page.navigate(self.hpod.url + "/")
        page.wait_for("!!document.querySelector('#studies-table tr[data-study=\"group/run 1\"]')", 15, "the studies list")
        page.eval("document.querySelector('#studies-table tr[data-study=\"group/run 1\"] a').click(); 1")
        page.wait_for("window.hpodRendered && document.querySelectorAll('#trial-table tr[data-number]').length === 3", 15,
                      "the study page with its 3 trials")
        self.assertEqual(page.eval("location.hash"), "#/study/group%2Frun%201")
        self.assertIn("/api/v1/studies/group%2Frun%201/columns", self.api_requests(page))
        for hash_ in ("#/study/..", "#/study/%2E%2E"):
            page.eval("location.hash = '#/'; 1")
            page.wait_for("!!document.getElementById('studies-table')", 10, "the studies list")
            before = len(self.api_requests(page))
            page.eval("location.hash = %s; 1" % json.dumps(hash_))
            page.wait_for("document.getElementById('main').textContent.includes('Could not load the study')", 10,
                          "the study page's refusal for " + hash_)
            new = self.api_requests(page)[before:]
            self.assertTrue(all(p.startswith("/api/v1/studies/") and p.count("/") >= 4 for p in new), (hash_, new))
            self.assertFalse([p for p in new if p.rstrip("/") in ("/api/v1", "/api/v1/columns", "/api/v1/importance")],
                             (hash_, new))
        self.assertIn("cannot be opened in a browser", page.eval("document.getElementById('main').textContent"))
        self.assertEqual(page.errors(), [])

    def test_the_output_tabs_of_a_finished_trial_load_without_refresh(self):
        page = self.browser.new_page()
        page.navigate(self.hpod.url + "/#/study/logs/trial/0")
        page.wait_for("!!document.getElementById('trial-log') && "
                      "document.getElementById('trial-log').textContent.includes('hello from stdout')", 15, "stdout")
        for stream in ("stderr", "stdout", "stderr"):
            page.eval("[...document.querySelectorAll('#trial-detail .tab')].find(b => b.textContent === %s).click(); 1"
                      % json.dumps(stream))
            page.wait_for("document.getElementById('trial-log').textContent.includes('hello from %s')" % stream, 5,
                          "the %s tab's text" % stream)
            self.assertNotIn("hello from %s" % ("stdout" if stream == "stderr" else "stderr"),
                             page.eval("document.getElementById('trial-log').textContent"))
        self.assertEqual(page.errors(), [])


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class OtherPortPagesBrowserTest(unittest.TestCase):
    """Pages served by another port of the same host (browsers share cookies across ports,
    and count them as the same site): one that plants hpod_session=junk with Path=/api, one
    whose form posts the attacker's token to hpod's login as text/plain."""

    @classmethod
    def setUpClass(cls):
        cdp.require()
        cls.hpod = Hpod().start()
        cls.hpod.submit(quadratic_study("ports", sampler={"type": "random"}, pruner={"type": "nop"}))
        cls.site = tempfile.mkdtemp(prefix="hpod-other-port-")
        with open(os.path.join(cls.site, "toss.html"), "w") as f:
            f.write('<script>document.cookie = "hpod_session=junk; Path=/api"; document.title = "tossed";</script>')
        open(os.path.join(cls.site, "favicon.ico"), "wb").close()  # no 404 in the console
        # A text/plain form body "<name>=<value>" that is valid JSON with the token in it.
        with open(os.path.join(cls.site, "login.html"), "w") as f:
            f.write('<form id="f" method="POST" enctype="text/plain" action="%s/api/v1/session">'
                    '<input type="hidden" name=\'{"token": "%s", "x": "\' value=\'"}\'></form>'
                    '<script>document.getElementById("f").submit()</script>' % (cls.hpod.url, cls.hpod.ADMIN_TOKEN))
        handler = functools.partial(QuietFiles, directory=cls.site)
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.other = "http://127.0.0.1:%d" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        shutil.rmtree(cls.site, ignore_errors=True)
        cls.hpod.cleanup()

    def test_a_form_on_another_port_cannot_log_the_browser_in(self):
        browser = cdp.Browser()
        try:
            page = browser.new_page()
            page.navigate(self.other + "/login.html")
            page.wait_for("location.href.startsWith(%s)" % json.dumps(self.hpod.url), 10, "the form posted to hpod")
            page.wait_for("document.readyState === 'complete' && document.body.textContent.length > 0", 10, "hpod's answer")
            self.assertIn("application/json", page.eval("document.body.textContent"))
            page.navigate(self.hpod.url + "/")
            page.wait_for("!!document.getElementById('token') || !!document.getElementById('studies-table')", 15, "the page")
            self.assertTrue(page.eval("!!document.getElementById('token')"), "the browser was logged in by another page")
        finally:
            browser.close()

    def test_a_cookie_planted_on_another_port_does_not_lock_the_admin_out(self):
        browser = cdp.Browser()
        try:
            page = browser.new_page()
            page.navigate(self.hpod.url + "/")
            page.wait_for("!!document.getElementById('token')", 15, "the login form")
            page.eval("document.getElementById('token').value = %s; document.querySelector('#login button').click(); 1"
                      % json.dumps(self.hpod.ADMIN_TOKEN))
            page.wait_for("!!document.querySelector('#studies-table tr[data-study=\"ports\"]')", 10, "the studies list")
            page.navigate(self.other + "/toss.html")
            page.wait_for("document.title === 'tossed'", 10, "the planted cookie")
            cookies = browser.call("Storage.getCookies")["cookies"]
            self.assertIn(("hpod_session", "junk", "/api"), [(c["name"], c["value"], c["path"]) for c in cookies])
            page.navigate(self.hpod.url + "/#/study/ports")
            page.wait_for("window.hpodRendered || !!document.getElementById('token')", 15, "the study page or the login form")
            self.assertFalse(page.eval("!!document.getElementById('token')"), "the planted cookie logged the admin out")
            page.wait_for("document.getElementById('connection').textContent === 'live'", 10, "the event stream")
            # A state change with the cookie (and the CSRF token) goes through as well.
            page.eval("[...document.querySelectorAll('#study-head button')].find(b => b.textContent === 'pause').click(); 1")
            wait_for(lambda: self.hpod.request("GET", "/api/v1/studies/ports")[1]["state"] == "paused", 10, what="the study paused")
            self.assertEqual(page.errors(), [])
        finally:
            browser.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
