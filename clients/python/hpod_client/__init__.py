"""hpod trial client: the Python standard library only, so any trial can import it.

Use it by pointing PYTHONPATH at hpod's clients/python, or by copying the hpod_client
folder next to your training script. In a trial that hpod launched:

    from hpod_client import Trial
    trial = Trial.from_env()
    for epoch in range(100):
        loss = train_one_epoch(trial.params["lr"])
        if trial.report(epoch, loss):      # True = pruned: stop now
            break
    else:
        trial.complete(loss)

Trial.from_env() sends heartbeats from a background thread, so epochs may be far longer
than the study's heartbeat_timeout_s. Reports and the final tell go out in order from a
background thread and are retried while hpod is unreachable (30 minutes by default): an
hpod restart or upgrade does not fail the trial, and report() does not wait for it.

For workers that hpod does not launch (ask/tell):

    study = Study("http://127.0.0.1:8470", admin_token, "my-study")
    trial = study.ask()
    ...
    trial.complete(value)          # or study.tell(trial, value)

Values may be NaN or infinite; they travel as the strings "NaN", "Infinity", "-Infinity".
"""

from ._connection import HpodError, HpodUnreachable
from .study import Study
from .trial import Trial

__all__ = ["Trial", "Study", "HpodError", "HpodUnreachable"]
