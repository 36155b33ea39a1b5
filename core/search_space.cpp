#include "hpod/search_space.hpp"

namespace hpod {

namespace {
bool equal_distribution(const Distribution& a, const Distribution& b) {
  if (a.index() != b.index()) return false;
  if (auto* fa = std::get_if<FloatDistribution>(&a)) return *fa == std::get<FloatDistribution>(b);
  if (auto* ia = std::get_if<IntDistribution>(&a)) return *ia == std::get<IntDistribution>(b);
  return std::get<CategoricalDistribution>(a) == std::get<CategoricalDistribution>(b);
}
}  // namespace

SearchSpace intersection_search_space(const StudyView& study, bool include_pruned) {
  SearchSpace space;
  bool first = true;
  for (const FrozenTrial* t : study.trials()) {
    bool use = t->state == TrialState::kComplete || (include_pruned && t->state == TrialState::kPruned);
    if (!use) continue;
    if (first) {
      for (auto& [name, p] : t->params) space.emplace(name, p.distribution);
      first = false;
      continue;
    }
    for (auto it = space.begin(); it != space.end();) {
      auto* p = t->param(it->first);
      if (!p || !equal_distribution(p->distribution, it->second)) it = space.erase(it);
      else ++it;
    }
    if (space.empty()) break;
  }
  return space;
}

}  // namespace hpod
