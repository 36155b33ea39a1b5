// Optuna's HyperbandPruner (optuna/pruners/_hyperband.py (4.9)): trials are spread over brackets
// by a hash of their number; each bracket runs Successive Halving with its own early-stopping rate
// and sees only its own trials, and samplers see only the current trial's bracket.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "hpod/pruner.hpp"
#include "pruners/finished_feed.hpp"
#include "pruners/rung_index.hpp"
#include "pruners/successive_halving_pruner.hpp"

namespace hpod {

struct HyperbandOptions {
  std::int64_t min_resource = 1;
  std::optional<std::int64_t> max_resource;  // nullopt = "auto"
  std::int64_t reduction_factor = 3;
  std::int64_t bootstrap_count = 0;
};

// The bracket layout for known resources (_hyperband.py).
struct HyperbandBrackets {
  int n_brackets = 0;
  std::vector<std::int64_t> budgets;  // trial allocation budget per bracket
  std::int64_t total_budget = 0;

  static HyperbandBrackets compute(std::int64_t min_resource, std::int64_t max_resource, std::int64_t reduction_factor);
  int bracket_of(std::string_view study_name, int number) const;
};

class HyperbandPruner final : public Pruner {
 public:
  explicit HyperbandPruner(HyperbandOptions options) : opt_(options) {}

  PruneDecision should_prune(const StudyView& study, const FrozenTrial& trial) override;
  std::function<bool(const FrozenTrial&)> sampler_filter(const StudyView& study, int number) override;
  std::string name() const override { return "hyperband"; }

  // Empty until the first decision after max_resource is known.
  const std::optional<HyperbandBrackets>& brackets() const { return brackets_; }

 private:
  bool try_initialize(const StudyView& study);

  HyperbandOptions opt_;
  CompleteLastStepMax complete_last_step_;
  std::optional<HyperbandBrackets> brackets_;
  std::vector<RungIndex> rungs_;  // per bracket
};

}  // namespace hpod
