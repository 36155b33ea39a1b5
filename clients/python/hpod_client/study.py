"""A study seen by a worker (ask/tell) or an operator holding an admin token."""

import urllib.parse

from ._connection import DEFAULT_RETRY_FOR_S, Connection
from .trial import Trial


class Study:
    def __init__(self, url, token, name, retry_for_s=DEFAULT_RETRY_FOR_S):
        self.url = url
        self.name = name
        self._retry_for_s = retry_for_s
        self._conn = Connection(url, token, retry_for_s=retry_for_s)

    def _path(self, suffix=""):
        return "/api/v1/studies/%s%s" % (urllib.parse.quote(self.name, safe=""), suffix)

    def ask(self):
        """A new trial (with its own token) planned by hpod's sampler."""
        _, a = self._conn.request("POST", self._path("/ask"), {})
        return Trial(self.url, a["trial_id"], a["token"], a["params"], a["number"], self.name,
                     retry_for_s=self._retry_for_s)

    def tell(self, trial, value=None, state="complete", reason=""):
        return trial._tell(state, value=value, reason=reason)

    def enqueue(self, params, user_attrs=None):
        body = {"params": params}
        if user_attrs:
            body["user_attrs"] = user_attrs
        _, a = self._conn.request("POST", self._path("/enqueue"), body)
        return a

    def info(self):
        _, a = self._conn.request("GET", self._path())
        return a

    def trials(self, state=None):
        q = "?state=" + state if state else ""
        _, a = self._conn.request("GET", self._path("/trials" + q))
        return a["trials"]

    @staticmethod
    def submit(url, token, definition):
        """Submits a study definition (a dict); returns the study's summary."""
        c = Connection(url, token)
        try:
            _, a = c.request("POST", "/api/v1/studies", definition)
        finally:
            c.close()
        return a
