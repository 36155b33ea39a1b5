"""A trial's reports and final tell, delivered in order by one background thread.

The training loop hands a message over and waits for its answer only while hpod answers:
once a delivery attempt has failed (hpod restarting, the network down), callers return at
once and the thread keeps retrying; answers that arrive late are kept for the next call.
"""

import collections
import threading

from ._connection import HpodError, HpodUnreachable


class Message:
    """One request to deliver; `answer` or `error` is set once it is settled."""

    def __init__(self, path, body, allow=()):
        self.path = path
        self.body = body
        self.allow = allow
        self.status = None
        self.answer = None
        self.error = None
        self.done = False


class Outbox:
    def __init__(self, connection, on_answer):
        """on_answer(message) runs on the sender thread for every settled message, in order."""
        self._conn = connection
        self._on_answer = on_answer
        self._queue = collections.deque()
        self._cond = threading.Condition()
        self._failing = False  # the last attempt failed: callers do not wait
        self._closed = False
        self._dead = None  # the HpodUnreachable that ended the retries
        self._thread = threading.Thread(target=self._run, name="hpod-outbox", daemon=True)
        self._thread.start()

    @property
    def failing(self):
        return self._failing

    def pending(self):
        with self._cond:
            return len(self._queue)

    def post(self, message):
        with self._cond:
            if self._dead is not None:
                raise self._dead
            if self._closed:
                raise HpodError(None, "closed", "the trial's connection to hpod is closed")
            self._queue.append(message)
            self._cond.notify_all()
        return message

    def wait(self, message, timeout, while_reachable):
        """Waits until `message` is settled, at most `timeout` seconds; with while_reachable,
        stops waiting as soon as a delivery attempt fails. True if it is settled."""
        with self._cond:
            self._cond.wait_for(lambda: message.done or (while_reachable and self._failing), timeout)
            return message.done

    def flush(self, timeout):
        """Waits until every message posted so far is settled (at most `timeout` seconds)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue, timeout)

    def close(self):
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _set_failing(self, value):
        with self._cond:
            if self._failing != value:
                self._failing = value
                self._cond.notify_all()

    def _run(self):
        try:
            self._deliver()
        finally:
            self._conn.close()

    def _deliver(self):
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if not self._queue:
                    return
                m = self._queue[0]
            try:
                m.status, m.answer = self._conn.request("POST", m.path, m.body, allow=m.allow,
                                                        on_failure=lambda _: self._set_failing(True),
                                                        stop=lambda: self._closed)
            except HpodUnreachable as e:
                # The retry window is over: everything still queued fails the same way.
                self._fail_all(e)
                return
            except HpodError as e:
                m.error = e
            self._set_failing(False)
            self._on_answer(m)
            with self._cond:
                m.done = True
                self._queue.popleft()
                self._cond.notify_all()

    def _fail_all(self, error):
        with self._cond:
            self._closed = True
            self._dead = error
            self._failing = True
            for m in self._queue:
                m.error = error
                m.done = True
                self._on_answer(m)
            self._queue.clear()
            self._cond.notify_all()
