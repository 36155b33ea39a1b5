// Pruner benchmark (not a test): hpod's pruners and Optuna 3.1's, driven the same way in
// one run and printed side by side.
//
//  curves   100 trials × 100 steps of simulated training, sequential trials, 10 seeds:
//           steps consumed and the best final value for no pruning, median, successive
//           halving and Hyperband (Optuna's defaults on both sides).
//  latency  a study of 10,000 finished trials × 100 steps; new trials report step by step;
//           median and p99 time of one decision, for median, SH and Hyperband.
//
//   pruner_bench [--mode curves|latency|all] [--sampler random|hash|tpe] [--seeds 10]
//                [--trials 100] [--steps 100] [--history 10000] [--new-trials 200]
//                [--optuna-script PATH] [--python /usr/bin/python3] [--no-optuna]
//
// --sampler random: hpod's RandomSampler and Optuna's RandomSampler(seed): the draws
//   differ, so the figures agree only within seed noise; the pruners are what is compared.
// --sampler hash: no sampler; parameters come from a hash of (seed, trial number) on both
//   sides, so the runs are identical and the figures must be equal.
// --sampler tpe: TPE on both sides, once hpod has a "tpe" sampler type.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hpod/in_memory_study.hpp"
#include "hpod/pruner.hpp"
#include "hpod/sampler.hpp"
#include "learning_curve.hpp"
#include "pruners/hyperband_pruner.hpp"
#include "pruners/rung_index.hpp"

using namespace hpod;
using namespace hpod::bench;
using nlohmann::json;

