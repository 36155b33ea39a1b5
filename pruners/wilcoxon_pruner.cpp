#include "pruners/wilcoxon_pruner.hpp"

#include <cmath>
#include <vector>

#include "pruners/wilcoxon_signed_rank.hpp"

namespace hpod {

namespace {

bool all_finite(const IntermediateValues& v) {
  for (auto [s, x] : v)
    if (!std::isfinite(x)) return false;
  return true;
}

double mean(const IntermediateValues& v) {
  double sum = 0.0;
  for (auto [s, x] : v) sum += x;
  return sum / static_cast<double>(v.size());
}

}  // namespace

const FrozenTrial* WilcoxonPruner::best_trial(const StudyView& study) {
  // The study's best trial (hpod::best_trial's rule: ties go to the lower number), folded
  // from the finished log instead of a scan per decision.
  bool reset = false;
  auto fresh = feed_.advance(study, &reset);
  if (reset) best_number_ = -1;
  StudyDirection d = study.direction();
  const FrozenTrial* best = best_number_ >= 0 ? study.trial(best_number_) : nullptr;
  for (int n : fresh) {
    const FrozenTrial* t = study.trial(n);
    if (!t || t->state != TrialState::kComplete || t->values.empty() || std::isnan(t->values[0])) continue;
    if (!best || better(t->values[0], best->values[0], d) ||
        (t->values[0] == best->values[0] && t->number < best->number))
      best = t;
  }
  best_number_ = best ? best->number : -1;
  return best;
}

PruneDecision WilcoxonPruner::should_prune(const StudyView& study, const FrozenTrial& trial) {
  const IntermediateValues& cur = trial.intermediate_values;
  if (cur.empty() || !all_finite(cur)) return {};
  const FrozenTrial* best = best_trial(study);
  if (!best) return {};
  const IntermediateValues& ref = best->intermediate_values;
  if (ref.empty() || !all_finite(ref)) return {};

  // Pair the steps present in both (both lists are sorted by step).
  std::vector<double> diff;
  auto a = cur.begin(), b = ref.begin();
  while (a != cur.end() && b != ref.end()) {
    if (a->first < b->first) {
      ++a;
    } else if (b->first < a->first) {
      ++b;
    } else {
      diff.push_back(a->second - b->second);
      ++a;
      ++b;
    }
  }
  if (diff.size() < static_cast<std::size_t>(std::max<std::int64_t>(2, opt_.n_startup_steps))) return {};

  bool maximize = study.direction() == StudyDirection::kMaximize;
  double p = wilcoxon_signed_rank_pvalue(diff, maximize ? WilcoxonAlternative::kLess : WilcoxonAlternative::kGreater);
  // Safety net: a trial whose average is at least as good as the best's is kept even when
  // the test says otherwise.
  double mean_best = mean(ref), mean_cur = mean(cur);
  bool average_is_best = maximize ? mean_best <= mean_cur : mean_best >= mean_cur;
  if (p < opt_.p_threshold && average_is_best) return {};
  return {p < opt_.p_threshold, {}};
}

}  // namespace hpod
