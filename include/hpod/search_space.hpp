// Search spaces: name → distribution, ordered by name (Optuna 4.x sorts relative search
// spaces by name, which fixes the order in which parameters draw random numbers).
#pragma once

#include <map>
#include <string>

#include "hpod/distributions.hpp"
#include "hpod/study_view.hpp"

namespace hpod {

using SearchSpace = std::map<std::string, Distribution, std::less<>>;

// Optuna's IntersectionSearchSpace: the parameters that every COMPLETE trial (and every
// PRUNED one if include_pruned) has, with equal distributions. Empty when there are no
// such trials.
SearchSpace intersection_search_space(const StudyView& study, bool include_pruned);

}  // namespace hpod
