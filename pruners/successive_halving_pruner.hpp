// Optuna's SuccessiveHalvingPruner (asynchronous SH),
// optuna/pruners/_successive_halving.py (4.9), with the correct single-count rule (Optuna
// 3.1 in memory, every version >= 3.2; docs/architecture.md "Known differences between
// Optuna versions").
#pragma once

#include <cstdint>
#include <optional>

#include "hpod/pruner.hpp"
#include "pruners/finished_feed.hpp"
#include "pruners/rung_index.hpp"

namespace hpod {

struct SuccessiveHalvingOptions {
  std::optional<std::int64_t> min_resource;  // nullopt = "auto"
  std::int64_t reduction_factor = 4;
  std::int64_t min_early_stopping_rate = 0;
  std::int64_t bootstrap_count = 0;
};

// The rule itself for a trial that has just reported (_successive_halving.py prune, the
// loop over rungs), with a known min_resource; `rungs` holds the competitors' values (a study, or
// a Hyperband bracket) and receives the values the decision writes.
PruneDecision successive_halving_decide(const FrozenTrial& trial, StudyDirection direction,
                                        std::int64_t min_resource, const SuccessiveHalvingOptions& options,
                                        RungIndex& rungs);

// _successive_halving.py: min_resource derived from the largest last step of COMPLETE trials.
inline std::int64_t auto_min_resource(std::int64_t max_complete_last_step) {
  return std::max<std::int64_t>(max_complete_last_step / 100, 1);
}

class SuccessiveHalvingPruner final : public Pruner {
 public:
  explicit SuccessiveHalvingPruner(SuccessiveHalvingOptions options)
      : opt_(options), min_resource_(options.min_resource) {}

  PruneDecision should_prune(const StudyView& study, const FrozenTrial& trial) override;
  std::string name() const override { return "successive_halving"; }

 private:
  SuccessiveHalvingOptions opt_;
  std::optional<std::int64_t> min_resource_;  // "auto" is fixed once, for this object's life
  CompleteLastStepMax complete_last_step_;
  RungIndex rungs_;
  bool rungs_loaded_ = false;
};

}  // namespace hpod
