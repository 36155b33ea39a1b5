#!/usr/bin/python3
"""Optuna 3.1's TPESampler on the GP benchmark's functions (tests/bench/gp_bench.cpp).

Run by gp_bench with Debian's /usr/bin/python3; prints one JSON object
{"function": [final best value per seed, ...], ...} on stdout. The functions and search
spaces are the ones in gp_bench.cpp, written out again here.
"""
import argparse
import json
import math
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)

HARTMANN_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
              [17, 8, 0.05, 10, 0.1, 14]]
HARTMANN_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
              [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
MIXED_CHOICE_COST = {"a": 1.0, "b": 0.0, "c": 0.6, "d": 2.0}


def branin(t):
    x1 = t.suggest_float("x1", -5.0, 10.0)
    x2 = t.suggest_float("x2", 0.0, 15.0)
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10


def hartmann6(t):
    x = [t.suggest_float(f"x{i}", 0.0, 1.0) for i in range(6)]
    total = 0.0
    for i in range(4):
        inner = sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j] * 1e-4) ** 2 for j in range(6))
        total += HARTMANN_ALPHA[i] * math.exp(-inner)
    return -total


def rosenbrock4(t):
    x = [t.suggest_float(f"x{i}", -5.0, 10.0) for i in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def styblinski_tang8(t):
    x = [t.suggest_float(f"x{i}", -5.0, 5.0) for i in range(8)]
    return 0.5 * sum(v ** 4 - 16 * v ** 2 + 5 * v for v in x)


def mixed(t):
    x = t.suggest_float("x", -5.0, 5.0)
    n = t.suggest_int("n", 1, 64, log=True)
    k = t.suggest_int("k", 0, 10)
    c = t.suggest_categorical("c", ["a", "b", "c", "d"])
    return (x - 1.3) ** 2 + 0.5 * (math.log2(n) - 3.5) ** 2 + 0.3 * abs(k - 7) + MIXED_CHOICE_COST[c]


FUNCTIONS = {"branin": branin, "hartmann6": hartmann6, "rosenbrock4": rosenbrock4,
             "styblinski_tang8": styblinski_tang8, "mixed": mixed}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--functions", default=",".join(FUNCTIONS))
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--trials", type=int, default=100)
    args = ap.parse_args()
    out = {}
    for name in args.functions.split(","):
        bests = []
        ask_seconds = 0.0
        for seed in range(args.seeds):
            study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
            for _ in range(args.trials):
                t0 = time.perf_counter()
                trial = study.ask()
                value = FUNCTIONS[name](trial)  # parameters are suggested (sampled) here
                ask_seconds += time.perf_counter() - t0
                study.tell(trial, value)
            bests.append(study.best_value)
        out[name] = {"best": bests, "ms_per_ask": 1000 * ask_seconds / (args.seeds * args.trials)}
    out["optuna_version"] = optuna.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
