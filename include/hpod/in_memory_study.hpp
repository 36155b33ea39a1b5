// A study's trials held in memory: the owner behind a StudyView. The daemon keeps one
// per study (mutated only on that study's strand); tests and benchmarks build them
// directly.
#pragma once

#include <deque>
#include <memory>
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
  // Replaces a finished trial's outcome with the one another program wrote to the file
  // (hpod adopts it); a RUNNING trial is finished with it. Its place in finished_order
  // stays where it first finished.
  void adopt_outcome(int number, TrialState state, std::vector<double> values, std::optional<Timestamp> when);

  std::size_t size() const { return trials_.size(); }

  // An immutable copy of a finished trial, made when it finished (attributes set later are
  // not in it; intermediate values are cut to the last one, all a sampler reads). Sampler
  // snapshots on other threads share these instead of copying the study. Null while the
  // trial runs.
  std::shared_ptr<const FrozenTrial> frozen(int number) const;

 private:
  void freeze(const FrozenTrial& t);

  std::string name_;
  std::vector<StudyDirection> directions_;
  std::deque<FrozenTrial> trials_;  // deque: stable addresses as trials are added
  std::vector<const FrozenTrial*> ptrs_;
  std::vector<int> finished_;
  std::vector<std::shared_ptr<const FrozenTrial>> frozen_;  // by number
};

// A copy of a study's trials that other threads may read while the owner goes on:
// finished trials are shared (InMemoryStudy::frozen), the others are copied without their
// intermediate values but the last. Optionally only the trials `keep` accepts (Hyperband).
class SnapshotStudy final : public StudyView {
 public:
  SnapshotStudy(const InMemoryStudy& study, const std::function<bool(const FrozenTrial&)>& keep = {});

  const std::string& name() const override { return name_; }
  const std::vector<StudyDirection>& directions() const override { return directions_; }
  const std::vector<const FrozenTrial*>& trials() const override { return ptrs_; }
  const std::vector<int>& finished_order() const override { return finished_; }
  const FrozenTrial* trial(int number) const override;

 private:
  std::string name_;
  std::vector<StudyDirection> directions_;
  std::vector<std::shared_ptr<const FrozenTrial>> owned_;
  std::vector<const FrozenTrial*> ptrs_;
  std::vector<int> finished_;
};

}  // namespace hpod
