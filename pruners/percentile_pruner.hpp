// Optuna's PercentilePruner and MedianPruner (= percentile 50):
// optuna/pruners/_percentile.py and _median.py (4.9).
#pragma once

#include <cstdint>
#include <string>

#include "hpod/pruner.hpp"
#include "pruners/complete_step_index.hpp"
#include "pruners/step_rules.hpp"

namespace hpod {

struct PercentileOptions {
  double percentile = 50.0;
  std::int64_t n_startup_trials = 5;
  std::int64_t n_warmup_steps = 0;
  std::int64_t interval_steps = 1;
  std::int64_t n_min_trials = 1;
};

class PercentilePruner final : public Pruner {
 public:
  // `name` is "median" or "percentile" (what the API shows).
  PercentilePruner(PercentileOptions options, std::string name) : opt_(options), name_(std::move(name)) {}

  PruneDecision should_prune(const StudyView& study, const FrozenTrial& trial) override;
  std::string name() const override { return name_; }

 private:
  PercentileOptions opt_;
  std::string name_;
  CompleteStepIndex complete_;
  RunningBest running_best_;
};

}  // namespace hpod
