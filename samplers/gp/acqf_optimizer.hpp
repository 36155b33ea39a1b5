// Maximisation of the acquisition over the encoded search space (optuna/_gp/optim_mixed.py
// optimize_acqf_mixed (4.9)): a sweep of quasi-random points, then local searches from the
// best of them, from further sweep points drawn by roulette on exp(acq − best), and from warm
// starts.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "hpod/rng.hpp"
#include "samplers/gp/acquisition.hpp"
#include "samplers/gp/local_search.hpp"
#include "samplers/gp/search_space_encoding.hpp"

namespace hpod::gp {

struct AcqfOptimizerOptions {
  Eigen::Index preliminary_samples = 2048;
  int local_searches = 10;  // including the sweep's best and the warm starts
  LocalSearchOptions local;
};

// Sweep points: shifted Sobol, discrete coordinates rounded to their grids.
Eigen::MatrixXd preliminary_points(const GpSearchSpace& space, Eigen::Index n, NumpyRandom& rng);

// `m` distinct indices drawn without replacement with probabilities ∝ weights (zero
// weights never drawn; m must not exceed their count).
std::vector<Eigen::Index> sample_without_replacement(const Eigen::VectorXd& weights, int m, NumpyRandom& rng);

AcquisitionPoint optimize_acquisition(const Acquisition& acq, const GpSearchSpace& space,
                                      const std::vector<Eigen::VectorXd>& warm_starts, NumpyRandom& rng,
                                      const AcqfOptimizerOptions& options = {});

}  // namespace hpod::gp
