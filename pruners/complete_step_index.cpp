#include "pruners/complete_step_index.hpp"

#include <cmath>

namespace hpod {

std::span<const int> CompleteStepIndex::catch_up(const StudyView& view, bool* reset_out) {
  bool reset = false;
  auto fresh = feed_.advance(view, &reset);
  if (reset_out) *reset_out = reset;
  if (reset) {
    steps_.clear();
    n_complete_ = 0;
  }
  // Many trials at once (first decision, restart): gather per step and load in bulk.
  bool bulk = fresh.size() >= 16;
  std::unordered_map<std::int64_t, std::vector<double>> pending;
  for (int n : fresh) {
    const FrozenTrial* t = view.trial(n);
    if (!t || t->state != TrialState::kComplete) continue;
    ++n_complete_;
    for (auto [s, v] : t->intermediate_values) {
      Step& st = steps_[s];
      if (std::isnan(v))
        ++st.nan_count;
      else if (bulk)
        pending[s].push_back(v);
      else
        st.values.insert(v);
    }
  }
  for (auto& [s, values] : pending) steps_[s].values.insert_bulk(std::move(values));
  return fresh;
}

}  // namespace hpod
