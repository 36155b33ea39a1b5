// Follows a study's finished_order() log from a cursor, so an index folds each finished
// trial exactly once however many decisions are asked of it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "hpod/study_view.hpp"

namespace hpod {

class FinishedFeed {
 public:
  // The trial numbers appended to view.finished_order() since the last call. `*reset` is
  // true on the first call and whenever the log is not the one followed so far (shorter,
  // or its last seen entry differs: another study object); the caller then drops its index
  // and folds what is returned, which is the whole log.
  std::span<const int> advance(const StudyView& view, bool* reset) {
    const std::vector<int>& log = view.finished_order();
    bool fresh = !started_ || log.size() < cursor_ || (cursor_ > 0 && log[cursor_ - 1] != last_);
    if (fresh) cursor_ = 0;
    started_ = true;
    *reset = fresh;
    std::span<const int> out(log.data() + cursor_, log.size() - cursor_);
    cursor_ = log.size();
    if (cursor_ > 0) last_ = log.back();
    return out;
  }

 private:
  bool started_ = false;
  std::size_t cursor_ = 0;
  int last_ = -1;
};

// The largest last_step among the COMPLETE trials of a study (what "auto" resources are
// derived from: _successive_halving.py, _hyperband.py), kept up to date from the finished log.
class CompleteLastStepMax {
 public:
  std::optional<std::int64_t> update(const StudyView& view) {
    bool reset = false;
    auto fresh = feed_.advance(view, &reset);
    if (reset) max_.reset();
    for (int n : fresh) {
      const FrozenTrial* t = view.trial(n);
      if (!t || t->state != TrialState::kComplete) continue;
      if (auto s = t->last_step(); s && (!max_ || *s > *max_)) max_ = *s;
    }
    return max_;
  }

 private:
  FinishedFeed feed_;
  std::optional<std::int64_t> max_;
};

}  // namespace hpod
