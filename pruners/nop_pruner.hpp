// Optuna's NopPruner: never prunes.
#pragma once

#include "hpod/pruner.hpp"

namespace hpod {

class NopPruner final : public Pruner {
 public:
  PruneDecision should_prune(const StudyView&, const FrozenTrial&) override { return {}; }
  std::string name() const override { return "nop"; }
};

}  // namespace hpod
