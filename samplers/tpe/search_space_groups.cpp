#include "samplers/tpe/search_space_groups.hpp"

#include <algorithm>

namespace hpod::tpe {

std::vector<SearchSpace> decompose_groups(const std::vector<const FrozenTrial*>& trials) {
  std::vector<SearchSpace> groups;
  for (const FrozenTrial* t : trials) {
    std::vector<SearchSpace> next;
    SearchSpace fresh;
    for (auto& [name, p] : t->params) fresh.emplace(name, p.distribution);
    for (const SearchSpace& g : groups) {
      SearchSpace in, out;
      for (auto& [name, d] : g) {
        (t->params.count(name) ? in : out).emplace(name, d);
        fresh.erase(name);
      }
      next.push_back(std::move(in));
      next.push_back(std::move(out));
    }
    next.push_back(std::move(fresh));
    groups.clear();
    for (auto& g : next)
      if (!g.empty()) groups.push_back(std::move(g));
  }
  return groups;
}

void GroupIndex::add(const FrozenTrial& trial) {
  const int n = trial.number;
  std::vector<Group> split_off;  // the G \ P parts of groups that P cuts
  for (Group& g : groups_) {
    std::vector<std::string> in, out;
    for (auto& name : g.names) (trial.params.count(name) ? in : out).push_back(name);
    if (in.empty()) continue;  // P misses G entirely: unchanged
    if (!out.empty()) {
      split_off.push_back(Group{std::move(out), g.trials});
      g.names = std::move(in);
    }
    g.trials.insert(std::upper_bound(g.trials.begin(), g.trials.end(), n), n);
  }
  for (auto& g : split_off) groups_.push_back(std::move(g));
  Group fresh{{}, {n}};
  for (auto& [name, p] : trial.params) {
    auto it = first_seen_.find(name);
    if (it == first_seen_.end()) {
      first_seen_.emplace(name, FirstSeen{n, p.distribution});
      fresh.names.push_back(name);
    } else if (n < it->second.number) {
      it->second = FirstSeen{n, p.distribution};
    }
  }
  if (!fresh.names.empty()) groups_.push_back(std::move(fresh));
}

std::vector<SearchSpace> GroupIndex::groups() const {
  std::vector<const Group*> order;
  for (auto& g : groups_) order.push_back(&g);
  // The first trial number in which two membership sets differ decides: the group that
  // has it comes first (Optuna's list puts G∩P before G\P and new groups last).
  std::sort(order.begin(), order.end(), [](const Group* a, const Group* b) {
    const auto& x = a->trials;
    const auto& y = b->trials;
    std::size_t i = 0;
    while (i < x.size() && i < y.size() && x[i] == y[i]) ++i;
    if (i == x.size() || i == y.size()) return i < x.size();  // the longer one has the differing trial
    return x[i] < y[i];
  });
  std::vector<SearchSpace> out;
  for (const Group* g : order) {
    SearchSpace s;
    for (auto& name : g->names) s.emplace(name, first_seen_.at(name).distribution);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hpod::tpe
