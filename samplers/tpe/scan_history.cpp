// The pure rule: every answer recomputed from the view (the reference for CachedHistory).
#include <algorithm>

#include "samplers/tpe/search_space_groups.hpp"
#include "samplers/tpe/split.hpp"
#include "samplers/tpe/trial_history.hpp"

namespace hpod::tpe {

namespace {

class ScanHistory final : public TrialHistory {
 public:
  explicit ScanHistory(StudyDirection direction) : direction_(direction) {}

  bool follows(const StudyView&) const override { return true; }

  void sync(const StudyView& study) override {
    view_ = &study;
    used_.clear();
    for (const FrozenTrial* t : study.trials())
      if (t->state == TrialState::kComplete || t->state == TrialState::kPruned) used_.push_back(t);
  }

  int n_used() const override { return static_cast<int>(used_.size()); }

  std::vector<int> best(int n) const override { return split_below_above(used_, n, direction_).below; }

  SearchSpace intersection() const override { return intersection_search_space(*view_, true); }

  std::vector<SearchSpace> groups() const override { return decompose_groups(used_); }

  void observations(const ParamSet& params, const std::vector<int>& below,
                    const std::vector<const FrozenTrial*>& running, bool sort_above, Observations& below_out,
                    Observations& above_out) const override {
    (void)sort_above;  // the estimator sorts when no order is given
    std::vector<const FrozenTrial*> lo, hi;
    for (const FrozenTrial* t : view_->trials()) {
      const bool used = t->state == TrialState::kComplete || t->state == TrialState::kPruned;
      const bool is_running = std::find(running.begin(), running.end(), t) != running.end();
      if ((!used && !is_running) || !has_params(*t, params)) continue;
      const bool is_below = used && std::binary_search(below.begin(), below.end(), t->number);
      (is_below ? lo : hi).push_back(t);
    }
    fill(lo, params, below_out);
    fill(hi, params, above_out);
  }

 private:
  static void fill(const std::vector<const FrozenTrial*>& trials, const ParamSet& params, Observations& out) {
    const auto n = static_cast<Eigen::Index>(trials.size());
    const auto d = static_cast<Eigen::Index>(params.names.size());
    out.numbers.clear();
    out.parzen.values.resize(n, d);
    out.parzen.sorted_rows.clear();
    for (Eigen::Index i = 0; i < n; ++i) {
      out.numbers.push_back(trials[static_cast<std::size_t>(i)]->number);
      for (Eigen::Index j = 0; j < d; ++j)
        out.parzen.values(i, j) = trials[static_cast<std::size_t>(i)]->param(params.names[static_cast<std::size_t>(j)])->internal;
    }
  }

  StudyDirection direction_;
  const StudyView* view_ = nullptr;
  std::vector<const FrozenTrial*> used_;
};

}  // namespace

std::unique_ptr<TrialHistory> make_scan_history(StudyDirection direction) {
  return std::make_unique<ScanHistory>(direction);
}

}  // namespace hpod::tpe
