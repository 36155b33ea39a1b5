// Kernel bandwidths of the Parzen estimator (optuna/samplers/_tpe/parzen_estimator.py (4.9),
// _calculate_numerical_distributions).
#pragma once

#include <Eigen/Core>
#include <vector>

namespace hpod::tpe {

struct BandwidthRule {
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
  // Optuna 3.1: the prior centre (low + high)/2 takes part in the neighbour list (placed
  // after observations equal to it).
  bool prior_among_neighbours = false;
};

// Univariate rule of Optuna 4.9: each observation's distance to the farther of its two
// neighbours in [low, s_1, …, s_N, high] (the prior centre does not take part); without
// consider_endpoints the extremes use their inner neighbour only. `mus` in working space,
// `order` = indices of `mus` in stable ascending order. Clipped (see clip_bandwidths).
// `prior_mu`: the prior centre, used with rule.prior_among_neighbours.
Eigen::ArrayXd univariate_bandwidths(const Eigen::ArrayXd& mus, const std::vector<int>& order, double low,
                                     double high, const BandwidthRule& rule, double prior_mu = 0.0);

// Multivariate (Scott-type) rule: 0.2 · max(N,1)^(−1/(d+4)) · (high − low) for all N
// observations, d = number of parameters of the estimator. Clipped.
Eigen::ArrayXd multivariate_bandwidths(int n, int d, double low, double high, const BandwidthRule& rule);

// Magic clip: into [R / min(100, N + 2), R], else [1e-12, R]; R = high − low.
void clip_bandwidths(Eigen::ArrayXd& sigmas, double low, double high, bool consider_magic_clip);

// The indices of `mus` in stable ascending order.
std::vector<int> stable_order(const Eigen::ArrayXd& mus);

}  // namespace hpod::tpe