namespace {

struct Args {
  std::string mode = "all";
  std::string sampler = "random";
  int seeds = 10, trials = 100, steps = 100, history = 10000, new_trials = 200;
  std::string python = "/usr/bin/python3";
  std::string script = HPOD_SOURCE_DIR "/tests/bench/optuna_pruner_bench.py";
  bool optuna = true;
};

const std::vector<std::string> kPruners = {"none", "median", "successive_halving", "hyperband"};

std::unique_ptr<Pruner> bench_pruner(const std::string& name) {
  auto p = make_pruner(json{{"type", name == "none" ? "nop" : name}}, "pruner");
  if (!p.ok()) throw std::runtime_error(p.status().message());
  return std::move(p).value();
}

const SearchSpace& bench_space() {
  static const SearchSpace space = [] {
    SearchSpace s;
    s["lr"] = make_float_distribution(1e-4, 1.0, true, std::nullopt).value();
    s["dropout"] = make_float_distribution(0.0, 0.5, false, std::nullopt).value();
    s["layers"] = make_int_distribution(1, 8, false, 1).value();
    return s;
  }();
  return space;
}

// nullptr for "hash" (no sampler). Fails clearly when hpod lacks the type (tpe before merge).
std::unique_ptr<Sampler> bench_sampler(const std::string& kind, int seed) {
  if (kind == "hash") return nullptr;
  auto s = make_sampler(json{{"type", kind}, {"seed", seed}}, "sampler");
  if (!s.ok()) throw std::runtime_error("hpod cannot build sampler \"" + kind + "\": " + s.status().message());
  return std::move(s).value();
}

// Plans trial `n` as the daemon does: the sampler sees the pruner's filtered view
// (Hyperband: the trial's bracket).
CurveParams plan(InMemoryStudy& study, Pruner& pruner, Sampler* sampler, std::uint64_t seed, int n) {
  if (!sampler) return hashed_params(seed, static_cast<std::uint64_t>(n));
  FrozenTrial* t = study.mutable_trial(n);
  auto keep = pruner.sampler_filter(study, n);
  std::map<std::string, double> drawn;
  if (keep) {
    FilteredStudyView bracket(study, keep);
    drawn = sampler->sample(bracket, *t, bench_space());
  } else {
    drawn = sampler->sample(study, *t, bench_space());
  }
  for (auto& [name, v] : drawn) t->params[name] = TrialParam{v, bench_space().at(name)};
  return CurveParams{drawn.at("lr"), drawn.at("dropout"), static_cast<std::int64_t>(drawn.at("layers"))};
}

struct RunFigures {
  long steps = 0;
  std::optional<double> best;
  int n_complete = 0;
};

RunFigures run_study(const Args& a, const std::string& pruner_name, int seed) {
  InMemoryStudy study("bench-" + std::to_string(seed), {StudyDirection::kMinimize});
  auto pruner = bench_pruner(pruner_name);
  auto sampler = bench_sampler(a.sampler, seed);
  auto s = static_cast<std::uint64_t>(seed);
  RunFigures f;
  for (int i = 0; i < a.trials; ++i) {
    int n = study.add_trial(FrozenTrial{}).number;
    CurveParams p = plan(study, *pruner, sampler.get(), s, n);
    auto un = static_cast<std::uint64_t>(n);
    double final = final_loss(p, s, un);
    double v = 0;
    bool pruned = false;
    for (std::int64_t step = 0; step < a.steps; ++step) {
      v = curve_value(step, p, final, s, un);
      FrozenTrial* t = study.mutable_trial(n);
      t->intermediate_values.insert(step, v);
      ++f.steps;
      PruneDecision d = pruner->should_prune(study, *t);
      for (auto& [k, text] : d.system_attrs) t->system_attrs[k] = text;
      if (d.prune) {
        pruned = true;
        break;
      }
    }
    study.finish(n, pruned ? TrialState::kPruned : TrialState::kComplete, pruned ? std::vector<double>{} : std::vector<double>{v}, {});
    if (!pruned) {
      ++f.n_complete;
      f.best = f.best ? std::min(*f.best, v) : v;
    }
  }
  return f;
}

std::optional<json> run_optuna(const Args& a, const std::string& mode) {
  if (!a.optuna) return std::nullopt;
  std::string cmd = a.python + " " + a.script + " --mode " + mode + " --seeds " + std::to_string(a.seeds) +
                    " --trials " + std::to_string(a.trials) + " --steps " + std::to_string(a.steps) +
                    " --sampler " + a.sampler + " --history " + std::to_string(a.history);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) {
    std::cerr << "cannot run " << cmd << "\n";
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  int rc = pclose(pipe);
  if (rc != 0) {
    std::cerr << "Optuna side failed (exit " << rc << "): " << cmd << "\n";
    return std::nullopt;
  }
  return json::parse(out);
}

struct MeanSd {
  double mean = 0, sd = 0;
};

MeanSd mean_sd(const std::vector<double>& v) {
  MeanSd m;
  if (v.empty()) return m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.sd += (x - m.mean) * (x - m.mean);
  m.sd = v.size() > 1 ? std::sqrt(m.sd / static_cast<double>(v.size() - 1)) : 0.0;
  return m;
}

void curves(const Args& a) {
  std::printf("== pruners: %d trials x %d steps, sequential, %d seeds, sampler %s ==\n", a.trials, a.steps, a.seeds,
              a.sampler.c_str());
  if (a.sampler == "random")
    std::printf("   (hpod RandomSampler vs Optuna RandomSampler: same distribution, different draws, so the two\n"
                "    sides agree within seed noise, not run by run; --sampler hash runs identical trials)\n");
  if (a.sampler == "hash")
    std::printf("   (identical parameters on both sides: every figure must be equal)\n");
  std::map<std::string, std::vector<RunFigures>> ours;
  for (auto& p : kPruners)
    for (int seed = 0; seed < a.seeds; ++seed) ours[p].push_back(run_study(a, p, seed));
  auto theirs = run_optuna(a, "curves");

  std::printf("%-20s %21s %21s %7s %6s %19s %19s %6s %6s\n", "pruner", "steps hpod", "steps optuna", "ratio", "z",
              "best hpod", "best optuna", "z", "same");
  auto z = [&](const MeanSd& x, const MeanSd& y) {
    double se = std::sqrt((x.sd * x.sd + y.sd * y.sd) / a.seeds);
    return se > 0 ? (x.mean - y.mean) / se : 0.0;
  };
  for (auto& p : kPruners) {
    std::vector<double> hs, hb, os, ob;
    for (auto& f : ours[p]) {
      hs.push_back(static_cast<double>(f.steps));
      if (f.best) hb.push_back(*f.best);
    }
    int identical = 0;
    if (theirs) {
      auto& rows = (*theirs)["result"][p];
      for (std::size_t i = 0; i < rows.size(); ++i) {
        os.push_back(rows[i]["steps"].get<double>());
        if (!rows[i]["best"].is_null()) ob.push_back(rows[i]["best"].get<double>());
        const RunFigures& h = ours[p][i];
        bool same_best = rows[i]["best"].is_null() ? !h.best : (h.best && *h.best == rows[i]["best"].get<double>());
        identical += h.steps == rows[i]["steps"].get<long>() && same_best;
      }
    }
    MeanSd a1 = mean_sd(hs), a2 = mean_sd(os), b1 = mean_sd(hb), b2 = mean_sd(ob);
    char same[32] = "-";
    if (theirs) std::snprintf(same, sizeof same, "%d/%d", identical, a.seeds);
    std::printf("%-20s %10.0f ± %8.0f %10.0f ± %8.0f %7.3f %6.2f %9.4f ± %7.4f %9.4f ± %7.4f %6.2f %6s\n", p.c_str(),
                a1.mean, a1.sd, a2.mean, a2.sd, theirs && a2.mean > 0 ? a1.mean / a2.mean : NAN,
                theirs ? z(a1, a2) : NAN, b1.mean, b1.sd, b2.mean, b2.sd, theirs ? z(b1, b2) : NAN, same);
  }
  std::printf("(mean ± sd over seeds; z = (hpod − optuna) / standard error of the difference, |z| < 2 is within\n"
              " seed noise; \"same\" = seeds where steps and best are identical, expected only with --sampler hash)\n\n");
}

// completed_rung_<k> of a history trial that passed every rung it reached, as SH (defaults:
// auto min_resource → 1, r 4) or Hyperband (1, auto → 100, r 3) would have written them:
// the largest rung indexes a 10,000-trial study can have.
void add_history_rungs(const std::string& pruner, const std::string& study_name, FrozenTrial& t,
                       const std::vector<double>& values) {
  std::int64_t min_resource = 1, r = 4, rate = 0;
  auto last = static_cast<std::int64_t>(values.size());
  if (pruner == "hyperband") {
    r = 3;
    rate = HyperbandBrackets::compute(1, last, 3).bracket_of(study_name, t.number);
  } else if (pruner != "successive_halving") {
    return;
  }
  std::int64_t step = min_resource;
  for (std::int64_t i = 0; i < rate; ++i) step *= r;
  for (int k = 0; step < last; ++k, step *= r)
    t.system_attrs[completed_rung_key(k)] = python_json_float(values[static_cast<std::size_t>(step)]);
}

struct Latency {
  double build_ms = 0, median_us = 0, p99_us = 0;
  std::size_t decisions = 0;
  int new_trials = 0;
};

Latency measure_latency(const Args& a, const std::string& pruner_name) {
  using clock = std::chrono::steady_clock;
  const std::uint64_t seed = 12345;
  InMemoryStudy study("latency", {StudyDirection::kMinimize});
  for (int n = 0; n < a.history; ++n) {
    CurveParams p = hashed_params(seed, static_cast<std::uint64_t>(n));
    double final = final_loss(p, seed, static_cast<std::uint64_t>(n));
    FrozenTrial t;
    t.number = n;
    std::vector<double> values;
    for (std::int64_t s = 0; s < a.steps; ++s) {
      values.push_back(curve_value(s, p, final, seed, static_cast<std::uint64_t>(n)));
      t.intermediate_values.insert(s, values.back());
    }
    add_history_rungs(pruner_name, study.name(), t, values);
    t.state = TrialState::kComplete;
    t.values = {values.back()};
    study.add_trial(std::move(t));
  }
  auto pruner = bench_pruner(pruner_name);
  Latency out;
  std::vector<double> us;
  bool first = true;
  for (int i = 0; i < a.new_trials; ++i) {
    int n = study.add_trial(FrozenTrial{}).number;
    CurveParams p = hashed_params(seed + 1, static_cast<std::uint64_t>(i));
    double final = final_loss(p, seed + 1, static_cast<std::uint64_t>(i));
    bool pruned = false;
    double v = 0;
    for (std::int64_t s = 0; s < a.steps && !pruned; ++s) {
      v = curve_value(s, p, final, seed + 1, static_cast<std::uint64_t>(i));
      FrozenTrial* t = study.mutable_trial(n);
      t->intermediate_values.insert(s, v);
      auto t0 = clock::now();
      PruneDecision d = pruner->should_prune(study, *t);
      double elapsed = std::chrono::duration<double, std::micro>(clock::now() - t0).count();
      // The first decision of a new pruner object builds its index from the whole study
      // (daemon start); it is reported on its own.
      if (first)
        out.build_ms = elapsed / 1000.0;
      else
        us.push_back(elapsed);
      first = false;
      for (auto& [k, text] : d.system_attrs) t->system_attrs[k] = text;
      pruned = d.prune;
    }
    study.finish(n, pruned ? TrialState::kPruned : TrialState::kComplete, pruned ? std::vector<double>{} : std::vector<double>{v}, {});
  }
  std::sort(us.begin(), us.end());
  out.decisions = us.size();
  out.new_trials = a.new_trials;
  if (!us.empty()) {
    out.median_us = us[us.size() / 2];
    out.p99_us = us[std::min(us.size() - 1, static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(us.size()))) - 1)];
  }
  return out;
}

