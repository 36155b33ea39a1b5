"""One keep-alive HTTP(S) connection to hpod, and the retry rule every caller shares."""

import http.client
import json
import math
import os
import random
import ssl
import time
import urllib.parse

# Answers that mean "hpod (or a proxy in front of it) is not there right now": retried
# like a refused connection.
RETRY_STATUSES = (502, 503, 504)
# Back-off between attempts: short at first (a restart takes seconds), never longer than
# this, so a trial resumes within a few seconds of hpod coming back.
FIRST_DELAY_S = 0.2
MAX_DELAY_S = 5.0
# How long a request keeps being retried while hpod is unreachable: long enough for an
# upgrade or a login-node reboot.
DEFAULT_RETRY_FOR_S = 1800.0


class HpodError(Exception):
    """An error answer from hpod: HTTP status, error code and detail."""

    def __init__(self, status, error, detail):
        super().__init__("hpod: %s %s: %s" % (status, error, detail))
        self.status = status
        self.error = error
        self.detail = detail


class HpodUnreachable(HpodError):
    """hpod did not answer within the retry window."""

    def __init__(self, detail):
        super().__init__(None, "unreachable", detail)


def encode_value(v):
    """A float as hpod's JSON takes it: NaN and the infinities travel as strings."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


class _Retryable(Exception):
    pass


class Connection:
    """JSON in, JSON out over one keep-alive connection; not thread-safe (one per thread).

    Network errors and 502/503/504 are retried with back-off until `retry_for_s` seconds
    have passed since the first failure (or `retries` further attempts, if given)."""

    def __init__(self, url, token, timeout=60.0, retry_for_s=DEFAULT_RETRY_FOR_S, retries=None):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https"):
            raise ValueError("hpod URL must start with http:// or https://: %r" % url)
        self.url = url
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 80)
        self._prefix = parsed.path.rstrip("/")
        self._token = token
        self._timeout = timeout
        self.retry_for_s = retry_for_s
        self._retries = retries
        self._conn = None

    def _connect(self):
        if self._https:
            ctx = ssl.create_default_context(cafile=os.environ.get("HPOD_CA_FILE"))
            return http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=ctx)
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

    def _attempt(self, method, path, data, headers):
        try:
            if self._conn is None:
                self._conn = self._connect()
            self._conn.request(method, self._prefix + path, body=data, headers=headers)
            resp = self._conn.getresponse()
            raw = resp.read()
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise _Retryable("%s %s: %s" % (method, path, e)) from e
        if resp.status in RETRY_STATUSES:
            self.close()
            raise _Retryable("%s %s: HTTP %d" % (method, path, resp.status))
        return resp.status, raw

    def request(self, method, path, body=None, allow=(), on_failure=None, stop=None):
        """(status, answer). Raises HpodError for error answers not listed in `allow`,
        HpodUnreachable when the retry window ends. on_failure(text) is called after each
        failed attempt; stop() returning True ends the retries early (HpodUnreachable)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self._token:
            headers["Authorization"] = "Bearer " + self._token
        delay = FIRST_DELAY_S
        first_failure = None
        attempt = 0
        while True:
            try:
                status, raw = self._attempt(method, path, data, headers)
                break
            except _Retryable as e:
                now = time.monotonic()
                first_failure = first_failure if first_failure is not None else now
                attempt += 1
                if on_failure:
                    on_failure(str(e))
                out_of_attempts = self._retries is not None and attempt > self._retries
                if out_of_attempts or now - first_failure >= self.retry_for_s or (stop and stop()):
                    raise HpodUnreachable("%s (gave up after %.0f s)" % (e, now - first_failure)) from None
                time.sleep(min(delay, max(0.0, first_failure + self.retry_for_s - now)) * random.uniform(0.8, 1.0))
                delay = min(delay * 2, MAX_DELAY_S)
        try:
            answer = json.loads(raw.decode() or "{}")
        except ValueError:
            answer = {"error": "bad_response", "detail": raw[:200].decode(errors="replace")}
        if status >= 400 and status not in allow:
            raise HpodError(status, answer.get("error"), answer.get("detail"))
        return status, answer

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None
