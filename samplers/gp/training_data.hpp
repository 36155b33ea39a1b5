// What the GP learns from (optuna/samplers/_gp/sampler.py (4.9)): the encoded points of COMPLETE
// trials with their standardized objective values, and the planned points of RUNNING trials.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "hpod/study_view.hpp"
#include "samplers/gp/search_space_encoding.hpp"

namespace hpod::gp {

// Values of one objective, negated for MINIMIZE (the GP maximises), non-finite values
// clipped to the finite min/max (0 if none), then (v − mean)/max(std, 1e-10) with the
// population standard deviation.
Eigen::VectorXd standardize_objective(const std::vector<double>& values, StudyDirection direction);

struct GpTrainingData {
  Eigen::MatrixXd X;          // COMPLETE trials in number order
  Eigen::VectorXd y;          // standardized
  Eigen::MatrixXd X_running;  // RUNNING trials whose planned values cover the space
};

// COMPLETE trials must all have the space's parameters (it is their intersection).
// `current` (the trial being planned) is never among the running ones.
GpTrainingData collect_training_data(const StudyView& study, const GpSearchSpace& space, int current);

}  // namespace hpod::gp
