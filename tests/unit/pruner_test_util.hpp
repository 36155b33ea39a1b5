// Helpers shared by the pruner tests: studies built from curves, reports that apply the
// decision's system attributes as the daemon does, and JSON → pruner.
#pragma once

#include <doctest/doctest.h>

#include <map>
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

}  // namespace hpod::testing
