// Optuna's PatientPruner (optuna/pruners/_patient.py (4.9)): acts only once the trial has not
// improved for `patience` steps; then defers to the wrapped pruner, or prunes when there is none.
#pragma once

#include <cstdint>
#include <memory>

#include "hpod/pruner.hpp"

namespace hpod {

struct PatientOptions {
  std::int64_t patience = 0;
  double min_delta = 0.0;
};

class PatientPruner final : public Pruner {
 public:
  // `wrapped` may be null.
  PatientPruner(std::unique_ptr<Pruner> wrapped, PatientOptions options)
      : wrapped_(std::move(wrapped)), opt_(options) {}
  PruneDecision should_prune(const StudyView& study, const FrozenTrial& trial) override;
  std::string name() const override { return wrapped_ ? "patient(" + wrapped_->name() + ")" : "patient"; }

 private:
  std::unique_ptr<Pruner> wrapped_;
  PatientOptions opt_;
};

}  // namespace hpod
