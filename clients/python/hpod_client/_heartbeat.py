"""Heartbeats from a daemon thread, so that a trial with hour-long epochs needs no code to
stay alive: hpod holds a trial to `heartbeat_timeout_s` only once it has heard a heartbeat
from it, and the thread sends one every `FRACTION` of that timeout."""

import threading

from ._connection import HpodError

# Several heartbeats fit in one timeout, so a late or lost one does not matter.
FRACTION = 0.2
MIN_INTERVAL_S = 0.05


def interval_for(timeout_s):
    """Seconds between heartbeats for hpod's heartbeat timeout; None: send none."""
    if timeout_s is None or timeout_s <= 0:
        return None
    return max(MIN_INTERVAL_S, timeout_s * FRACTION)


class Heartbeat:
    """Sends POST .../heartbeat every `interval` seconds until stop() or the trial ends.

    A daemon thread: it never keeps a finished process alive. While hpod is unreachable
    it keeps trying at the same pace; hpod's answer that the trial is no longer running
    (409, 404) ends it."""

    def __init__(self, connection, trial_id, interval):
        self._conn = connection
        self._path = "/api/v1/trials/%d/heartbeat" % trial_id
        self._interval = interval
        self._stop = threading.Event()
        self.sent = 0
        self.last_error = None
        self._thread = threading.Thread(target=self._run, name="hpod-heartbeat", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()

    def join(self, timeout=None):
        self._thread.join(timeout)

    @property
    def running(self):
        return self._thread.is_alive()

    def _run(self):
        while not self._stop.is_set():
            try:
                self._conn.request("POST", self._path, {})
                self.sent += 1
            except HpodError as e:
                self.last_error = e
                if e.status in (401, 403, 404, 409):
                    break  # the trial is over (or its token is): nothing to keep alive
            if self._stop.wait(self._interval):
                break
        self._conn.close()
