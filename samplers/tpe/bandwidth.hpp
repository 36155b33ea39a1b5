// Kernel bandwidths of the Parzen estimator (spec §4.5.2).
#pragma once

#include <Eigen/Core>
#include <vector>

namespace hpod::tpe {

struct BandwidthRule {
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
};

// Univariate rule of Optuna 4.9: each observation's distance to the farther of its two
// neighbours in [low, s_1, …, s_N, high] (the prior centre does not take part); without
// consider_endpoints the extremes use their inner neighbour only. `mus` in working space,
// `order` = indices of `mus` in stable ascending order. Clipped (see clip_bandwidths).
Eigen::ArrayXd univariate_bandwidths(const Eigen::ArrayXd& mus, const std::vector<int>& order, double low,
                                     double high, const BandwidthRule& rule);

// Multivariate (Scott-type) rule: 0.2 · max(N,1)^(−1/(d+4)) · (high − low) for all N
// observations, d = number of parameters of the estimator. Clipped.
Eigen::ArrayXd multivariate_bandwidths(int n, int d, double low, double high, const BandwidthRule& rule);

// Magic clip: into [R / min(100, N + 2), R], else [1e-12, R]; R = high − low.
void clip_bandwidths(Eigen::ArrayXd& sigmas, double low, double high, bool consider_magic_clip);

// The indices of `mus` in stable ascending order.
std::vector<int> stable_order(const Eigen::ArrayXd& mus);

}  // namespace hpod::tpe
