#!/usr/bin/python3
"""The baseline hpod replaces: N processes, each an Optuna trial doing trial.report +
trial.should_prune against one shared SQLite file, for S seconds. Prints reports per
second and the number of "database is locked" errors.

    optuna_report_load.py --processes 1,4,8 --seconds 5
"""
import argparse
import multiprocessing as mp
import os
import tempfile
import time
import warnings

import optuna
import sqlalchemy.exc

warnings.filterwarnings("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)


def worker(url, seconds, out):
    study = optuna.load_study(study_name="load", storage=url)
    trial = study.ask()
    done = locked = other = 0
    latencies = []
    end = time.monotonic() + seconds
    step = 0
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            trial.report(1.0 / (step + 1), step)
            trial.should_prune()
            done += 1
            latencies.append(time.monotonic() - t0)
        except sqlalchemy.exc.OperationalError as e:
            if "database is locked" in str(e):
                locked += 1
            else:
                other += 1
        step += 1
    out.put((done, locked, other, latencies))


def run(n, seconds):
    with tempfile.TemporaryDirectory() as tmp:
        url = "sqlite:///" + os.path.join(tmp, "optuna.db")
        optuna.create_study(study_name="load", storage=url, pruner=optuna.pruners.MedianPruner())
        q = mp.Queue()
        procs = [mp.Process(target=worker, args=(url, seconds, q)) for _ in range(n)]
        t0 = time.monotonic()
        for p in procs:
            p.start()
        results = [q.get() for _ in procs]
        for p in procs:
            p.join()
        elapsed = time.monotonic() - t0
    done = sum(r[0] for r in results)
    lat = sorted(x for r in results for x in r[3])
    p50 = lat[len(lat) // 2] * 1000 if lat else 0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0
    # Rate over the workers' own measuring window, not their start-up.
    return done / seconds, p50, p99, sum(r[1] for r in results), sum(r[2] for r in results), elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--processes", default="1,4,8")
    ap.add_argument("--seconds", type=float, default=5)
    a = ap.parse_args()
    print("Optuna %s, RDBStorage on SQLite: trial.report + trial.should_prune per step, %.0f s per row"
          % (optuna.__version__, a.seconds))
    print("%12s %14s %10s %10s %8s %8s" % ("processes", "reports/s", "p50 ms", "p99 ms", "locked", "other"))
    best = 0
    for n in [int(x) for x in a.processes.split(",")]:
        rate, p50, p99, locked, other, _ = run(n, a.seconds)
        best = max(best, rate)
        print("%12d %14.0f %10.2f %10.2f %8d %8d" % (n, rate, p50, p99, locked, other), flush=True)
    print("best Optuna rate: %.0f reports/s" % best)


if __name__ == "__main__":
    main()
