#include "pruners/successive_halving_pruner.hpp"

#include <cmath>
#include <limits>

namespace hpod {

namespace {

// min_resource · r^(rate + rung), saturated: Python's integers do not overflow, and a
// saturated step is still larger than any reported step.
std::int64_t promotion_step(std::int64_t min_resource, std::int64_t r, std::int64_t exponent) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t s = min_resource;
  for (std::int64_t i = 0; i < exponent; ++i) {
    if (s > kMax / r) return kMax;
    s *= r;
  }
  return s;
}

int first_missing_rung(const FrozenTrial& trial) {
  int rung = 0;
  while (trial.system_attr(completed_rung_key(rung))) ++rung;
  return rung;
}

}  // namespace

PruneDecision successive_halving_decide(const FrozenTrial& trial, StudyDirection direction,
                                        std::int64_t min_resource, const SuccessiveHalvingOptions& o,
                                        RungIndex& rungs) {
  PruneDecision out;
  auto step = trial.last_step();
  if (!step) return out;
  int rung = first_missing_rung(trial);
  double value = *trial.intermediate_values.at(*step);
  for (;; ++rung) {
    if (*step < promotion_step(min_resource, o.reduction_factor, o.min_early_stopping_rate + rung)) return out;
    if (std::isnan(value)) {
      out.prune = true;
      return out;
    }
    out.system_attrs.emplace_back(completed_rung_key(rung), python_json_float(value));
    // The competitors are every other trial's value at this rung plus this value once.
    rungs.set(rung, trial.number, value);
    const SortedValues& competing = rungs.rung(rung);
    std::size_t n = competing.size();
    if (n <= static_cast<std::size_t>(o.bootstrap_count)) {
      out.prune = true;
      return out;
    }
    // While fewer than r trials compete, only the best one is promoted (Optuna cannot
    // suspend a trial to wait for more competitors).
    std::size_t i = n / static_cast<std::size_t>(o.reduction_factor);
    i = i == 0 ? 0 : i - 1;
    bool promotable = direction == StudyDirection::kMaximize ? value >= competing[n - 1 - i] : value <= competing[i];
    if (!promotable) {
      out.prune = true;
      return out;
    }
  }
}

PruneDecision SuccessiveHalvingPruner::should_prune(const StudyView& study, const FrozenTrial& trial) {
  if (!rungs_loaded_) {
    // A new pruner object (first decision, or after a daemon restart): the rung values so
    // far are in the trials' attributes. Later ones come from this object's decisions.
    for (const FrozenTrial* t : study.trials()) rungs_.add_from_attrs(*t);
    rungs_loaded_ = true;
  }
  if (!trial.last_step()) return {};
  if (!min_resource_) {
    auto max_step = complete_last_step_.update(study);
    if (!max_step) return {};
    min_resource_ = auto_min_resource(*max_step);
  }
  return successive_halving_decide(trial, study.direction(), *min_resource_, opt_, rungs_);
}

}  // namespace hpod
