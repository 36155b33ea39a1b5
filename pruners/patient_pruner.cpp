#include "pruners/patient_pruner.hpp"

#include <cmath>
#include <limits>

#include "pruners/step_rules.hpp"

namespace hpod {

namespace {

// numpy's nanmin / nanmax over entries [from, to): NaN when all are NaN.
double nan_best(const std::vector<IntermediateValues::Entry>& e, std::size_t from, std::size_t to, bool maximize) {
  double best = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = from; i < to; ++i) best = fold_nan_best(best, e[i].second, maximize);
  return best;
}

}  // namespace

PruneDecision PatientPruner::should_prune(const StudyView& study, const FrozenTrial& trial) {
  const auto& e = trial.intermediate_values.entries();  // sorted by step
  std::size_t window = static_cast<std::size_t>(opt_.patience) + 1;
  if (e.size() <= window) return {};
  std::size_t split = e.size() - window;
  bool maximize = study.direction() == StudyDirection::kMaximize;
  double before = nan_best(e, 0, split, maximize);
  double after = nan_best(e, split, e.size(), maximize);
  // Comparisons with NaN are false: no verdict without values on both sides.
  bool stalled = maximize ? before - opt_.min_delta > after : before + opt_.min_delta < after;
  if (!stalled) return {};
  if (!wrapped_) return {true, {}};
  return wrapped_->should_prune(study, trial);
}

}  // namespace hpod
