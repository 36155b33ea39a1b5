#include "hpod/trial.hpp"

#include <algorithm>
#include <cmath>

namespace hpod {

const char* trial_state_name(TrialState s) {
  switch (s) {
    case TrialState::kRunning: return "RUNNING";
    case TrialState::kComplete: return "COMPLETE";
    case TrialState::kPruned: return "PRUNED";
    case TrialState::kFail: return "FAIL";
    case TrialState::kWaiting: return "WAITING";
  }
  return "FAIL";
}

std::optional<TrialState> trial_state_from_name(std::string_view n) {
  if (n == "RUNNING") return TrialState::kRunning;
  if (n == "COMPLETE") return TrialState::kComplete;
  if (n == "PRUNED") return TrialState::kPruned;
  if (n == "FAIL") return TrialState::kFail;
  if (n == "WAITING") return TrialState::kWaiting;
  return std::nullopt;
}

const char* direction_name(StudyDirection d) {
  switch (d) {
    case StudyDirection::kNotSet: return "NOT_SET";
    case StudyDirection::kMinimize: return "MINIMIZE";
    case StudyDirection::kMaximize: return "MAXIMIZE";
  }
  return "NOT_SET";
}

std::optional<StudyDirection> direction_from_name(std::string_view n) {
  if (n == "NOT_SET") return StudyDirection::kNotSet;
  if (n == "MINIMIZE") return StudyDirection::kMinimize;
  if (n == "MAXIMIZE") return StudyDirection::kMaximize;
  return std::nullopt;
}

bool IntermediateValues::insert(std::int64_t step, double value) {
  if (v_.empty() || v_.back().first < step) {
    v_.emplace_back(step, value);
    return true;
  }
  auto it = std::lower_bound(v_.begin(), v_.end(), step,
                             [](const Entry& e, std::int64_t s) { return e.first < s; });
  if (it != v_.end() && it->first == step) return false;
  v_.insert(it, Entry{step, value});
  return true;
}

std::optional<double> IntermediateValues::at(std::int64_t step) const {
  if (!v_.empty() && v_.back().first == step) return v_.back().second;
  auto it = std::lower_bound(v_.begin(), v_.end(), step,
                             [](const Entry& e, std::int64_t s) { return e.first < s; });
  if (it == v_.end() || it->first != step) return std::nullopt;
  return it->second;
}

ParamValue FrozenTrial::external_param(std::string_view name) const {
  auto* p = param(name);
  if (!p) return std::monostate{};
  return to_external(p->distribution, p->internal);
}

const FrozenTrial* best_trial(const std::vector<const FrozenTrial*>& trials, StudyDirection d) {
  const FrozenTrial* best = nullptr;
  for (const FrozenTrial* t : trials) {
    if (t->state != TrialState::kComplete || t->values.empty() || std::isnan(t->values[0])) continue;
    if (!best || better(t->values[0], best->values[0], d)) best = t;
  }
  return best;
}

}  // namespace hpod
