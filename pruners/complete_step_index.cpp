#include "pruners/complete_step_index.hpp"

#include <cmath>

namespace hpod {

std::span<const int> CompleteStepIndex::catch_up(const StudyView& view) {
  bool reset = false;
  auto fresh = feed_.advance(view, &reset);
  if (reset) {
    steps_.clear();
    n_complete_ = 0;
  }
  for (int n : fresh) {
    const FrozenTrial* t = view.trial(n);
    if (!t || t->state != TrialState::kComplete) continue;
    ++n_complete_;
    for (auto [s, v] : t->intermediate_values) {
      Step& st = steps_[s];
      if (std::isnan(v))
        ++st.nan_count;
      else
        st.values.insert(v);
    }
  }
  return fresh;
}

}  // namespace hpod
