#!/usr/bin/python3
"""Optuna's side of tests/bench/sampler_bench.cpp: Optuna 3.1 under /usr/bin/python3 (Debian 12's
python3-optuna), or Optuna 4.1 with PYTHONPATH at Debian 13's python3-optuna unpacked
(scripts/bench.sh does that).

The functions below are the ones of tests/bench/bench_functions.hpp: same names, search
spaces and formulas. Samplers arrive as the study file's "sampler" blocks (JSON), keyed by
the benchmark's sampler names. Results go to stdout as JSON; progress goes to stderr.

  optuna_sampler_bench.py quality --samplers JSON --functions a,b --seeds 20 --trials 100
  optuna_sampler_bench.py speed   --samplers JSON --n 100,1000 --d 5,20 --asks 10 --asks-large 3
  optuna_sampler_bench.py memory  --samplers JSON --n 5000 --d 5,20 --asks 3
  optuna_sampler_bench.py version
"""
import argparse
import json
import math
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore")  # ExperimentalWarning of multivariate/group


def branin(p):
    x1, x2 = p["x0"], p["x1"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
HARTMANN_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
              [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def xs(p, d):
    return [p["x%d" % i] for i in range(d)]


def hartmann6(p):
    x = xs(p, 6)
    s = 0.0
    for i in range(4):
        e = sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j]) ** 2 for j in range(6))
        s += HARTMANN_ALPHA[i] * math.exp(-e)
    return -s


def rosenbrock4(p):
    x = xs(p, 4)
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def styblinski_tang8(p):
    return sum(v**4 - 16 * v * v + 5 * v for v in xs(p, 8)) / 2


ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]
ACT_PENALTY = {"relu": 0.0, "tanh": 0.5, "sigmoid": 1.0, "linear": 2.0}


def mixed(p):
    return ((p["x"] - 1.3) ** 2 + (math.log10(p["lr"]) + 3) ** 2 + (math.log2(p["units"]) - 5) ** 2 / 4
            + abs(p["layers"] - 12) / 2 + ACT_PENALTY[p["act"]])


def box(d, lo, hi):
    return [("x%d" % i, "float", dict(low=lo, high=hi)) for i in range(d)]


# name -> (search space [(param, kind, kwargs)], objective of the external values)
FUNCTIONS = {
    "branin": ([("x0", "float", dict(low=-5, high=10)), ("x1", "float", dict(low=0, high=15))], branin),
    "hartmann6": (box(6, 0, 1), hartmann6),
    "rosenbrock4": (box(4, -5, 10), rosenbrock4),
    "styblinski_tang8": (box(8, -5, 5), styblinski_tang8),
    "mixed": ([("x", "float", dict(low=-5, high=5)), ("lr", "float", dict(low=1e-5, high=1.0, log=True)),
               ("units", "int", dict(low=1, high=256, log=True)), ("layers", "int", dict(low=0, high=20, step=2)),
               ("act", "categorical", dict(choices=ACTIVATIONS))], mixed),
}


def suggest_all(trial, space):
    # Name order, as hpod samples a search space.
    out = {}
    for name, kind, kw in sorted(space, key=lambda s: s[0]):
        if kind == "float":
            out[name] = trial.suggest_float(name, **kw)
        elif kind == "int":
            out[name] = trial.suggest_int(name, **kw)
        else:
            out[name] = trial.suggest_categorical(name, kw["choices"])
    return out


def make_sampler(config, seed):
    cfg = dict(config)
    kind = cfg.pop("type")
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "tpe":
        from optuna.samplers._tpe.sampler import default_gamma, default_weights, hyperopt_default_gamma
        if "gamma" in cfg:
            cfg["gamma"] = {"default": default_gamma, "hyperopt": hyperopt_default_gamma}[cfg["gamma"]]
        if "weights" in cfg:
            cfg["weights"] = default_weights
        return optuna.samplers.TPESampler(seed=seed, **cfg)
    raise SystemExit("optuna_sampler_bench.py: sampler type %r is not available in Optuna %s" % (kind, optuna.__version__))


def quality(args, samplers):
    out = {}
    for name, config in samplers.items():
        out[name] = {}
        for fn in args.functions.split(","):
            space, f = FUNCTIONS[fn]
            best = []
            for seed in range(args.seeds):
                study = optuna.create_study(sampler=make_sampler(config, seed))
                study.optimize(lambda t: f(suggest_all(t, space)), n_trials=args.trials)
                best.append(study.best_value)
            out[name][fn] = best
            print("optuna %s %s done" % (name, fn), file=sys.stderr)
    return out


def speed_study(n, d, config):
    names = ["x%d" % i for i in range(d)]
    dist = optuna.distributions.FloatDistribution(-5, 5)
    rng = np.random.RandomState(12345)
    study = optuna.create_study(sampler=make_sampler(config, 1))
    trials = []
    for _ in range(n):
        params = {k: float(rng.uniform(-5, 5)) for k in names}
        trials.append(optuna.trial.create_trial(params=params, distributions={k: dist for k in names},
                                                value=sum(v * v for v in params.values())))
    study.add_trials(trials)
    return study, names


def timed_asks(study, names, asks):
    """Median CPU ms per ask (study.ask() + every suggest), each followed by a tell."""
    times = []
    for i in range(asks + 1):  # the first one warms up, as hpod's cold ask is reported apart
        start = time.process_time()
        trial = study.ask()
        params = {k: trial.suggest_float(k, -5, 5) for k in names}
        elapsed = time.process_time() - start
        study.tell(trial, sum(v * v for v in params.values()))
        if i > 0:
            times.append(elapsed)
    return 1000.0 * float(np.median(times))


def speed(args, samplers):
    out = {}
    for name, config in samplers.items():
        out[name] = {}
        for n in map(int, args.n.split(",")):
            for d in map(int, args.d.split(",")):
                study, names = speed_study(n, d, config)
                asks = args.asks_large if n >= 5000 else args.asks
                out[name]["%d/%d" % (n, d)] = {"mean": timed_asks(study, names, asks), "asks": asks}
                print("optuna %s N=%d D=%d done" % (name, n, d), file=sys.stderr)
    return out


def memory(args, samplers):
    # One child process per configuration, so each peak RSS is its own.
    out = {}
    for name, config in samplers.items():
        out[name] = {}
        for d in map(int, args.d.split(",")):
            child = subprocess.run([sys.executable, __file__, "memory-one", "--samplers", json.dumps(config),
                                    "--n", args.n, "--d", str(d), "--asks", str(args.asks)],
                                   check=True, capture_output=True, text=True)
            out[name][str(d)] = json.loads(child.stdout)
    return out


def memory_one(args, config):
    study, names = speed_study(int(args.n), int(args.d), config)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timed_asks(study, names, args.asks)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"before_kb": before, "peak_kb": peak}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["quality", "speed", "memory", "memory-one", "version"])
    ap.add_argument("--samplers", default="{}", help="JSON: {name: sampler block} (memory-one: one block)")
    ap.add_argument("--functions", default=",".join(FUNCTIONS))
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--n", default="100,1000,5000")
    ap.add_argument("--d", default="5,20")
    ap.add_argument("--asks", type=int, default=10)
    ap.add_argument("--asks-large", type=int, default=3)
    args = ap.parse_args()
    samplers = json.loads(args.samplers)
    if args.mode == "version":
        result = {"version": optuna.__version__}
    elif args.mode == "memory-one":
        result = memory_one(args, samplers)
    else:
        result = {"quality": quality, "speed": speed, "memory": memory}[args.mode](args, samplers)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
