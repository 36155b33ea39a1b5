// The read-only view of a study that samplers and pruners take (no I/O behind it).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hpod/trial.hpp"

namespace hpod {

class StudyView {
 public:
  virtual ~StudyView() = default;

  virtual const std::string& name() const = 0;
  virtual const std::vector<StudyDirection>& directions() const = 0;
  StudyDirection direction() const { return directions().front(); }

  // Trials in increasing number order. Pointers stay valid for the duration of a call.
  virtual const std::vector<const FrozenTrial*>& trials() const = 0;

  // Numbers of trials in the order they reached a finished state (COMPLETE, PRUNED,
  // FAIL). Append-only for the life of the study object, so a sampler or pruner may keep
  // an index folded over it and catch up by reading only the new entries: a finished
  // trial never changes again.
  virtual const std::vector<int>& finished_order() const = 0;

  // Trial by number, nullptr if not in this view.
  virtual const FrozenTrial* trial(int number) const = 0;
};

// The trials of `base` that `keep` accepts (Hyperband's per-bracket view for samplers
// and pruners).
class FilteredStudyView final : public StudyView {
 public:
  FilteredStudyView(const StudyView& base, const std::function<bool(const FrozenTrial&)>& keep);

  const std::string& name() const override { return base_.name(); }
  const std::vector<StudyDirection>& directions() const override { return base_.directions(); }
  const std::vector<const FrozenTrial*>& trials() const override { return trials_; }
  const std::vector<int>& finished_order() const override { return finished_; }
  const FrozenTrial* trial(int number) const override;

 private:
  const StudyView& base_;
  std::vector<const FrozenTrial*> trials_;
  std::vector<int> finished_;
};

}  // namespace hpod
