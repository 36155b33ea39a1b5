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

namespace {
std::shared_ptr<const FrozenTrial> light_copy(const FrozenTrial& t) {
  auto c = std::make_shared<FrozenTrial>();
  c->id = t.id;
  c->number = t.number;
  c->state = t.state;
  c->values = t.values;
  c->params = t.params;
  if (auto last = t.last_step()) c->intermediate_values.insert(*last, *t.intermediate_values.at(*last));
  c->user_attrs = t.user_attrs;
  c->system_attrs = t.system_attrs;
  c->datetime_start = t.datetime_start;
  c->datetime_complete = t.datetime_complete;
  return c;
}
}  // namespace

FrozenTrial& InMemoryStudy::add_trial(FrozenTrial t) {
  t.number = static_cast<int>(trials_.size());
  trials_.push_back(std::move(t));
  FrozenTrial& added = trials_.back();
  ptrs_.push_back(&added);
  frozen_.emplace_back();
  if (is_finished(added.state)) {
    finished_.push_back(added.number);
    freeze(added);
  }
  return added;
}

void InMemoryStudy::freeze(const FrozenTrial& t) { frozen_[static_cast<std::size_t>(t.number)] = light_copy(t); }

std::shared_ptr<const FrozenTrial> InMemoryStudy::frozen(int number) const {
  if (number < 0 || static_cast<std::size_t>(number) >= frozen_.size()) return nullptr;
  return frozen_[static_cast<std::size_t>(number)];
}

SnapshotStudy::SnapshotStudy(const InMemoryStudy& study, const std::function<bool(const FrozenTrial&)>& keep)
    : name_(study.name()), directions_(study.directions()) {
  owned_.reserve(study.size());
  for (const FrozenTrial* t : study.trials()) {
    if (keep && !keep(*t)) continue;
    auto f = study.frozen(t->number);
    owned_.push_back(f ? f : light_copy(*t));
    ptrs_.push_back(owned_.back().get());
  }
  for (int n : study.finished_order()) {
    const FrozenTrial* t = study.trial(n);
    if (t && (!keep || keep(*t))) finished_.push_back(n);
  }
}

const FrozenTrial* SnapshotStudy::trial(int number) const {
  auto it = std::lower_bound(ptrs_.begin(), ptrs_.end(), number,
                             [](const FrozenTrial* t, int n) { return t->number < n; });
  if (it == ptrs_.end() || (*it)->number != number) return nullptr;
  return *it;
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
  freeze(*t);
}

void InMemoryStudy::adopt_outcome(int number, TrialState state, std::vector<double> values,
                                  std::optional<Timestamp> when) {
  FrozenTrial* t = mutable_trial(number);
  assert(t && is_finished(state));
  if (!is_finished(t->state)) finished_.push_back(number);
  t->state = state;
  t->values = std::move(values);
  if (when) t->datetime_complete = when;
  freeze(*t);
}

}  // namespace hpod
