// A study's trials held in memory: the owner behind a StudyView. The daemon keeps one
// per study (mutated only on that study's strand); tests and benchmarks build them
// directly.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "hpod/study_view.hpp"

namespace hpod {

class InMemoryStudy final : public StudyView {
 public:
  InMemoryStudy(std::string name, std::vector<StudyDirection> directions);
  InMemoryStudy(const InMemoryStudy&) = delete;
  InMemoryStudy& operator=(const InMemoryStudy&) = delete;

  const std::string& name() const override { return name_; }
  const std::vector<StudyDirection>& directions() const override { return directions_; }
  const std::vector<const FrozenTrial*>& trials() const override { return ptrs_; }
  const std::vector<int>& finished_order() const override { return finished_; }
  const FrozenTrial* trial(int number) const override;

  // Appends a trial; its number becomes the next dense number. If it is already finished
  // (loading from storage) it enters finished_order at once.
  FrozenTrial& add_trial(FrozenTrial t);
  // Mutable access for reports and attributes while a trial runs.
  FrozenTrial* mutable_trial(int number);
  // Moves a RUNNING/WAITING trial to a finished state; records it in finished_order.
  // PRUNED with no values given takes the last non-NaN intermediate value, as Optuna.
  void finish(int number, TrialState state, std::vector<double> values, Timestamp when);

  std::size_t size() const { return trials_.size(); }

 private:
  std::string name_;
  std::vector<StudyDirection> directions_;
  std::deque<FrozenTrial> trials_;  // deque: stable addresses as trials are added
  std::vector<const FrozenTrial*> ptrs_;
  std::vector<int> finished_;
};

}  // namespace hpod
