// Splitting trials into "below" (good, l(x)) and "above" (bad, g(x)) —
// optuna/samplers/_tpe/sampler.py _split_trials (4.9).
#pragma once

#include <vector>

#include "hpod/trial.hpp"

namespace hpod::tpe {

// A trial's place in the single-objective ranking (ascending = better):
//   COMPLETE by objective (negated for MAXIMIZE; NaN last),
//   then PRUNED by (−last_step, value at last_step; NaN → +inf), without reports (1, 0),
//   then RUNNING (constant liar: always above).
// Ties go by trial number, which makes the order total and the sort stable.
struct RankKey {
  int group = 0;  // 0 COMPLETE, 1 PRUNED, 2 RUNNING
  double primary = 0.0;
  double secondary = 0.0;
  int number = 0;
  bool operator<(const RankKey& o) const {
    if (group != o.group) return group < o.group;
    if (primary != o.primary) return primary < o.primary;
    if (secondary != o.secondary) return secondary < o.secondary;
    return number < o.number;
  }
  bool operator==(const RankKey&) const = default;
};

// The key of a COMPLETE, PRUNED or RUNNING trial (others are not ranked).
RankKey rank_key(const FrozenTrial& t, StudyDirection direction);

struct BelowAbove {
  std::vector<int> below;  // trial numbers, ascending
  std::vector<int> above;  // trial numbers, ascending
};

// Single objective: the first n_below trials of the ranking are below, the rest above.
// RUNNING trials are never below.
BelowAbove split_below_above(const std::vector<const FrozenTrial*>& trials, int n_below,
                             StudyDirection direction);

}  // namespace hpod::tpe
