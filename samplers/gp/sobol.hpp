// Quasi-random points in the unit cube for the acquisition's preliminary sweep
// (optuna/_gp/search_space.py sample_normalized_params (4.9)). Optuna uses scipy's Owen-scrambled
// Sobol; here Boost's Sobol sequence with a random digital shift (each coordinate's 32 bits XOR a
// per-dimension random word): the shifted points are still a (t, m, s)-net, and the shift comes
// from the sampler's generator, so a seeded study repeats.
#pragma once

#include <Eigen/Core>

#include "hpod/rng.hpp"

namespace hpod::gp {

// n × dim points in [0, 1). Falls back to plain uniform draws beyond Boost's table of
// direction numbers (thousands of dimensions).
Eigen::MatrixXd shifted_sobol_points(Eigen::Index n, Eigen::Index dim, NumpyRandom& rng);

}  // namespace hpod::gp
