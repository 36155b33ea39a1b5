#include "pruners/threshold_pruner.hpp"

#include <cmath>

#include "pruners/step_rules.hpp"

namespace hpod {

PruneDecision ThresholdPruner::should_prune(const StudyView&, const FrozenTrial& trial) {
  if (!is_check_step(trial.intermediate_values, opt_.n_warmup_steps, opt_.interval_steps)) return {};
  double latest = trial.intermediate_values.entries().back().second;
  return {std::isnan(latest) || latest < opt_.lower || latest > opt_.upper, {}};
}

}  // namespace hpod
