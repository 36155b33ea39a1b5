// The intermediate values of a study's COMPLETE trials, per step, sorted, with NaN
// counted apart: what the percentile rule reads (optuna/pruners/_percentile.py). Folded from
// the finished log, since a COMPLETE trial never changes again.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <unordered_map>

#include "pruners/finished_feed.hpp"
#include "pruners/sorted_values.hpp"

namespace hpod {

class CompleteStepIndex {
 public:
  struct Step {
    SortedValues values;        // non-NaN values (±inf included)
    std::size_t nan_count = 0;  // n_min_trials counts these, the percentile ignores them
    std::size_t count() const { return values.size() + nan_count; }
  };

  // Folds the trials finished since the last call; returns their numbers (any state) so
  // the caller can drop per-trial caches. `*reset` (if given) tells that the index was
  // rebuilt because the view is not the one followed so far.
  std::span<const int> catch_up(const StudyView& view, bool* reset = nullptr);
  std::size_t n_complete() const { return n_complete_; }
  const Step* step(std::int64_t s) const {
    auto it = steps_.find(s);
    return it == steps_.end() ? nullptr : &it->second;
  }

 private:
  FinishedFeed feed_;
  std::unordered_map<std::int64_t, Step> steps_;
  std::size_t n_complete_ = 0;
};

// numpy.percentile(values, q) with the default linear method as numpy 1.24 computes it
// (virtual index (m-1)·q/100, numpy's two-sided lerp, so an infinite neighbour gives NaN
// or ±inf exactly as numpy does), over m sorted values given by at(i). NaN when m == 0.
template <typename At>
double numpy_percentile_sorted(std::size_t m, double q, At at) {
  if (m == 0) return std::numeric_limits<double>::quiet_NaN();
  double virtual_index = static_cast<double>(m - 1) * (q / 100.0);
  double below = std::floor(virtual_index);
  std::size_t lo, hi;
  if (virtual_index >= static_cast<double>(m - 1)) {
    lo = hi = m - 1;
    below = -1.0;  // numpy's index for "the last element"; it enters gamma below
  } else {
    lo = static_cast<std::size_t>(below);
    hi = lo + 1;
  }
  double gamma = virtual_index - below;
  double a = at(lo), b = at(hi);
  double diff = b - a;
  return gamma >= 0.5 ? b - diff * (1.0 - gamma) : a + diff * gamma;
}

}  // namespace hpod
