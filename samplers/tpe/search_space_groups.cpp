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
  std::vector<Group> next;
  next.reserve(groups_.size() + 1);
  for (Group& g : groups_) {
    Group in{{}, g.trials}, out{{}, g.trials};
    for (auto& name : g.names) (trial.params.count(name) ? in : out).names.push_back(name);
    if (!in.names.empty()) {
      in.trials.insert(std::upper_bound(in.trials.begin(), in.trials.end(), n), n);
      next.push_back(std::move(in));
    }
    if (!out.names.empty()) next.push_back(std::move(out));
  }
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
  if (!fresh.names.empty()) next.push_back(std::move(fresh));
  groups_ = std::move(next);
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