void latency(const Args& a) {
  std::printf("== pruner decision latency: %d finished trials x %d steps, new trials report every step ==\n", a.history,
              a.steps);
  std::map<std::string, Latency> ours;
  for (const char* p : {"median", "successive_halving", "hyperband"}) ours[p] = measure_latency(a, p);
  auto theirs = run_optuna(a, "latency");
  std::printf("%-20s %11s %11s %11s %11s %9s %14s %10s\n", "pruner", "hpod med µs", "hpod p99 µs", "optuna med",
              "optuna p99", "ratio", "decisions h/o", "hpod build");
  for (const char* p : {"median", "successive_halving", "hyperband"}) {
    const Latency& h = ours[p];
    double om = NAN, o99 = NAN;
    long od = 0;
    if (theirs && (*theirs)["result"].contains(p)) {
      auto& r = (*theirs)["result"][p];
      om = r["median_us"];
      o99 = r["p99_us"];
      od = r["decisions"];
    }
    std::printf("%-20s %11.2f %11.2f %11.1f %11.1f %8.0fx %7zu/%-6ld %8.1f ms\n", p, h.median_us, h.p99_us, om, o99,
                om / h.median_us, h.decisions, od, h.build_ms);
  }
  std::printf("(ratio = Optuna median / hpod median; \"hpod build\" = first decision of a new pruner object, which\n"
              " indexes the whole study once, e.g. after a daemon restart)\n\n");
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + k);
      return argv[++i];
    };
    if (k == "--mode") a.mode = next();
    else if (k == "--sampler") a.sampler = next();
    else if (k == "--seeds") a.seeds = std::stoi(next());
    else if (k == "--trials") a.trials = std::stoi(next());
    else if (k == "--steps") a.steps = std::stoi(next());
    else if (k == "--history") a.history = std::stoi(next());
    else if (k == "--new-trials") a.new_trials = std::stoi(next());
    else if (k == "--python") a.python = next();
    else if (k == "--optuna-script") a.script = next();
    else if (k == "--no-optuna") a.optuna = false;
    else throw std::runtime_error("unknown option " + k);
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args a = parse(argc, argv);
    if (a.mode == "curves" || a.mode == "all") curves(a);
    if (a.mode == "latency" || a.mode == "all") latency(a);
  } catch (const std::exception& e) {
    std::cerr << "pruner_bench: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
