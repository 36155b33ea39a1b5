// Trials as samplers, pruners, storage and the API see them (optuna/trial/_frozen.py;
// docs/architecture.md "Stored encodings").
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hpod/distributions.hpp"

namespace hpod {

// Optuna's enum values; the RDB stores the names.
enum class TrialState : int { kRunning = 0, kComplete = 1, kPruned = 2, kFail = 3, kWaiting = 4 };
enum class StudyDirection : int { kNotSet = 0, kMinimize = 1, kMaximize = 2 };

const char* trial_state_name(TrialState s);       // "RUNNING", ...
std::optional<TrialState> trial_state_from_name(std::string_view name);
const char* direction_name(StudyDirection d);      // "MINIMIZE", ...
std::optional<StudyDirection> direction_from_name(std::string_view name);
inline bool is_finished(TrialState s) {
  return s == TrialState::kComplete || s == TrialState::kPruned || s == TrialState::kFail;
}

using Timestamp = std::chrono::system_clock::time_point;

// A trial's intermediate values, sorted by step; at most one value per step. Reports
// arrive in increasing step order almost always, so appending is O(1) and the memory
// cost is 16 bytes a value.
class IntermediateValues {
 public:
  using Entry = std::pair<std::int64_t, double>;

  // false (and nothing changes) if the step already has a value: Optuna ignores a second
  // report for a step.
  bool insert(std::int64_t step, double value);
  std::optional<double> at(std::int64_t step) const;
  bool contains(std::int64_t step) const { return at(step).has_value(); }
  std::optional<std::int64_t> last_step() const {
    if (v_.empty()) return std::nullopt;
    return v_.back().first;
  }
  std::size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  const std::vector<Entry>& entries() const { return v_; }
  auto begin() const { return v_.begin(); }
  auto end() const { return v_.end(); }
  void reserve(std::size_t n) { v_.reserve(n); }
  bool operator==(const IntermediateValues&) const = default;

 private:
  std::vector<Entry> v_;
};

struct TrialParam {
  double internal = 0.0;     // Optuna's internal representation
  Distribution distribution;
};

struct FrozenTrial {
  std::int64_t id = -1;      // storage-wide trial_id
  int number = -1;           // 0-based, dense, in creation order within the study
  TrialState state = TrialState::kRunning;
  std::vector<double> values;                    // COMPLETE: one per objective; PRUNED: maybe the last value
  std::map<std::string, TrialParam, std::less<>> params;
  IntermediateValues intermediate_values;
  std::map<std::string, std::string, std::less<>> user_attrs;    // key → JSON text
  std::map<std::string, std::string, std::less<>> system_attrs;  // key → JSON text
  std::optional<Timestamp> datetime_start;
  std::optional<Timestamp> datetime_complete;

  std::optional<double> value() const {
    if (values.empty()) return std::nullopt;
    return values.front();
  }
  std::optional<std::int64_t> last_step() const { return intermediate_values.last_step(); }
  const TrialParam* param(std::string_view name) const {
    auto it = params.find(name);
    return it == params.end() ? nullptr : &it->second;
  }
  ParamValue external_param(std::string_view name) const;  // monostate if absent
  const std::string* system_attr(std::string_view key) const {
    auto it = system_attrs.find(key);
    return it == system_attrs.end() ? nullptr : &it->second;
  }
};

// Optuna's best-trial rule (4.x): COMPLETE trials only, by values[0]; infinities order
// correctly. nullptr when none.
const FrozenTrial* best_trial(const std::vector<const FrozenTrial*>& trials, StudyDirection d);
// a is better than b for this direction (strictly).
inline bool better(double a, double b, StudyDirection d) {
  return d == StudyDirection::kMaximize ? a > b : a < b;
}

}  // namespace hpod
