#!/usr/bin/python3
"""Optuna 3.1's side of tests/bench/pruner_bench.cpp: the same simulated learning curves,
the same sequential protocol, the same pruner defaults. Prints one JSON object.

Run with Debian's Python (/usr/bin/python3), which has Optuna 3.1.
"""
import argparse
import binascii
import json
import math
import sys
import time
import warnings

import optuna
from optuna.trial import TrialState

MASK = (1 << 64) - 1


# --- the learning-curve model (mirrors tests/bench/learning_curve.hpp bit for bit) -------
def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def uniform(seed, trial, slot):
    h = splitmix64(splitmix64(splitmix64(seed) ^ trial) ^ slot)
    return ((h >> 11) + 0.5) / 9007199254740992.0


def normal(seed, trial, slot):
    u1 = uniform(seed, trial, 2 * slot)
    u2 = uniform(seed, trial, 2 * slot + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def hashed_params(seed, trial):
    lr = math.pow(10.0, -4.0 + 4.0 * uniform(seed, trial, 5000))
    dropout = 0.5 * uniform(seed, trial, 5001)
    layers = min(8, 1 + int(math.floor(8.0 * uniform(seed, trial, 5002))))
    return lr, dropout, layers


def final_loss(lr, dropout, layers, seed, trial):
    a = (math.log10(lr) + 2.5) / 1.5
    d = dropout - 0.2
    return 0.1 + 0.3 * a * a + 1.5 * d * d + 0.03 * math.fabs(layers - 5.0) + 0.02 * normal(seed, trial, 1000)


def curve_value(step, lr, layers, final, seed, trial):
    tau = 4.0 + 3.0 * layers + 8.0 * max(0.0, -math.log10(lr) - 2.0)
    return final + 1.5 * math.exp(-(step + 1.0) / tau) + 0.03 * normal(seed, trial, step)


# --- pruners and samplers ----------------------------------------------------------------
def make_pruner(name):
    if name == "none":
        return optuna.pruners.NopPruner()
    if name == "median":
        return optuna.pruners.MedianPruner()
    if name == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner()
    raise ValueError(name)


def make_sampler(kind, seed):
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)  # "hash" draws no parameters from it


def train(study, trial, params, seed, number, n_steps, decision_times=None):
    """Reports the curve step by step until the pruner stops it; tells the study. Returns the
    number of steps run. With `decision_times`, appends the time of each decision in µs."""
    lr, dropout, layers = params
    final = final_loss(lr, dropout, layers, seed, number)
    v = None
    for step in range(n_steps):
        v = curve_value(step, lr, layers, final, seed, number)
        trial.report(v, step)
        a = time.perf_counter_ns()
        prune = trial.should_prune()
        if decision_times is not None:
            decision_times.append((time.perf_counter_ns() - a) / 1000.0)
        if prune:
            study.tell(trial, state=TrialState.PRUNED)
            return step + 1
    study.tell(trial, v)
    return n_steps


def run_curves(args):
    out = {}
    for pruner_name in args.pruners.split(","):
        rows = []
        for seed in range(args.seeds):
            study = optuna.create_study(study_name="bench-%d" % seed, direction="minimize",
                                        sampler=make_sampler(args.sampler, seed), pruner=make_pruner(pruner_name))
            steps = 0
            for i in range(args.trials):
                trial = study.ask()
                if args.sampler == "hash":
                    params = hashed_params(seed, trial.number)
                else:
                    params = (trial.suggest_float("lr", 1e-4, 1.0, log=True), trial.suggest_float("dropout", 0.0, 0.5),
                              trial.suggest_int("layers", 1, 8))
                steps += train(study, trial, params, seed, trial.number, args.steps)
            complete = [t.value for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
            rows.append({"seed": seed, "steps": steps, "best": min(complete) if complete else None,
                         "n_complete": len(complete)})
        out[pruner_name] = rows
    return out


# --- decision latency in a large study ---------------------------------------------------
def hyperband_bracket(study_name, number, n_brackets, budgets):
    n = binascii.crc32(("%s_%d" % (study_name, number)).encode()) % sum(budgets)
    for b in range(n_brackets):
        n -= budgets[b]
        if n < 0:
            return b
    return n_brackets - 1


def rung_attrs(pruner_name, study_name, number, values):
    """completed_rung_<k> of a trial that passed every rung it reached (SH / Hyperband defaults)."""
    if pruner_name == "successive_halving":
        min_resource, r, rate = max((len(values) - 1) // 100, 1), 4, 0
    elif pruner_name == "hyperband":
        max_resource, r = len(values), 3
        n_brackets = int(math.floor(math.log(max_resource / 1.0, r))) + 1
        budgets = [math.ceil(n_brackets * r ** (n_brackets - 1 - b) / (n_brackets - b)) for b in range(n_brackets)]
        min_resource, rate = 1, hyperband_bracket(study_name, number, n_brackets, budgets)
    else:
        return {}
    attrs = {}
    k = 0
    while min_resource * r ** (rate + k) < len(values):
        attrs["completed_rung_%d" % k] = values[min_resource * r ** (rate + k)]
        k += 1
    return attrs


def run_latency(args):
    seed = 12345
    study_name = "latency"
    dists = {"lr": optuna.distributions.FloatDistribution(1e-4, 1.0, log=True),
             "dropout": optuna.distributions.FloatDistribution(0.0, 0.5),
             "layers": optuna.distributions.IntDistribution(1, 8)}
    curves = []
    for n in range(args.history):
        lr, dropout, layers = hashed_params(seed, n)
        final = final_loss(lr, dropout, layers, seed, n)
        values = [curve_value(s, lr, layers, final, seed, n) for s in range(args.steps)]
        curves.append(({"lr": lr, "dropout": dropout, "layers": layers}, values))
    out = {}
    for pruner_name in args.pruners.split(","):
        if pruner_name == "none":
            continue
        t0 = time.perf_counter()
        study = optuna.create_study(study_name=study_name, direction="minimize", pruner=make_pruner(pruner_name))
        study.add_trials([
            optuna.trial.create_trial(state=TrialState.COMPLETE, value=values[-1], params=params, distributions=dists,
                                      intermediate_values=dict(enumerate(values)),
                                      system_attrs=rung_attrs(pruner_name, study_name, n, values))
            for n, (params, values) in enumerate(curves)])
        build_s = time.perf_counter() - t0
        times = []
        trials = 0
        while len(times) < args.min_decisions and trials < args.max_new_trials:
            trial = study.ask()
            train(study, trial, hashed_params(seed + 1, trials), seed + 1, trials, args.steps, times)
            trials += 1
        times.sort()
        out[pruner_name] = {"decisions": len(times), "new_trials": trials, "build_s": build_s,
                            "median_us": times[len(times) // 2],
                            "p99_us": times[min(len(times) - 1, int(math.ceil(0.99 * len(times))) - 1)]}
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["curves", "latency"], required=True)
    p.add_argument("--pruners", default="none,median,successive_halving,hyperband")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--sampler", choices=["random", "tpe", "hash"], default="random")
    p.add_argument("--history", type=int, default=10000)
    p.add_argument("--min-decisions", type=int, default=200)
    p.add_argument("--max-new-trials", type=int, default=50)
    args = p.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    result = run_curves(args) if args.mode == "curves" else run_latency(args)
    json.dump({"optuna_version": optuna.__version__, "mode": args.mode, "result": result}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
