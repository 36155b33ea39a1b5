#include "pruners/percentile_pruner.hpp"

#include <cmath>

namespace hpod {

PruneDecision PercentilePruner::should_prune(const StudyView& study, const FrozenTrial& trial) {
  bool reset = false;
  auto finished = complete_.catch_up(study, &reset);
  if (reset) running_best_.clear();
  for (int n : finished) running_best_.forget(n);

  std::size_t n_complete = complete_.n_complete();
  if (n_complete == 0 || n_complete < static_cast<std::size_t>(opt_.n_startup_trials)) return {};
  auto step = trial.last_step();
  if (!step) return {};
  if (!is_check_step(trial.intermediate_values, opt_.n_warmup_steps, opt_.interval_steps)) return {};

  StudyDirection d = study.direction();
  double best = running_best_.of(trial, d);
  if (std::isnan(best)) return {true, {}};

  const CompleteStepIndex::Step* at_step = complete_.step(*step);
  std::size_t reported = at_step ? at_step->count() : 0;
  if (reported < static_cast<std::size_t>(opt_.n_min_trials) || !at_step) return {};
  // Maximizing looks at the mirrored percentile of the same ascending order.
  double q = d == StudyDirection::kMaximize ? 100.0 - opt_.percentile : opt_.percentile;
  const SortedValues& values = at_step->values;
  double threshold = numpy_percentile_sorted(values.size(), q, [&](std::size_t i) { return values[i]; });
  if (std::isnan(threshold)) return {};
  bool prune = d == StudyDirection::kMaximize ? best < threshold : best > threshold;
  return {prune, {}};
}

}  // namespace hpod
