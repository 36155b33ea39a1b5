// Successive Halving by a full scan of the study (optuna/pruners/_successive_halving.py as
// written), the reference the indexed pruners are compared with. `same_set(t)` restricts the
// competitors (Hyperband's bracket).
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>

#include <doctest/doctest.h>

#include "hpod/pruner.hpp"
#include "pruners/rung_index.hpp"

namespace hpod::testing {

inline PruneDecision sh_reference(const StudyView& study, const FrozenTrial& trial, std::int64_t min_resource,
                                  std::int64_t r, std::int64_t rate, std::int64_t bootstrap,
                                  const std::function<bool(const FrozenTrial&)>& same_set = {}) {
  PruneDecision out;
  auto step = trial.last_step();
  if (!step) return out;
  int rung = 0;
  while (trial.system_attrs.count("completed_rung_" + std::to_string(rung))) ++rung;
  double value = *trial.intermediate_values.at(*step);
  for (;; ++rung) {
    double promotion = static_cast<double>(min_resource) * std::pow(static_cast<double>(r), static_cast<double>(rate + rung));
    if (static_cast<double>(*step) < promotion) return out;
    if (std::isnan(value)) {
      out.prune = true;
      return out;
    }
    std::string key = "completed_rung_" + std::to_string(rung);
    out.system_attrs.emplace_back(key, python_json_float(value));
    std::vector<double> competing;
    for (const FrozenTrial* t : study.trials()) {
      if (t->number == trial.number || (same_set && !same_set(*t))) continue;
      if (auto it = t->system_attrs.find(key); it != t->system_attrs.end())
        competing.push_back(*parse_python_json_float(it->second));
    }
    competing.push_back(value);
    if (competing.size() <= static_cast<std::size_t>(bootstrap)) {
      out.prune = true;
      return out;
    }
    std::sort(competing.begin(), competing.end());
    long i = static_cast<long>(competing.size()) / r - 1;
    if (i < 0) i = 0;
    bool ok = study.direction() == StudyDirection::kMaximize
                  ? value >= competing[competing.size() - 1 - static_cast<std::size_t>(i)]
                  : value <= competing[static_cast<std::size_t>(i)];
    if (!ok) {
      out.prune = true;
      return out;
    }
  }
}

// Asks `pruner`, requires the reference decision `want` (prune and attributes), and
// applies the attributes to the trial as the daemon would. Returns the decision.
inline PruneDecision decide_as_reference(Pruner& pruner, const StudyView& study, FrozenTrial& t,
                                         const PruneDecision& want) {
  PruneDecision got = pruner.should_prune(study, t);
  REQUIRE_MESSAGE(got.prune == want.prune, "trial " << t.number << " step " << *t.last_step());
  REQUIRE(got.system_attrs == want.system_attrs);
  for (auto& [key, text] : got.system_attrs) t.system_attrs[key] = text;
  return got;
}

}  // namespace hpod::testing
