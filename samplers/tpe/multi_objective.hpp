// Multi-objective TPE (optuna/samplers/_tpe/sampler.py and
// optuna/_hypervolume/hssp.py, Optuna 4.9): the below/above split by Pareto fronts and
// greedy hypervolume subset selection, and the hypervolume-contribution weights of the
// below estimator. Losses are minimised (MAXIMIZE objectives negated).
#pragma once

#include <Eigen/Core>
#include <vector>

#include "hpod/trial.hpp"
#include "samplers/tpe/split.hpp"

namespace hpod::tpe {

// Exact hypervolume dominated by the rows of `points` up to `reference`.
double hypervolume(const Eigen::MatrixXd& points, const Eigen::VectorXd& reference);

// Indices of the non-dominated rows of `losses` among `candidates`, in candidate order.
std::vector<int> pareto_front(const Eigen::MatrixXd& losses, const std::vector<int>& candidates);

// COMPLETE trials are ranked by front; whole fronts go below while they fit, the rest of
// the places come from the next front by greedy hypervolume selection. n_below is capped
// at the number of COMPLETE trials; PRUNED and RUNNING trials are above.
BelowAbove split_multi_objective(const std::vector<const FrozenTrial*>& trials, int n_below,
                                 const std::vector<StudyDirection>& directions);

// Weights of the below observations (rows of `losses`, number order): Pareto-front points
// by their hypervolume contribution relative to the largest, others 1e-12; all 1 if the
// hypervolume is infinite.
std::vector<double> motpe_below_weights(const Eigen::MatrixXd& losses);

// A trial's objective values as losses.
Eigen::VectorXd losses_of(const FrozenTrial& t, const std::vector<StudyDirection>& directions);

}  // namespace hpod::tpe
