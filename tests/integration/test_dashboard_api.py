#!/usr/bin/python3
"""What the dashboard needs from hpod, over HTTP: the embedded page, login with an admin
token for a session cookie, the cookie on admin reads, CSRF protection of state changes,
logout, the open loopback mode's browser checks, the columnar snapshot, importance and the
tail of a trial's stdout/stderr."""
import http.client
import json
import os
import ssl
import struct
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Hpod, optuna_studies, quadratic_study, wait_for  # noqa: E402

PYTHON = "/usr/bin/python3"


def call(hpod, method, path, body=None, headers=None, raw=False):
    """(status, headers as a list, body parsed as JSON unless raw)."""
    u = urllib.parse.urlsplit(hpod.url)
    if u.scheme == "https":
        c = http.client.HTTPSConnection(u.hostname, u.port, timeout=30, context=ssl._create_unverified_context())
    else:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    h = dict(headers or {})
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    payload = r.read()
    c.close()
    if raw:
        return r.status, r.getheaders(), payload
    try:
        return r.status, r.getheaders(), json.loads(payload.decode())
    except ValueError:
        return r.status, r.getheaders(), payload.decode(errors="replace")


def header(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def decode_columns(payload):
    assert payload[:8] == b"HPODCOL1"
    (hl,) = struct.unpack_from("<I", payload, 8)
    head = json.loads(payload[12:12 + hl])
    base = 12 + hl
    fmt = {"i32": "i", "u8": "B", "u32": "I", "f32": "f", "f64": "d"}

    def column(name):
        c = head["columns"][name]
        return list(struct.unpack_from("<%d%s" % (c["length"], fmt[c["type"]]), payload, base + c["offset"]))
    return head, column


class DashboardApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hpod = Hpod(extra_config={"poll_interval_s": 0.2}).start()

    @classmethod
    def tearDownClass(cls):
        cls.hpod.cleanup()

    def admin(self):
        return {"Authorization": "Bearer " + self.hpod.ADMIN_TOKEN}

    def origin(self):
        return {"Origin": "http://127.0.0.1:%d" % urllib.parse.urlsplit(self.hpod.url).port}

    def login(self):
        s, h, b = call(self.hpod, "POST", "/api/v1/session", {"token": self.hpod.ADMIN_TOKEN}, headers=self.origin())
        self.assertEqual(s, 200, b)
        cookie = header(h, "Set-Cookie")[0]
        return cookie.split(";")[0], b["csrf"], cookie

    def ask_tell(self, study, n, f):
        for _ in range(n):
            s, a = self.hpod.request("POST", "/api/v1/studies/%s/ask" % study)
            self.assertEqual(s, 201, a)
            v = f(a["params"])
            for step in range(3):
                self.hpod.request("POST", "/api/v1/trials/%d/report" % a["trial_id"], {"step": step, "value": v + 1.0 / (step + 1)},
                                  token=a["token"])
            s, r = self.hpod.request("POST", "/api/v1/trials/%d/tell" % a["trial_id"], {"state": "complete", "value": v},
                                     token=a["token"])
            self.assertEqual(s, 200, r)

    # --------------------------------------------------------------- the page itself
    def test_the_page_is_embedded_and_locked_down(self):
        s, h, body = call(self.hpod, "GET", "/", raw=True)
        self.assertEqual(s, 200)
        self.assertTrue(header(h, "Content-Type")[0].startswith("text/html"))
        self.assertIn(b'<script type="module" src="/app.js">', body)
        csp = header(h, "Content-Security-Policy")[0]
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertEqual(header(h, "X-Content-Type-Options"), ["nosniff"])
        for path, ctype in (("/app.js", "text/javascript"), ("/study.js", "text/javascript"), ("/app.css", "text/css")):
            s, h, body = call(self.hpod, "GET", path, raw=True)
            self.assertEqual(s, 200, path)
            self.assertTrue(header(h, "Content-Type")[0].startswith(ctype), path)
            self.assertGreater(len(body), 100)
            self.assertNotIn(b"http://", body.replace(b"http://www.w3.org", b""), "%s must fetch nothing from elsewhere" % path)
        s, _, _ = call(self.hpod, "GET", "/nothing-here.js")
        self.assertEqual(s, 404)

    # --------------------------------------------------------------------- sessions
    def test_login_sets_a_strict_http_only_cookie(self):
        s, _, b = call(self.hpod, "GET", "/api/v1/session")
        self.assertEqual((s, b["auth_required"], b["authenticated"], b["csrf"]), (200, True, False, None))
        s, h, b = call(self.hpod, "POST", "/api/v1/session", {"token": "not-the-token"}, headers=self.origin())
        self.assertEqual(s, 401)
        self.assertEqual(header(h, "Set-Cookie"), [])
        s, _, b = call(self.hpod, "POST", "/api/v1/session", {}, headers=self.origin())
        self.assertEqual(s, 400)
        self.assertIn("token", b["detail"])
        pair, csrf, cookie = self.login()
        name, value = pair.split("=")
        self.assertEqual(name, "hpod_session")
        self.assertRegex(value, "^[0-9a-f]{64}$")
        attrs = [a.strip() for a in cookie.split(";")[1:]]
        self.assertIn("HttpOnly", attrs)
        self.assertIn("SameSite=Strict", attrs)
        self.assertIn("Path=/", attrs)
        self.assertTrue(any(a.startswith("Max-Age=") and int(a[8:]) > 0 for a in attrs))
        self.assertNotIn("Secure", attrs)  # plain HTTP here; hpod adds it over TLS
        self.assertNotIn(self.hpod.ADMIN_TOKEN, cookie)
        self.assertRegex(csrf, "^[0-9a-f]{64}$")
        s, _, b = call(self.hpod, "GET", "/api/v1/session", headers={"Cookie": pair})
        self.assertEqual((b["authenticated"], b["csrf"]), (True, csrf))
        self.assertGreater(b["expires_in_s"], 3600)

    def test_the_cookie_opens_the_admin_reads_and_the_event_stream(self):
        self.hpod.submit(quadratic_study("cookie-reads", sampler={"type": "random"}, pruner={"type": "nop"}))
        pair, _, _ = self.login()
        for path in ("/api/v1/studies", "/api/v1/studies/cookie-reads", "/api/v1/studies/cookie-reads/trials",
                     "/api/v1/studies/cookie-reads/columns", "/api/v1/studies/cookie-reads/importance", "/metrics"):
            s, _, _ = call(self.hpod, "GET", path, headers={"Cookie": pair}, raw=True)
            self.assertEqual(s, 200, path)
            s, _, _ = call(self.hpod, "GET", path, raw=True)
            self.assertEqual(s, 401, path)
            s, _, _ = call(self.hpod, "GET", path, headers={"Cookie": "hpod_session=" + "0" * 64}, raw=True)
            self.assertEqual(s, 401, path)
        u = urllib.parse.urlsplit(self.hpod.url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.request("GET", "/api/v1/studies/cookie-reads/events", headers={"Cookie": pair})
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "text/event-stream")
        self.assertIn(b"retry:", r.read1(4096))
        c.close()

    def test_state_changes_with_only_the_cookie_need_the_csrf_header(self):
        self.hpod.submit(quadratic_study("csrf", sampler={"type": "random"}, pruner={"type": "nop"}))
        pair, csrf, _ = self.login()
        for extra in ({}, {"X-Hpod-Csrf": "0" * 64}, {"X-Hpod-Csrf": ""}):
            h = {"Cookie": pair, **extra}
            s, _, b = call(self.hpod, "POST", "/api/v1/studies/csrf/pause", headers=h)
            self.assertEqual(s, 403, b)
            self.assertIn("X-Hpod-Csrf", b["detail"])
            s, _, b = call(self.hpod, "POST", "/api/v1/studies", quadratic_study("csrf-new"), headers=h)
            self.assertEqual(s, 403, b)
        s, _, b = call(self.hpod, "GET", "/api/v1/studies/csrf", headers=self.admin())
        self.assertEqual(b["state"], "running")
        s, _, b = call(self.hpod, "POST", "/api/v1/studies/csrf/pause", headers={"Cookie": pair, "X-Hpod-Csrf": csrf})
        self.assertEqual((s, b["state"]), (200, "paused"))
        s, _, b = call(self.hpod, "POST", "/api/v1/studies/csrf/resume", headers={"Cookie": pair, "X-Hpod-Csrf": csrf})
        self.assertEqual((s, b["state"]), (200, "running"))
        # Another session's token does not fit this session.
        _, other_csrf, _ = self.login()
        s, _, _ = call(self.hpod, "POST", "/api/v1/studies/csrf/pause", headers={"Cookie": pair, "X-Hpod-Csrf": other_csrf})
        self.assertEqual(s, 403)
        # A bearer token needs no CSRF header (not sent by browsers on their own).
        s, _, _ = call(self.hpod, "POST", "/api/v1/studies/csrf/pause", headers=self.admin())
        self.assertEqual(s, 200)

    def test_a_cookie_planted_by_another_port_does_not_lock_the_admin_out(self):
        # A page on another port of this host sets hpod_session=junk with Path=/api: the
        # browser sends it before hpod's own (longer path first), on every request.
        self.hpod.submit(quadratic_study("tossed", sampler={"type": "random"}, pruner={"type": "nop"}))
        pair, csrf, _ = self.login()
        for planted in ("hpod_session=junk", "hpod_session=" + "0" * 64 + "; hpod_session="):
            cookies = {"Cookie": planted + "; other=1; " + pair}
            s, _, b = call(self.hpod, "GET", "/api/v1/session", headers=cookies)
            self.assertEqual((s, b["authenticated"], b["csrf"]), (200, True, csrf), planted)
            s, _, _ = call(self.hpod, "GET", "/api/v1/studies/tossed/columns", headers=cookies, raw=True)
            self.assertEqual(s, 200, planted)
            s, _, b = call(self.hpod, "POST", "/api/v1/studies/tossed/pause", headers={**cookies, "X-Hpod-Csrf": csrf})
            self.assertEqual((s, b["state"]), (200, "paused"), planted)
            call(self.hpod, "POST", "/api/v1/studies/tossed/resume", headers={**cookies, "X-Hpod-Csrf": csrf})
        # Junk alone still opens nothing, and logging out works past the junk.
        s, _, _ = call(self.hpod, "GET", "/api/v1/studies", headers={"Cookie": "hpod_session=junk; hpod_session=x"})
        self.assertEqual(s, 401)
        s, _, b = call(self.hpod, "DELETE", "/api/v1/session", headers={"Cookie": "hpod_session=junk; " + pair, "X-Hpod-Csrf": csrf})
        self.assertEqual((s, b["authenticated"]), (200, False))
        s, _, _ = call(self.hpod, "GET", "/api/v1/studies", headers={"Cookie": pair})
        self.assertEqual(s, 401)

    def test_login_needs_json_from_the_dashboards_own_origin(self):
        # Login CSRF: a form on another port posting text/plain, or a fetch from another
        # origin, must not get this browser a session (with the attacker's token).
        port = urllib.parse.urlsplit(self.hpod.url).port
        token = json.dumps({"token": self.hpod.ADMIN_TOKEN}).encode()
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
            u = urllib.parse.urlsplit(self.hpod.url)
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            h = {**self.origin(), **({"Content-Type": ctype} if ctype else {})}
            c.request("POST", "/api/v1/session", body=token, headers=h)
            r = c.getresponse()
            b = json.loads(r.read())
            c.close()
            self.assertEqual(r.status, 415, ctype)
            self.assertIsNone(r.getheader("Set-Cookie"), ctype)
            self.assertIn("application/json", b["detail"])
        for origin in ("http://127.0.0.1:%d" % (port + 1), "http://evil.example", "https://127.0.0.1:%d" % port, "null", None):
            h = {"Origin": origin} if origin else {}
            s, h, b = call(self.hpod, "POST", "/api/v1/session", {"token": self.hpod.ADMIN_TOKEN}, headers=h)
            self.assertEqual(s, 403, origin)
            self.assertEqual(header(h, "Set-Cookie"), [], origin)
            self.assertIn("Origin" if origin is None else "another origin", b["detail"])
        s, h, b = call(self.hpod, "POST", "/api/v1/session", {"token": self.hpod.ADMIN_TOKEN},
                       headers={**self.origin(), "Content-Type": "Application/JSON; charset=utf-8"})
        self.assertEqual(s, 200, b)
        self.assertEqual(len(header(h, "Set-Cookie")), 1)

    def test_api_answers_are_never_sniffed(self):
        self.hpod.submit(quadratic_study("sniff", sampler={"type": "random"}, pruner={"type": "nop"}))
        for method, path in (("GET", "/api/v1/session"), ("GET", "/api/v1/studies/sniff"), ("GET", "/api/v1/studies/sniff/columns"),
                             ("GET", "/api/v1/studies/%3Cscript%3E"), ("GET", "/api/v1/nothing"), ("DELETE", "/api/v1/studies"),
                             ("GET", "/metrics"), ("GET", "/healthz")):
            s, h, _ = call(self.hpod, method, path, headers=self.admin(), raw=True)
            self.assertEqual(header(h, "X-Content-Type-Options"), ["nosniff"], "%s %s (%d)" % (method, path, s))
        u = urllib.parse.urlsplit(self.hpod.url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.request("GET", "/api/v1/studies/sniff/events", headers=self.admin())
        r = c.getresponse()
        self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")
        c.close()

    def test_logout_ends_the_session(self):
        pair, csrf, _ = self.login()
        s, _, _ = call(self.hpod, "DELETE", "/api/v1/session", headers={"Cookie": pair})
        self.assertEqual(s, 403)
        s, _, _ = call(self.hpod, "GET", "/api/v1/studies", headers={"Cookie": pair})
        self.assertEqual(s, 200)
        s, h, b = call(self.hpod, "DELETE", "/api/v1/session", headers={"Cookie": pair, "X-Hpod-Csrf": csrf})
        self.assertEqual((s, b["authenticated"]), (200, False))
        self.assertIn("Max-Age=0", header(h, "Set-Cookie")[0])
        s, _, _ = call(self.hpod, "GET", "/api/v1/studies", headers={"Cookie": pair})
        self.assertEqual(s, 401)
        s, _, b = call(self.hpod, "GET", "/api/v1/session", headers={"Cookie": pair})
        self.assertFalse(b["authenticated"])

    # ------------------------------------------------------------ columns, importance
    def test_columns_match_the_trials_and_the_stream_continues_after_them(self):
        self.hpod.submit(quadratic_study("cols", sampler={"type": "random", "seed": 4}, pruner={"type": "nop"},
                                         search_space={"x": {"type": "float", "low": -10, "high": 10},
                                                       "y": {"type": "float", "low": -10, "high": 10},
                                                       "opt": {"type": "categorical", "choices": ["adam", "sgd"]},
                                                       "n": {"type": "int", "low": 1, "high": 8, "log": True}}))
        self.ask_tell("cols", 12, lambda p: p["x"] ** 2 + 0.01 * p["y"] ** 2)
        s, a = self.hpod.request("POST", "/api/v1/studies/cols/ask")  # one left running, one report
        self.hpod.request("POST", "/api/v1/trials/%d/report" % a["trial_id"], {"step": 7, "value": "NaN"}, token=a["token"])
        s, _, payload = call(self.hpod, "GET", "/api/v1/studies/cols/columns", headers=self.admin(), raw=True)
        self.assertEqual(s, 200)
        head, column = decode_columns(payload)
        s, trials = self.hpod.request("GET", "/api/v1/studies/cols/trials?include=intermediate")
        trials = trials["trials"]
        self.assertEqual(head["n_trials"], len(trials))
        self.assertEqual([p["name"] for p in head["params"]], ["n", "opt", "x", "y"])
        self.assertEqual(head["params"][1]["distribution"]["attributes"]["choices"], ["adam", "sgd"])
        self.assertEqual(column("number"), [t["number"] for t in trials])
        self.assertEqual(column("id"), [float(t["id"]) for t in trials])
        states = {0: "RUNNING", 1: "COMPLETE"}
        self.assertEqual([states[s] for s in column("state")], [t["state"] for t in trials])
        values = column("value")
        for t, v in zip(trials, values):
            if t["state"] == "COMPLETE":
                self.assertEqual(v, t["value"])
            else:
                self.assertNotEqual(v, v)  # NaN: no value
        for i, t in enumerate(trials):
            self.assertEqual(column("param:x")[i], t["params"]["x"])
            self.assertEqual(column("param:n")[i], t["params"]["n"])
            self.assertEqual(["adam", "sgd"][int(column("param:opt")[i])], t["params"]["opt"])
        off, steps, ivs = column("iv_offset"), column("iv_step"), column("iv_value")
        for i, t in enumerate(trials):
            got = [(steps[k], ivs[k]) for k in range(off[i], off[i + 1])]
            want = t["intermediate_values"]
            self.assertEqual([g[0] for g in got], [w[0] for w in want])
            for g, w in zip(got, want):
                if w[1] == "NaN":
                    self.assertNotEqual(g[1], g[1])
                else:
                    self.assertAlmostEqual(g[1], w[1], places=5)  # float32 on the wire
        self.assertEqual(list(head["running"].keys()), [str(trials[-1]["number"])])
        # The stream from after the snapshot's last event id repeats nothing of it.
        self.hpod.request("POST", "/api/v1/trials/%d/report" % a["trial_id"], {"step": 8, "value": 1.5}, token=a["token"])
        u = urllib.parse.urlsplit(self.hpod.url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.request("GET", "/api/v1/studies/cols/events?after=%d" % head["last_event_id"], headers=self.admin())
        r = c.getresponse()
        text = b""
        while b"event: report" not in text:
            text += r.read1(4096)
        c.close()
        self.assertIn(b'"step":8', text)
        self.assertNotIn(b'"step":7', text)
        self.assertIn(b"id: %d\n" % (head["last_event_id"] + 1), text)

    def test_importance_ranks_the_parameter_that_drives_the_objective(self):
        self.hpod.submit(quadratic_study("imp", sampler={"type": "random", "seed": 2}, pruner={"type": "nop"}))
        s, _, b = call(self.hpod, "GET", "/api/v1/studies/imp/importance", headers=self.admin())
        self.assertEqual((s, b["params"]), (200, []))
        self.assertIn("fewer than two", b["detail"])
        self.ask_tell("imp", 40, lambda p: p["x"] ** 2 + 0.01 * p["y"])
        s, _, b = call(self.hpod, "GET", "/api/v1/studies/imp/importance", headers=self.admin())
        self.assertEqual(s, 200)
        self.assertEqual(b["method"], "fanova")
        self.assertEqual(b["n_trials"], 40)
        self.assertEqual([p["name"] for p in b["params"]], ["x", "y"])
        self.assertGreater(b["params"][0]["importance"], 0.8)
        self.assertAlmostEqual(sum(p["importance"] for p in b["params"]), 1.0)

    # ---------------------------------------------------------------------- logs
    def test_the_tail_of_a_trials_stdout_and_stderr(self):
        code = ("import sys\n"
                "print('hello from stdout')\n"
                "sys.stderr.write('hello from stderr\\n')\n"
                "print('\\n'.join('line %d' % i for i in range(3000)))\n")
        d = {"name": "logs", "search_space": {"x": {"type": "float", "low": 0, "high": 1}},
             "sampler": {"type": "random"}, "pruner": {"type": "nop"}, "budget": {"n_trials": 1},
             "trial": {"command": [PYTHON, "-c", code], "max_retries": 0}}
        s, b = self.hpod.submit(d)
        self.assertEqual(s, 201, b)
        wait_for(lambda: self.hpod.request("GET", "/api/v1/studies/logs/trials/0")[1].get("state") == "FAIL", 30,
                 what="the trial to exit")
        s, _, b = call(self.hpod, "GET", "/api/v1/studies/logs/trials/0/log", headers=self.admin())
        self.assertEqual(s, 200, b)
        self.assertEqual((b["stream"], b["offset"]), ("stdout", 0))
        self.assertTrue(b["text"].startswith("hello from stdout\nline 0\n"))
        self.assertTrue(b["text"].endswith("line 2999\n"))
        self.assertEqual(b["size"], len(b["text"]))
        s, _, b = call(self.hpod, "GET", "/api/v1/studies/logs/trials/0/log?stream=stderr", headers=self.admin())
        self.assertEqual((s, b["text"]), (200, "hello from stderr\n"))
        s, _, b = call(self.hpod, "GET", "/api/v1/studies/logs/trials/0/log?bytes=20", headers=self.admin())
        self.assertEqual((s, b["text"]), (200, "line 2999\n"))
        self.assertEqual(b["offset"] + len(b["text"]), b["size"])
        for bad in ("stream=exit_status", "stream=../../hpod.json", "bytes=0", "bytes=abc", "bytes=99999999"):
            s, _, b = call(self.hpod, "GET", "/api/v1/studies/logs/trials/0/log?" + bad, headers=self.admin())
            self.assertEqual(s, 400, bad)
        s, _, _ = call(self.hpod, "GET", "/api/v1/studies/logs/trials/0/log")
        self.assertEqual(s, 401)
        s, _, _ = call(self.hpod, "GET", "/api/v1/studies/logs/trials/9/log", headers=self.admin())
        self.assertEqual(s, 404)
        # An ask/tell trial has no run directory.
        self.hpod.submit(quadratic_study("nolog", sampler={"type": "random"}, pruner={"type": "nop"}))
        self.hpod.request("POST", "/api/v1/studies/nolog/ask")
        s, _, b = call(self.hpod, "GET", "/api/v1/studies/nolog/trials/0/log", headers=self.admin())
        self.assertEqual(s, 404)
        self.assertIn("no run directory", b["detail"])


class TlsTest(unittest.TestCase):
    """Over TLS the session cookie is also Secure (never sent over plain HTTP)."""

    def test_the_cookie_is_secure_over_tls(self):
        hpod = Hpod()
        try:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                            "-keyout", os.path.join(hpod.dir, "key.pem"), "-out", os.path.join(hpod.dir, "cert.pem")],
                           check=True, capture_output=True)
            hpod.config["tls"] = {"cert": "cert.pem", "key": "key.pem"}
            hpod.start()
            self.assertTrue(hpod.url.startswith("https://"))
            origin = {"Origin": "https://127.0.0.1:%d" % urllib.parse.urlsplit(hpod.url).port}
            s, h, b = call(hpod, "POST", "/api/v1/session", {"token": hpod.ADMIN_TOKEN}, headers=origin)
            self.assertEqual(s, 200, b)
            cookie = header(h, "Set-Cookie")[0]
            attrs = [a.strip() for a in cookie.split(";")]
            # __Host-: browsers take it only with Secure, Path=/ and no Domain, so no other
            # site or plain-HTTP port of this host can plant one.
            self.assertTrue(cookie.startswith("__Host-hpod_session="), cookie)
            self.assertIn("Secure", attrs)
            self.assertIn("Path=/", attrs)
            self.assertFalse([a for a in attrs if a.lower().startswith("domain")])
            pair = cookie.split(";")[0]
            s, _, _ = call(hpod, "GET", "/api/v1/studies", headers={"Cookie": "hpod_session=junk; " + pair})
            self.assertEqual(s, 200)
            # The plain name does not count over TLS.
            s, _, _ = call(hpod, "GET", "/api/v1/studies", headers={"Cookie": pair.replace("__Host-", "")})
            self.assertEqual(s, 401)
        finally:
            hpod.cleanup()


class OpenLoopbackModeTest(unittest.TestCase):
    """Without admin tokens the dashboard opens without login, but only on loopback names,
    and state changes from other origins are refused."""

    @classmethod
    def setUpClass(cls):
        cls.hpod = Hpod(admin=False).start()
        cls.hpod.submit(quadratic_study("open", sampler={"type": "random"}, pruner={"type": "nop"}))

    @classmethod
    def tearDownClass(cls):
        cls.hpod.cleanup()

    def test_no_login_needed(self):
        s, _, b = call(self.hpod, "GET", "/api/v1/session")
        self.assertEqual((s, b["auth_required"], b["authenticated"]), (200, False, True))
        s, h, b = call(self.hpod, "POST", "/api/v1/session", {"token": "anything"})
        self.assertEqual((s, header(h, "Set-Cookie")), (200, []))
        s, _, _ = call(self.hpod, "GET", "/api/v1/studies/open/columns", raw=True)
        self.assertEqual(s, 200)

    def test_dns_rebinding_and_cross_origin_posts_are_refused(self):
        port = urllib.parse.urlsplit(self.hpod.url).port
        s, _, b = call(self.hpod, "GET", "/api/v1/studies", headers={"Host": "evil.example:%d" % port})
        self.assertEqual(s, 403)
        self.assertIn("loopback", b["detail"])
        s, _, b = call(self.hpod, "GET", "/api/v1/session", headers={"Host": "evil.example:%d" % port})
        self.assertFalse(b["authenticated"])
        s, _, b = call(self.hpod, "POST", "/api/v1/studies/open/pause", headers={"Origin": "http://evil.example"})
        self.assertEqual(s, 403)
        self.assertIn("another origin", b["detail"])
        s, _, b = call(self.hpod, "POST", "/api/v1/studies/open/pause", headers={"Origin": "http://127.0.0.1:%d" % port})
        self.assertEqual((s, b["state"]), (200, "paused"))
        s, _, b = call(self.hpod, "POST", "/api/v1/studies/open/resume")  # curl, hpoctl: no Origin
        self.assertEqual((s, b["state"]), (200, "running"))
        s, _, b = call(self.hpod, "GET", "/api/v1/studies", headers={"Host": "localhost:%d" % port})
        self.assertEqual(s, 200)


class OptunaStudyNamesTest(unittest.TestCase):
    """Optuna takes any study name. hpod splits the path at the slashes that were sent as
    slashes and decodes each segment after: "group/run 1" is one name, not a route."""
    NAMES = ["group/run 1", "..", "a%2Fb?#&", "columns"]

    @classmethod
    def setUpClass(cls):
        cls.hpod = Hpod()
        optuna_studies(cls.hpod.db, cls.NAMES)
        cls.hpod.start()

    @classmethod
    def tearDownClass(cls):
        cls.hpod.cleanup()

    def get(self, path, raw=False):
        return call(self.hpod, "GET", path, headers={"Authorization": "Bearer " + self.hpod.ADMIN_TOKEN}, raw=raw)

    def test_every_endpoint_of_a_study_whose_name_has_slashes_and_escapes(self):
        for name in self.NAMES:
            for q in (urllib.parse.quote(name, safe=""), "".join("%%%02X" % c for c in name.encode())):
                base = "/api/v1/studies/" + q
                s, _, b = self.get(base)
                self.assertEqual((s, b.get("name")), (200, name), base)
                s, _, b = self.get(base + "/trials")
                self.assertEqual((s, len(b["trials"])), (200, 3), base)
                s, _, b = self.get(base + "/trials/2")
                self.assertEqual((s, b["number"]), (200, 2), base)
                s, _, payload = self.get(base + "/columns", raw=True)
                self.assertEqual(s, 200, base)
                head, column = decode_columns(payload)
                self.assertEqual(column("number"), [0, 1, 2])
                s, _, _ = self.get(base + "/importance", raw=True)
                self.assertEqual(s, 200, base)
        # A slash sent as a slash still separates segments.
        s, _, _ = self.get("/api/v1/studies/group/run%201")
        self.assertEqual(s, 404)
        s, _, b = self.get("/api/v1/studies/group%2Frun%201/nothing")
        self.assertEqual(s, 404)


if __name__ == "__main__":
    unittest.main(verbosity=2)
