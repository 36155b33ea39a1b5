#include "hpod/in_memory_study.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace hpod {

FilteredStudyView::FilteredStudyView(const StudyView& base,
                                     const std::function<bool(const FrozenTrial&)>& keep)
    : base_(base) {
  for (const FrozenTrial* t : base.trials())
    if (keep(*t)) trials_.push_back(t);
  for (int n : base.finished_order()) {
    const FrozenTrial* t = base.trial(n);
    if (t && keep(*t)) finished_.push_back(n);
  }
}

const FrozenTrial* FilteredStudyView::trial(int number) const {
  // trials_ is sorted by number.
  auto it = std::lower_bound(trials_.begin(), trials_.end(), number,
                             [](const FrozenTrial* t, int n) { return t->number < n; });
  if (it == trials_.end() || (*it)->number != number) return nullptr;
  return *it;
}

InMemoryStudy::InMemoryStudy(std::string name, std::vector<StudyDirection> directions)
    : name_(std::move(name)), directions_(std::move(directions)) {
  assert(!directions_.empty());
}

const FrozenTrial* InMemoryStudy::trial(int number) const {
  if (number < 0 || static_cast<std::size_t>(number) >= trials_.size()) return nullptr;
  return &trials_[static_cast<std::size_t>(number)];
}

FrozenTrial* InMemoryStudy::mutable_trial(int number) {
  if (number < 0 || static_cast<std::size_t>(number) >= trials_.size()) return nullptr;
  return &trials_[static_cast<std::size_t>(number)];
}

FrozenTrial& InMemoryStudy::add_trial(FrozenTrial t) {
  t.number = static_cast<int>(trials_.size());
  trials_.push_back(std::move(t));
  FrozenTrial& added = trials_.back();
  ptrs_.push_back(&added);
  if (is_finished(added.state)) finished_.push_back(added.number);
  return added;
}

void InMemoryStudy::finish(int number, TrialState state, std::vector<double> values, Timestamp when) {
  FrozenTrial* t = mutable_trial(number);
  assert(t && !is_finished(t->state) && is_finished(state));
  if (state == TrialState::kPruned && values.empty()) {
    // Optuna stores the value at the last step, if that value is not NaN.
    if (auto last = t->intermediate_values.last_step()) {
      double v = *t->intermediate_values.at(*last);
      if (!std::isnan(v)) values.push_back(v);
    }
  }
  t->state = state;
  t->values = std::move(values);
  t->datetime_complete = when;
  finished_.push_back(number);
}

}  // namespace hpod
