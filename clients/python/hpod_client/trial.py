"""One trial: its parameters, report / complete / fail / prune, and its heartbeats."""

import atexit
import json
import os
import threading
import weakref

from . import _heartbeat
from ._connection import DEFAULT_RETRY_FOR_S, Connection, HpodError, HpodUnreachable, encode_value
from ._outbox import Message, Outbox

_live_trials = weakref.WeakSet()
# The longest report() waits for hpod's answer while hpod seems reachable (a committed
# report is answered in milliseconds; a network that drops packets fails only at the
# connection timeout): after that the answer is applied on a later call.
REPORT_WAIT_S = 10.0


@atexit.register
def _flush_at_exit():
    # Reports still queued when the script ends (hpod was down) are delivered first:
    # with `final_value: last_report` the last one is the trial's value.
    for t in list(_live_trials):
        t._flush_at_exit()


class Trial:
    """A trial hpod launched (`Trial.from_env()`) or that a worker asked for (`Study.ask()`).

    report() hands the value to a background sender and returns the pruning decision as
    soon as hpod answers; while hpod is unreachable it returns at once (the decision of the
    last answered report) and the sender keeps retrying for `retry_for_s` seconds, so
    training never waits for hpod. A pruning answer that arrives late makes the next
    report() return True. complete(), fail() and prune() wait until every earlier report
    and the tell itself are delivered (or the retry window ends)."""

    def __init__(self, url, trial_id, token, params=None, number=None, study=None,
                 heartbeat_timeout_s=None, retry_for_s=DEFAULT_RETRY_FOR_S, timeout=60.0):
        self.id = int(trial_id)
        self.number = number
        self.study = study
        self.params = dict(params or {})
        self._url, self._token, self._timeout = url, token, timeout
        self._lock = threading.Lock()
        self._pruned = False
        self._final_state = None  # set once the trial is known to have ended
        self._late_errors = []    # error answers to reports nobody waited for
        self._outbox = Outbox(Connection(url, token, timeout=timeout, retry_for_s=retry_for_s), self._on_answer)
        self._heartbeat = None
        interval = _heartbeat.interval_for(heartbeat_timeout_s)
        if interval is not None:
            self._heartbeat = _heartbeat.Heartbeat(Connection(url, token, timeout=min(timeout, 30.0), retries=0),
                                                   self.id, interval)
        _live_trials.add(self)

    @classmethod
    def from_env(cls, heartbeat=True, retry_for_s=DEFAULT_RETRY_FOR_S):
        """The trial hpod launched this process for (HPOD_URL, HPOD_TRIAL_ID, HPOD_TOKEN, ...).

        With heartbeat=True (the default) heartbeats go out from a background thread at a
        fraction of HPOD_HEARTBEAT_TIMEOUT_S; retry_for_s bounds how long reports and the
        tell are retried while hpod is unreachable (default 30 minutes)."""
        try:
            url = os.environ["HPOD_URL"]
            trial_id = os.environ["HPOD_TRIAL_ID"]
            token = os.environ["HPOD_TOKEN"]
        except KeyError as e:
            raise RuntimeError("not started by hpod: %s is not set" % e.args[0]) from None
        params = json.loads(os.environ.get("HPOD_PARAMS", "{}"))
        number = os.environ.get("HPOD_TRIAL_NUMBER")
        timeout = os.environ.get("HPOD_HEARTBEAT_TIMEOUT_S") if heartbeat else None
        return cls(url, trial_id, token, params, int(number) if number is not None else None,
                   os.environ.get("HPOD_STUDY"), heartbeat_timeout_s=float(timeout) if timeout else None,
                   retry_for_s=retry_for_s)

    # --- reports

    def report(self, step, value):
        """Reports an intermediate value; True when the trial is pruned and should stop."""
        self._raise_late_error()
        if self._pruned:
            return True
        if self._final_state is not None:
            raise HpodError(409, "conflict", "trial %d is already %s" % (self.id, self._final_state))
        m = self._outbox.post(Message("/api/v1/trials/%d/report" % self.id,
                                      {"step": int(step), "value": encode_value(value)}, allow=(409,)))
        if self._outbox.wait(m, min(self._timeout, REPORT_WAIT_S), while_reachable=True):
            with self._lock:
                if m in self._late_errors:
                    self._late_errors.remove(m)
                    raise m.error
        return self._pruned

    def should_prune(self):
        """The decision of the last answered report."""
        return self._pruned

    def pending(self):
        """Reports and tells not yet delivered to hpod."""
        return self._outbox.pending()

    def _on_answer(self, m):
        """On the sender thread: applies hpod's answer to a report or tell."""
        if m.error is None and m.answer.get("should_prune"):
            self._pruned = True
            self._final_state = "PRUNED"
            self._stop_heartbeat()
        elif m.error is None and m.status >= 400:  # a 409 that is not a pruning answer
            m.error = HpodError(m.status, m.answer.get("error"), m.answer.get("detail"))
        if m.error is not None and "/report" in m.path:
            with self._lock:
                self._late_errors.append(m)

    def _raise_late_error(self):
        with self._lock:
            if self._late_errors:
                raise self._late_errors.pop(0).error

    # --- the end

    def complete(self, value, user_attrs=None):
        return self._tell("complete", value=value, user_attrs=user_attrs)

    def fail(self, reason="", user_attrs=None):
        return self._tell("fail", reason=reason, user_attrs=user_attrs)

    def prune(self):
        """Ends the trial as PRUNED (its last reported value becomes its value)."""
        return self._tell("pruned")

    def heartbeat(self, retry_for_s=10.0):
        """One heartbeat now (from_env() sends them by itself). True once hpod answered;
        False if hpod could not be reached within `retry_for_s` seconds: a missed heartbeat
        is not a reason to stop training (hpod may be restarting)."""
        c = Connection(self._url, self._token, timeout=self._timeout, retry_for_s=retry_for_s)
        try:
            c.request("POST", "/api/v1/trials/%d/heartbeat" % self.id, {})
            return True
        except HpodUnreachable:
            return False
        finally:
            c.close()

    def _tell(self, state, value=None, reason=None, user_attrs=None):
        body = {"state": state}
        if value is not None:
            body["value"] = encode_value(value)
        if reason:
            body["reason"] = str(reason)
        if user_attrs:
            body["user_attrs"] = user_attrs
        if self._pruned:
            # A late report's answer pruned it: hpod refuses any other ending now.
            self.close()
            return "PRUNED"
        m = self._outbox.post(Message("/api/v1/trials/%d/tell" % self.id, body))
        # The process usually exits after this: wait for the whole retry window if needed.
        self._outbox.wait(m, None, while_reachable=False)
        self.close()
        if m.error is not None:
            if self._pruned and m.error.status == 409:
                return "PRUNED"
            raise m.error
        self._final_state = m.answer.get("state")
        return self._final_state

    def _stop_heartbeat(self):
        if self._heartbeat is not None:
            self._heartbeat.stop()

    def _flush_at_exit(self):
        if self._final_state is None and self._outbox.pending():
            self._outbox.flush(None)
        self.close()

    def close(self):
        """Stops the heartbeats and the sender: what is queued still goes out while hpod
        answers, but is no longer retried when it does not."""
        self._stop_heartbeat()
        self._outbox.close()
        _live_trials.discard(self)
