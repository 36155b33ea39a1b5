#include "pruners/step_rules.hpp"

#include <cmath>
#include <limits>

namespace hpod {

bool is_check_step(const IntermediateValues& values, std::int64_t n_warmup_steps, std::int64_t interval_steps) {
  auto last = values.last_step();
  if (!last || *last < n_warmup_steps) return false;
  std::int64_t check_point = (*last - n_warmup_steps) / interval_steps * interval_steps + n_warmup_steps;
  // Steps are unique and sorted, so the largest step other than the last is the one before it.
  const auto& e = values.entries();
  std::int64_t previous = e.size() >= 2 ? e[e.size() - 2].first : -1;
  return previous < check_point;
}

double fold_nan_best(double best, double v, bool maximize) {
  if (std::isnan(v)) return best;
  if (std::isnan(best)) return v;
  return maximize ? std::max(best, v) : std::min(best, v);
}

double RunningBest::of(const FrozenTrial& trial, StudyDirection direction) {
  const auto& e = trial.intermediate_values.entries();
  bool maximize = direction == StudyDirection::kMaximize;
  auto [it, inserted] = by_trial_.try_emplace(trial.number, Fold{0, 0, std::numeric_limits<double>::quiet_NaN()});
  Fold& f = it->second;
  // Reports almost always append; a report for an earlier step (or a different trial
  // object under the same number) shifts the folded prefix, which is then folded again.
  bool prefix_intact = f.n <= e.size() && (f.n == 0 || e[f.n - 1].first == f.last_folded_step);
  if (!prefix_intact) f = Fold{0, 0, std::numeric_limits<double>::quiet_NaN()};
  for (; f.n < e.size(); ++f.n) f.best = fold_nan_best(f.best, e[f.n].second, maximize);
  if (f.n > 0) f.last_folded_step = e[f.n - 1].first;
  return f.best;
}

}  // namespace hpod
