"""Starts a real hpod for integration tests: a private directory, a config file, a free
loopback port (the URL comes from --url-file, waited for with a bound), and a clean stop."""
import glob
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))

HPOD = os.environ.get("HPOD_BIN", "")
CLIENT_DIR = os.path.abspath(os.path.join(HERE, "..", "..", "clients", "python"))


def wait_for(predicate, timeout=10.0, interval=0.01, what="condition"):
    """Polls until predicate() is truthy; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


class Hpod:
    ADMIN_TOKEN = "admin-token-for-tests-0123456789abcdef"

    def __init__(self, admin=True, extra_config=None, workdir=None, keep=False, preexec=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="hpod-it-")
        self.keep = keep
        self.config = {"listen": "127.0.0.1:0", "database": "hpod.db", "runs_dir": "runs",
                       "optuna_schema": "v3.0.0.d", "sqlite_synchronous": "NORMAL"}
        if admin:
            self.config["admin_tokens_sha256"] = [hashlib.sha256(self.ADMIN_TOKEN.encode()).hexdigest()]
        self.config.update(extra_config or {})
        self.admin = self.ADMIN_TOKEN if admin else None
        self.preexec = preexec  # run in the child before hpod starts (umask, rlimits)
        self.proc = None
        self.url = None

    @property
    def db(self):
        return os.path.join(self.dir, "hpod.db")

    def start(self, expect_failure=False):
        with open(os.path.join(self.dir, "hpod.json"), "w") as f:
            json.dump(self.config, f)
        url_file = os.path.join(self.dir, "url")
        if os.path.exists(url_file):
            os.remove(url_file)
        self.log = open(os.path.join(self.dir, "hpod.log"), "ab")
        self.proc = subprocess.Popen([HPOD, "--config", os.path.join(self.dir, "hpod.json"), "--url-file", url_file],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir, env=self.environment(),
                                     preexec_fn=self.preexec)
        if expect_failure:
            self.proc.wait(timeout=10)
            return self.proc.returncode
        wait_for(lambda: os.path.exists(url_file) or self.proc.poll() is not None, 15, what="hpod's URL file")
        if self.proc.poll() is not None:
            raise AssertionError("hpod exited with %s:\n%s" % (self.proc.returncode, self.read_log()))
        with open(url_file) as f:
            self.url = f.read().strip()
        # A restart keeps the port: trials hold the URL in HPOD_URL.
        self.config["listen"] = "127.0.0.1:%d" % urllib.parse.urlsplit(self.url).port
        return self

    @staticmethod
    def environment():
        """hpod's environment, which its trials inherit: the repo's Python client importable
        whichever test started hpod."""
        env = dict(os.environ)
        paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        if CLIENT_DIR not in paths:
            env["PYTHONPATH"] = os.pathsep.join([CLIENT_DIR] + paths)
        return env

    def read_log(self):
        with open(os.path.join(self.dir, "hpod.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.log.close()

    def trial_processes(self):
        """Pids of trial processes this hpod started (their HPOD_RUN_DIR is under its dir)."""
        found = []
        prefix = ("HPOD_RUN_DIR=" + self.dir + "/").encode()
        for env in glob.glob("/proc/[0-9]*/environ"):
            try:
                with open(env, "rb") as f:
                    if any(v.startswith(prefix) for v in f.read().split(b"\0")):
                        found.append(int(env.split("/")[2]))
            except (PermissionError, FileNotFoundError, ProcessLookupError):
                pass
        return found

    def cleanup(self):
        self.stop()
        # A failed test must not leave trials running into the next one.
        for pid in self.trial_processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- HTTP
    def request(self, method, path, body=None, token="admin", raw=None, headers=None):
        """(status, json-or-text). token: "admin", None, or a token string."""
        u = urllib.parse.urlsplit(self.url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        h = dict(headers or {})
        t = self.admin if token == "admin" else token
        if t:
            h["Authorization"] = "Bearer " + t
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read().decode(errors="replace")
        c.close()
        try:
            return r.status, json.loads(text)
        except ValueError:
            return r.status, text

    def submit(self, definition):
        return self.request("POST", "/api/v1/studies", definition)


def optuna_studies(db, names, n_trials=3):
    """Studies written by Optuna itself (any name Optuna allows), each with `n_trials`
    COMPLETE trials of one float x: made before hpod opens the file."""
    code = ("import sys, optuna\n"
            "optuna.logging.set_verbosity(optuna.logging.WARNING)\n"
            "for name in sys.argv[3:]:\n"
            "    s = optuna.create_study(study_name=name, storage='sqlite:///' + sys.argv[1],\n"
            "                            sampler=optuna.samplers.RandomSampler(seed=1))\n"
            "    s.optimize(lambda t: t.suggest_float('x', -1, 1) ** 2, n_trials=int(sys.argv[2]))\n")
    subprocess.run(["/usr/bin/python3", "-c", code, db, str(n_trials), *names], check=True, capture_output=True, timeout=120)


def quadratic_study(name, sampler=None, pruner=None, budget=None, **extra):
    d = {"name": name, "direction": "minimize",
         "search_space": {"x": {"type": "float", "low": -10, "high": 10},
                          "y": {"type": "float", "low": -10, "high": 10}}}
    if sampler is not None:
        d["sampler"] = sampler
    if pruner is not None:
        d["pruner"] = pruner
    if budget is not None:
        d["budget"] = budget
    d.update(extra)
    return d


def reporting_study(name, steps, sleep, n_trials, max_parallel, pruner=None, command=None):
    """A study hpod runs: local trials (trial_behaviour.py, mode "long") that report `steps`
    values `sleep` seconds apart, the value depending on x."""
    here = os.path.dirname(os.path.abspath(__file__))
    return {"name": name, "direction": "minimize",
            "search_space": {"x": {"type": "float", "low": -3, "high": 3},
                             "mode": {"type": "categorical", "choices": ["long"]},
                             "steps": {"type": "categorical", "choices": [steps]},
                             "sleep": {"type": "categorical", "choices": [sleep]}},
            "sampler": {"type": "random", "seed": 5}, "pruner": pruner or {"type": "nop"},
            "budget": {"n_trials": n_trials, "max_parallel": max_parallel},
            "trial": {"command": command or ["/usr/bin/python3", "trial_behaviour.py"], "workdir": here,
                      "heartbeat_timeout_s": 120, "max_retries": 0}}
