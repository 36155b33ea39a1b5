// Optuna's group-decomposed search space (optuna/search_space/group_decomposed.py (4.9),
// TPE `group=true`).
#pragma once

#include <vector>

#include "hpod/search_space.hpp"
#include "hpod/trial.hpp"

namespace hpod::tpe {

// Literal form of the rule, the reference: start with no groups; for each trial (in
// number order) with parameter set P, replace each group G by G∩P and G\P (dropping
// empties), then append P \ (union of the groups). A name keeps the distribution of the
// first trial that had it. `trials` = the COMPLETE and PRUNED trials in number order.
//
// The result depends only on the set of trials: names are grouped iff the same trials
// contain them, and groups are ordered by their sets of trial numbers (the first trial
// number that one set has and the other lacks puts that group first). GroupIndex
// computes the same thing incrementally, in any arrival order.
std::vector<SearchSpace> decompose_groups(const std::vector<const FrozenTrial*>& trials);

class GroupIndex {
 public:
  void add(const FrozenTrial& trial);
  std::vector<SearchSpace> groups() const;

 private:
  struct Group {
    std::vector<std::string> names;  // sorted
    std::vector<int> trials;         // sorted numbers of the trials containing them
  };
  struct FirstSeen {
    int number;
    Distribution distribution;
  };
  std::vector<Group> groups_;
  std::map<std::string, FirstSeen, std::less<>> first_seen_;
};

}  // namespace hpod::tpe
