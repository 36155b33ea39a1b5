// Rules on a single trial's reports shared by several pruners (optuna/pruners/_percentile.py
// (4.9), _is_first_in_interval_step and the best intermediate value).
#pragma once

#include <cstdint>
#include <unordered_map>

#include "hpod/trial.hpp"

namespace hpod {

// optuna/pruners/_percentile.py _is_first_in_interval_step: whether the latest report (the last
// step) is the first one at or after a check point w, w + I, w + 2I, ... False before the warm-up
// ends or without reports.
bool is_check_step(const IntermediateValues& values, std::int64_t n_warmup_steps, std::int64_t interval_steps);

// One step of numpy's nanmin / nanmax: NaN values are skipped; NaN until a value is seen.
double fold_nan_best(double best, double v, bool maximize);

// The best of a running trial's intermediate values ignoring NaN (nanmin / nanmax), NaN
// when every value is NaN. Remembers the fold per trial so a report costs O(1) instead of
// a pass over all of the trial's steps; forget() a trial once it has finished.
class RunningBest {
 public:
  double of(const FrozenTrial& trial, StudyDirection direction);
  void forget(int number) { by_trial_.erase(number); }
  void clear() { by_trial_.clear(); }

 private:
  struct Fold {
    std::size_t n = 0;                // entries folded
    std::int64_t last_folded_step = 0;
    double best;
  };
  std::unordered_map<int, Fold> by_trial_;
};

}  // namespace hpod
