// Optuna 4.x's WilcoxonPruner (optuna/pruners/_wilcoxon.py): compares the trial with the best
// trial step by step (steps are evaluation instances) with a one-sided signed-rank test.
#pragma once

#include <cstdint>

#include "hpod/pruner.hpp"
#include "pruners/finished_feed.hpp"

namespace hpod {

struct WilcoxonOptions {
  double p_threshold = 0.1;
  std::int64_t n_startup_steps = 2;
};

class WilcoxonPruner final : public Pruner {
 public:
  explicit WilcoxonPruner(WilcoxonOptions options) : opt_(options) {}
  PruneDecision should_prune(const StudyView& study, const FrozenTrial& trial) override;
  std::string name() const override { return "wilcoxon"; }

 private:
  const FrozenTrial* best_trial(const StudyView& study);

  WilcoxonOptions opt_;
  FinishedFeed feed_;
  int best_number_ = -1;
};

}  // namespace hpod
