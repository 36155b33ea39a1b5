// Pruners: decide, after a report, whether a trial should stop. Pure functions of a
// read-only study view; no I/O.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "hpod/status.hpp"
#include "hpod/study_view.hpp"

namespace hpod {

struct PruneDecision {
  bool prune = false;
  // System attributes to store on the trial (key → JSON text), e.g. Successive Halving's
  // "completed_rung_0". The caller persists them and applies them to the in-memory trial
  // before the next decision.
  std::vector<std::pair<std::string, std::string>> system_attrs;
};

class Pruner {
 public:
  virtual ~Pruner() = default;

  // `trial` is RUNNING and has just reported (its last intermediate value is the new one).
  // Calls on one pruner object are serialized by the caller; the object may keep indexes
  // derived from the study, and must decide exactly as the pure rule would.
  virtual PruneDecision should_prune(const StudyView& study, const FrozenTrial& trial) = 0;

  // Which trials a sampler may see when planning trial `number` (Hyperband: the trials of
  // its bracket). Empty function = the whole study.
  virtual std::function<bool(const FrozenTrial&)> sampler_filter(const StudyView& study, int number) {
    (void)study;
    (void)number;
    return {};
  }

  virtual std::string name() const = 0;
};

// Builds a pruner from a study file's "pruner" block ({"type": "median", ...}); Optuna's
// option names and defaults. Bad options are InvalidArgument errors naming `json_path`.
// A missing block (null) gives Optuna's default, the MedianPruner.
Result<std::unique_ptr<Pruner>> make_pruner(const nlohmann::json& block, std::string_view json_path);

}  // namespace hpod
