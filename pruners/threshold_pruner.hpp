// Optuna's ThresholdPruner (optuna/pruners/_threshold.py (4.9)): prunes when the latest value
// leaves [lower, upper] or is NaN, on the check steps of is_check_step. The direction plays no
// part.
#pragma once

#include <cstdint>
#include <limits>

#include "hpod/pruner.hpp"

namespace hpod {

struct ThresholdOptions {
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  std::int64_t n_warmup_steps = 0;
  std::int64_t interval_steps = 1;
};

class ThresholdPruner final : public Pruner {
 public:
  explicit ThresholdPruner(ThresholdOptions options) : opt_(options) {}
  PruneDecision should_prune(const StudyView& study, const FrozenTrial& trial) override;
  std::string name() const override { return "threshold"; }

 private:
  ThresholdOptions opt_;
};

}  // namespace hpod
