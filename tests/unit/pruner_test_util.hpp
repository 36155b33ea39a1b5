// Helpers shared by the pruner tests: studies built from curves, reports that apply the
// decision's system attributes as the daemon does, and JSON → pruner.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hpod/in_memory_study.hpp"
#include "hpod/pruner.hpp"
#include "test_vectors.hpp"

namespace hpod::testing {

inline StudyDirection direction_of(const std::string& s) {
  return s == "maximize" ? StudyDirection::kMaximize : StudyDirection::kMinimize;
}

inline std::unique_ptr<Pruner> pruner_from(const nlohmann::json& block) {
  auto p = make_pruner(block, "pruner");
  REQUIRE_MESSAGE(p.ok(), p.status().message());
  return std::move(p).value();
}

// Adds a RUNNING trial with the given {step: value} reports; returns its number.
inline int add_running(InMemoryStudy& study, const std::map<std::int64_t, double>& values) {
  FrozenTrial t;
  for (auto [s, v] : values) t.intermediate_values.insert(s, v);
  return study.add_trial(std::move(t)).number;
}

// Adds a COMPLETE trial whose curve is reported at steps 0, 1, ...; its value is `value`.
inline int add_complete(InMemoryStudy& study, const std::vector<double>& curve, double value) {
  int n = add_running(study, {});
  FrozenTrial* t = study.mutable_trial(n);
  for (std::size_t s = 0; s < curve.size(); ++s) t->intermediate_values.insert(static_cast<std::int64_t>(s), curve[s]);
  study.finish(n, TrialState::kComplete, {value}, {});
  return n;
}

// The {"0": 1.5, ...} maps of the vectors.
inline std::map<std::int64_t, double> step_map(const nlohmann::json& j) {
  std::map<std::int64_t, double> out;
  for (auto& [k, v] : j.items()) out[std::stoll(k)] = num(v);
  return out;
}

// Reports `value` at `step` for a running trial, asks the pruner, and applies the
// decision's system attributes to the trial (what the daemon does before the next call).
inline PruneDecision report(InMemoryStudy& study, Pruner& pruner, int number, std::int64_t step, double value) {
  FrozenTrial* t = study.mutable_trial(number);
  t->intermediate_values.insert(step, value);
  PruneDecision d = pruner.should_prune(study, *t);
  for (auto& [k, v] : d.system_attrs) t->system_attrs[k] = v;
  return d;
}

// Random intermediate values: mostly finite, some ties, NaN and ±inf.
inline double random_report_value(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  double x = u(rng);
  if (x < 0.03) return NAN;
  if (x < 0.04) return INFINITY;
  if (x < 0.05) return -INFINITY;
  if (x < 0.15) return std::round(u(rng) * 4);
  return u(rng) * 10;
}

struct RandomStudyShape {
  int n_trials = 300;
  std::size_t concurrent = 5;   // trials running at once
  std::int64_t last_step = 40;  // a trial that is not stopped ends after this step
  int max_gap = 3;              // sometimes steps are skipped (up to max_gap - 1)
  bool non_finite = true;       // NaN and ±inf among the values
};

struct RandomStudyCounts {
  long decisions = 0, prunes = 0;
  RandomStudyCounts& operator+=(const RandomStudyCounts& o) {
    decisions += o.decisions;
    prunes += o.prunes;
    return *this;
  }
};

// Runs a random study: trials start and report interleaved, with random values and step
// gaps; after each report `decide(trial)` must return whether the trial is pruned (and may
// apply attributes); trials then end PRUNED, or at random / after last_step as COMPLETE
// (value 1.0) or now and then FAIL. `on_create(k)` runs after the k-th trial is created.
inline RandomStudyCounts drive_random_study(InMemoryStudy& study, std::mt19937_64& rng, const RandomStudyShape& shape,
                                            const std::function<bool(FrozenTrial&)>& decide,
                                            const std::function<void(int)>& on_create = {}) {
  RandomStudyCounts counts;
  std::vector<int> running;
  std::map<int, std::int64_t> next_step;
  std::uniform_int_distribution<int> pick(0, 99);
  for (int created = 0; created < shape.n_trials || !running.empty();) {
    if (created < shape.n_trials && running.size() < shape.concurrent && pick(rng) < 40) {
      running.push_back(add_running(study, {}));
      next_step[running.back()] = 0;
      if (on_create) on_create(++created);
      else ++created;
      continue;
    }
    if (running.empty()) continue;
    std::size_t k = static_cast<std::size_t>(pick(rng)) % running.size();
    int n = running[k];
    std::int64_t step = next_step[n];
    next_step[n] = step + 1 + (pick(rng) < 12 ? pick(rng) % shape.max_gap : 0);
    FrozenTrial* t = study.mutable_trial(n);
    double v = random_report_value(rng);
    while (!shape.non_finite && !std::isfinite(v)) v = random_report_value(rng);
    t->intermediate_values.insert(step, v);
    bool pruned = decide(*t);
    ++counts.decisions;
    int r = pick(rng);
    if (pruned || step > shape.last_step || r < 4) {
      running.erase(running.begin() + static_cast<long>(k));
      counts.prunes += pruned;
      if (pruned)
        study.finish(n, TrialState::kPruned, {}, {});
      else if (r < 1)
        study.finish(n, TrialState::kFail, {}, {});
      else
        study.finish(n, TrialState::kComplete, {1.0}, {});
    }
  }
  return counts;
}

}  // namespace hpod::testing
