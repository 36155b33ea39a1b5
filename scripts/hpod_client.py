"""hpod trial client: the Python standard library only, so any trial can import it.

In a trial that hpod launched:

    from hpod_client import Trial
    trial = Trial.from_env()
    for epoch in range(100):
        loss = train_one_epoch(trial.params["lr"])
        if trial.report(epoch, loss):      # True = pruned: stop now
            break
    else:
        trial.complete(loss)

For workers that hpod does not launch (ask/tell):

    study = Study("http://127.0.0.1:8470", admin_token, "my-study")
    trial = study.ask()
    ...
    trial.complete(value)          # or study.tell(trial, value)

Values may be NaN or infinite; they travel as the strings "NaN", "Infinity", "-Infinity".
Requests that fail on the network are retried (reports and tells are idempotent on the
server), so a short hpod restart does not fail a trial.
"""

import http.client
import json
import math
import os
import ssl
import time
import urllib.parse

__all__ = ["Trial", "Study", "HpodError"]


class HpodError(Exception):
    """An error answer from hpod: HTTP status, error code and detail."""

    def __init__(self, status, error, detail):
        super().__init__("hpod: %s %s: %s" % (status, error, detail))
        self.status = status
        self.error = error
        self.detail = detail


def _encode_value(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


class _Connection:
    """One keep-alive HTTP(S) connection with retries on network errors."""

    def __init__(self, url, token, retries=8, timeout=60.0):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https"):
            raise ValueError("hpod URL must start with http:// or https://: %r" % url)
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 80)
        self._prefix = parsed.path.rstrip("/")
        self._token = token
        self._retries = retries
        self._timeout = timeout
        self._conn = None

    def _connect(self):
        if self._https:
            ctx = ssl.create_default_context(cafile=os.environ.get("HPOD_CA_FILE"))
            return http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=ctx)
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

    def request(self, method, path, body=None, allow=()):
        """JSON in, JSON out. Raises HpodError for error answers not listed in `allow`."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self._token:
            headers["Authorization"] = "Bearer " + self._token
        delay = 0.2
        for attempt in range(self._retries + 1):
            try:
                if self._conn is None:
                    self._conn = self._connect()
                self._conn.request(method, self._prefix + path, body=data, headers=headers)
                resp = self._conn.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self._conn.close()
                    self._conn = None
                break
            except (OSError, http.client.HTTPException):
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
                if attempt == self._retries:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        try:
            answer = json.loads(raw.decode() or "{}")
        except ValueError:
            answer = {"error": "bad_response", "detail": raw[:200].decode(errors="replace")}
        if resp.status >= 400 and resp.status not in allow:
            raise HpodError(resp.status, answer.get("error"), answer.get("detail"))
        return resp.status, answer

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class Trial:
    """One trial: its parameters, and report / complete / fail / heartbeat."""

    def __init__(self, url, trial_id, token, params=None, number=None, study=None):
        self.id = int(trial_id)
        self.number = number
        self.study = study
        self.params = dict(params or {})
        self._conn = _Connection(url, token)
        self._pruned = False

    @classmethod
    def from_env(cls):
        """The trial hpod launched this process for (HPOD_URL, HPOD_TRIAL_ID, HPOD_TOKEN, ...)."""
        try:
            url = os.environ["HPOD_URL"]
            trial_id = os.environ["HPOD_TRIAL_ID"]
            token = os.environ["HPOD_TOKEN"]
        except KeyError as e:
            raise RuntimeError("not started by hpod: %s is not set" % e.args[0]) from None
        params = json.loads(os.environ.get("HPOD_PARAMS", "{}"))
        number = os.environ.get("HPOD_TRIAL_NUMBER")
        return cls(url, trial_id, token, params, int(number) if number is not None else None,
                   os.environ.get("HPOD_STUDY"))

    def report(self, step, value):
        """Reports an intermediate value; True when the trial is pruned and should stop."""
        status, answer = self._conn.request("POST", "/api/v1/trials/%d/report" % self.id,
                                            {"step": int(step), "value": _encode_value(value)}, allow=(409,))
        if status == 409:
            if answer.get("should_prune"):
                self._pruned = True
                return True
            raise HpodError(status, answer.get("error"), answer.get("detail"))
        self._pruned = bool(answer.get("should_prune"))
        return self._pruned

    def should_prune(self):
        """The decision of the last report."""
        return self._pruned

    def complete(self, value, user_attrs=None):
        return self._tell("complete", value=value, user_attrs=user_attrs)

    def fail(self, reason="", user_attrs=None):
        return self._tell("fail", reason=reason, user_attrs=user_attrs)

    def prune(self):
        """Ends the trial as PRUNED (its last reported value becomes its value)."""
        return self._tell("pruned")

    def heartbeat(self):
        """Keeps a trial that reports rarely from being declared dead."""
        self._conn.request("POST", "/api/v1/trials/%d/heartbeat" % self.id, {})

    def _tell(self, state, value=None, reason=None, user_attrs=None):
        body = {"state": state}
        if value is not None:
            body["value"] = _encode_value(value)
        if reason:
            body["reason"] = str(reason)
        if user_attrs:
            body["user_attrs"] = user_attrs
        _, answer = self._conn.request("POST", "/api/v1/trials/%d/tell" % self.id, body)
        return answer.get("state")

    def close(self):
        self._conn.close()


class Study:
    """A study seen by a worker or an operator holding an admin token."""

    def __init__(self, url, token, name):
        self.url = url
        self.name = name
        self._conn = _Connection(url, token)

    def ask(self):
        """A new trial (with its own token) planned by hpod's sampler."""
        _, a = self._conn.request("POST", "/api/v1/studies/%s/ask" % urllib.parse.quote(self.name, safe=""), {})
        return Trial(self.url, a["trial_id"], a["token"], a["params"], a["number"], self.name)

    def tell(self, trial, value=None, state="complete", reason=""):
        return trial._tell(state, value=value, reason=reason)

    def enqueue(self, params, user_attrs=None):
        body = {"params": params}
        if user_attrs:
            body["user_attrs"] = user_attrs
        _, a = self._conn.request("POST", "/api/v1/studies/%s/enqueue" % urllib.parse.quote(self.name, safe=""), body)
        return a

    def info(self):
        _, a = self._conn.request("GET", "/api/v1/studies/%s" % urllib.parse.quote(self.name, safe=""))
        return a

    def trials(self, state=None):
        q = "?state=" + state if state else ""
        _, a = self._conn.request("GET", "/api/v1/studies/%s/trials%s" % (urllib.parse.quote(self.name, safe=""), q))
        return a["trials"]

    @staticmethod
    def submit(url, token, definition):
        """Submits a study definition (a dict); returns the study's summary."""
        _, a = _Connection(url, token).request("POST", "/api/v1/studies", definition)
        return a
