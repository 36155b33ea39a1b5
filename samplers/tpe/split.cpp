#include "samplers/tpe/split.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hpod::tpe {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// Loss view of an objective value: smaller is better, NaN worst.
double loss(double v, StudyDirection d) {
  if (std::isnan(v)) return kInf;
  return d == StudyDirection::kMaximize ? -v : v;
}
}  // namespace

RankKey rank_key(const FrozenTrial& t, StudyDirection direction) {
  RankKey k;
  k.number = t.number;
  switch (t.state) {
    case TrialState::kComplete:
      k.group = 0;
      k.primary = t.values.empty() ? kInf : loss(t.values.front(), direction);
      break;
    case TrialState::kPruned:
      k.group = 1;
      if (auto last = t.last_step()) {
        k.primary = -static_cast<double>(*last);  // pruned later ranks better
        k.secondary = loss(*t.intermediate_values.at(*last), direction);
      } else {
        k.primary = 1.0;  // after every pruned trial that reported
        k.secondary = 0.0;
      }
      break;
    default:
      k.group = 2;
      break;
  }
  return k;
}

BelowAbove split_below_above(const std::vector<const FrozenTrial*>& trials, int n_below,
                             StudyDirection direction) {
  std::vector<RankKey> keys;
  keys.reserve(trials.size());
  for (const FrozenTrial* t : trials) keys.push_back(rank_key(*t, direction));
  std::sort(keys.begin(), keys.end());
  BelowAbove out;
  for (const RankKey& k : keys) {
    const bool below = k.group < 2 && static_cast<int>(out.below.size()) < n_below;
    (below ? out.below : out.above).push_back(k.number);
  }
  std::sort(out.below.begin(), out.below.end());
  std::sort(out.above.begin(), out.above.end());
  return out;
}

}  // namespace hpod::tpe
