#!/usr/bin/python3
"""hpod's SQLite file against the real Optuna: Debian 12's python3-optuna 3.1, and Optuna 4.1
(Debian 13's package, unpacked by scripts/optuna4.sh and put on PYTHONPATH).

(a) hpod writes a study (every distribution kind, every state, NaN/inf intermediate
    values, attributes) stamped with either schema revision; Optuna's load_study reads
    exactly that, and its plots build. A revision older than Optuna's head is refused
    until `upgrade`, after which Optuna and hpod both still read the file.
(b) Optuna writes a study of 30 TPE trials; hpod reads exactly what Optuna reports.
(c) hpod appends trials to Optuna's study; Optuna still loads it, numbers continuing,
    and Optuna can continue the study after hpod.

Run by ctest: test_optuna_compat.py --tool build/hpod_storage_tool
"""
import argparse
import datetime
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")

TOOL = None
# Optuna 3.2 moved the schema head from v3.0.0.d to v3.2.0.a
# (docs/architecture.md "Files hpod writes").
OPTUNA_HEAD = "v3.2.0.a" if tuple(int(x) for x in optuna.__version__.split(".")[:2]) >= (3, 2) else "v3.0.0.d"


def run_tool(*args):
    out = subprocess.run([TOOL, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def num(v):
    """The tool writes non-finite numbers as strings."""
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[v]
    return v


def same_number(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b


def same_value(a, b):
    """Equal and of the same JSON type (True is not 1, 2 is not 2.0)."""
    if isinstance(a, float) and isinstance(b, float):
        return same_number(a, b)
    return type(a) is type(b) and a == b


def fmt(dt):
    return None if dt is None else dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def optuna_dist_json(d):
    return json.loads(optuna.distributions.distribution_to_json(d))


class HpodWritesOptunaReads(unittest.TestCase):
    """(a)"""

    def check_file(self, schema):
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "hpod.db")
            wrote = run_tool("write-fixture", db, "--schema", schema, "--study", "fixture")
            url = "sqlite:///" + db
            if schema == OPTUNA_HEAD:
                study = optuna.load_study(study_name="fixture", storage=url)
            elif schema == "v3.0.0.d":
                # Optuna >= 3.2 refuses the 3.1 revision until the file is upgraded
                # (optuna/storages/_rdb/storage.py).
                with self.assertRaisesRegex(RuntimeError, "optuna storage upgrade"):
                    optuna.load_study(study_name="fixture", storage=url)
                optuna.storages.RDBStorage(url, skip_compatibility_check=True).upgrade()
                study = optuna.load_study(study_name="fixture", storage=url)
                # hpod still reads the upgraded file, whose index Optuna named trials_study_id_key.
                self.assertEqual(len(run_tool("dump", db, "fixture")["trials"]), len(wrote["trials"]))
            else:
                # Optuna 3.1 predates revision v3.2.0.a: it reads such files only without
                # its version check (optuna/storages/_rdb/storage.py).
                with self.assertRaisesRegex(RuntimeError, "updating optuna"):
                    optuna.load_study(study_name="fixture", storage=url)
                storage = optuna.storages.RDBStorage(url, skip_compatibility_check=True)
                study = optuna.load_study(study_name="fixture", storage=storage)
            self.compare(wrote, study)

    def compare(self, wrote, study):
        self.assertEqual(study.direction, optuna.study.StudyDirection.MINIMIZE)
        self.assertEqual(study.user_attrs, {"owner": "hpod tests"})
        trials = study.get_trials(deepcopy=False)
        self.assertEqual(len(trials), len(wrote["trials"]))
        self.assertGreaterEqual(len(trials), 20)
        states = {t.state.name for t in trials}
        self.assertEqual(states, {"COMPLETE", "PRUNED", "FAIL", "RUNNING"})
        kinds = set()
        for want, got in zip(wrote["trials"], trials):
            with self.subTest(number=want["number"]):
                self.assertEqual(got.number, want["number"])
                self.assertEqual(got.state.name, want["state"])
                self.assertEqual(set(got.params), set(want["params"]))
                for name, v in want["params"].items():
                    self.assertTrue(same_value(got.params[name], v), (name, got.params[name], v))
                    self.assertEqual(optuna_dist_json(got.distributions[name]), want["distributions"][name])
                    kinds.add(type(got.distributions[name]).__name__ +
                              (" log" if getattr(got.distributions[name], "log", False) else "") +
                              (" step" if getattr(got.distributions[name], "step", None) not in (None, 1) else ""))
                if want["values"] is None:
                    self.assertIsNone(got.values)
                else:
                    self.assertEqual(len(got.values), len(want["values"]))
                    for a, b in zip(got.values, want["values"]):
                        self.assertTrue(same_number(a, num(b)))
                self.assertEqual(sorted(got.intermediate_values), sorted(int(s) for s in want["intermediate_values"]))
                for s, v in want["intermediate_values"].items():
                    self.assertTrue(same_number(got.intermediate_values[int(s)], num(v)), (s, v))
                self.assertEqual(got.user_attrs, want["user_attrs"])
                self.assertEqual(got.system_attrs, want["system_attrs"])
                self.assertEqual(fmt(got.datetime_start), want["datetime_start"])
                self.assertEqual(fmt(got.datetime_complete), want["datetime_complete"])
        # Every kind of distribution, with log and step, was covered.
        for k in ["FloatDistribution", "FloatDistribution log", "FloatDistribution step", "IntDistribution",
                  "IntDistribution log", "IntDistribution step", "CategoricalDistribution"]:
            self.assertIn(k, kinds)
        nan_seen = any(isinstance(v, float) and math.isnan(v) for t in trials for v in t.intermediate_values.values())
        inf_seen = any(v in (math.inf, -math.inf) for t in trials for v in t.intermediate_values.values())
        self.assertTrue(nan_seen and inf_seen)
        complete = [w for w in wrote["trials"] if w["state"] == "COMPLETE"]
        best = min(complete, key=lambda w: num(w["values"][0]))
        self.assertEqual(study.best_trial.number, best["number"])
        self.assertEqual(study.best_value, num(best["values"][0]))
        # Optuna's own views of the study build.
        optuna.visualization.plot_optimization_history(study)
        optuna.visualization.plot_intermediate_values(study)
        optuna.visualization.plot_slice(study)
        optuna.visualization.plot_parallel_coordinate(study)

    def test_stamp_3_1(self):
        self.check_file("v3.0.0.d")

    def test_stamp_3_2(self):
        self.check_file("v3.2.0.a")


def optuna_objective(trial):
    x = trial.suggest_float("x", -10, 10)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    drop = trial.suggest_float("dropout", 0.0, 0.5, step=0.1)
    layers = trial.suggest_int("layers", 1, 8)
    batch = trial.suggest_int("batch", 8, 256, log=True)
    k = trial.suggest_int("k", 0, 9, step=3)
    opt = trial.suggest_categorical("opt", ["adam", "sgd", None, 3, 1.5, True])
    trial.set_user_attr("layers_x2", layers * 2)
    if trial.number % 11 == 7:
        raise ValueError("a failing trial")
    value = (x - 2) ** 2 + abs(math.log10(lr) + 3) + drop + layers * 0.1 + k * 0.01 + (0 if opt == "adam" else 0.5)
    for step in range(6):
        v = value + 5.0 / (step + 1)
        if trial.number % 13 == 5 and step == 2:
            v = float("nan")
        if trial.number % 13 == 6 and step == 3:
            v = float("inf")
        trial.report(v, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return value + batch * 0


class OptunaWritesHpodReads(unittest.TestCase):
    """(b) and (c)"""

    def test_load_and_append(self):
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "optuna.db")
            url = "sqlite:///" + db
            study = optuna.create_study(study_name="optuna-made", storage=url,
                                        sampler=optuna.samplers.TPESampler(seed=3),
                                        pruner=optuna.pruners.MedianPruner(n_startup_trials=3))
            study.set_user_attr("made_by", "optuna")
            study.optimize(optuna_objective, n_trials=30, catch=(ValueError,))
            ours = run_tool("dump", db, "optuna-made")
            theirs = study.get_trials(deepcopy=False)
            self.assertEqual(len(ours["trials"]), 30)
            self.assertEqual(ours["directions"], ["MINIMIZE"])
            self.assertTrue({t.state.name for t in theirs} >= {"COMPLETE", "PRUNED", "FAIL"})
            for want, got in zip(theirs, ours["trials"]):
                with self.subTest(number=want.number):
                    self.assertEqual(got["number"], want.number)
                    self.assertEqual(got["state"], want.state.name)
                    self.assertEqual(set(got["params"]), set(want.params))
                    for name, v in want.params.items():
                        self.assertTrue(same_value(got["params"][name], v), (name, got["params"][name], v))
                        self.assertEqual(got["distributions"][name], optuna_dist_json(want.distributions[name]))
                    if want.values is None:
                        self.assertIsNone(got["values"])
                    else:
                        self.assertEqual([num(v) for v in got["values"]], want.values)
                    self.assertEqual({int(s): num(v) for s, v in got["intermediate_values"].items()}.keys(),
                                     want.intermediate_values.keys())
                    for s, v in want.intermediate_values.items():
                        self.assertTrue(same_number(num(got["intermediate_values"][str(s)]), v))
                    self.assertEqual(got["user_attrs"], want.user_attrs)
                    self.assertEqual(got["system_attrs"], want.system_attrs)
                    self.assertEqual(got["datetime_start"], fmt(want.datetime_start))
                    self.assertEqual(got["datetime_complete"], fmt(want.datetime_complete))

            # (c) hpod appends; Optuna still loads the study, numbers continuing.
            appended = run_tool("append", db, "optuna-made", "5")
            self.assertEqual([t["number"] for t in appended["trials"]], list(range(35)))
            again = optuna.load_study(study_name="optuna-made", storage=url)
            trials = again.get_trials(deepcopy=False)
            self.assertEqual([t.number for t in trials], list(range(35)))
            for t in trials[30:]:
                self.assertEqual(t.state.name, "COMPLETE")
                self.assertEqual(set(t.params), set(trials[0].params))
                self.assertEqual(t.intermediate_values, {0: t.value})
            self.assertEqual(again.user_attrs, {"made_by": "optuna"})
            optuna.visualization.plot_optimization_history(again)
            # Optuna continues after hpod, and hpod reads its new trials.
            again.optimize(optuna_objective, n_trials=2, catch=(ValueError,))
            final = run_tool("dump", db, "optuna-made")
            self.assertEqual([t["number"] for t in final["trials"]], list(range(37)))


def main():
    global TOOL
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--expect-optuna", help="version prefix the imported Optuna must have, e.g. 4.1")
    args, rest = parser.parse_known_args()
    TOOL = os.path.abspath(args.tool)
    print("optuna", optuna.__version__, "from", os.path.dirname(optuna.__file__), file=sys.stderr)
    # A PYTHONPATH that silently fell back to the system's Optuna would test the wrong one.
    if args.expect_optuna and not (optuna.__version__ + ".").startswith(args.expect_optuna + "."):
        sys.exit("expected Optuna %s, imported %s" % (args.expect_optuna, optuna.__version__))
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
