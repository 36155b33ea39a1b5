#include "samplers/tpe/bandwidth.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hpod::tpe {

void clip_bandwidths(Eigen::ArrayXd& sigmas, double low, double high, bool consider_magic_clip) {
  const double range = high - low;
  const double n = static_cast<double>(sigmas.size());
  const double floor = consider_magic_clip ? range / std::min(100.0, n + 2.0) : 1e-12;
  sigmas = sigmas.max(floor).min(range);
}

namespace {

// Optuna 4.9: neighbours among the observations only.
void observation_gaps(const Eigen::ArrayXd& mus, const std::vector<int>& order, double low, double high,
                      bool consider_endpoints, Eigen::ArrayXd& sigmas) {
  const int n = static_cast<int>(mus.size());
  if (n == 1) {
    sigmas[0] = std::max(mus[0] - low, high - mus[0]);
    return;
  }
  for (int r = 0; r < n; ++r) {
    const double prev = r == 0 ? low : mus[order[r - 1]];
    const double next = r == n - 1 ? high : mus[order[r + 1]];
    const double s = mus[order[r]];
    sigmas[order[r]] = std::max(s - prev, next - s);
  }
  if (!consider_endpoints && n > 1) {
    sigmas[order[0]] = mus[order[1]] - mus[order[0]];
    sigmas[order[n - 1]] = mus[order[n - 1]] - mus[order[n - 2]];
  }
}

}  // namespace

Eigen::ArrayXd univariate_bandwidths(const Eigen::ArrayXd& mus, const std::vector<int>& order, double low,
                                     double high, const BandwidthRule& rule, double prior_mu) {
  const int n = static_cast<int>(mus.size());
  Eigen::ArrayXd sigmas(n);
  if (!rule.prior_among_neighbours) {
    observation_gaps(mus, order, low, high, rule.consider_endpoints, sigmas);
    clip_bandwidths(sigmas, low, high, rule.consider_magic_clip);
    return sigmas;
  }
  // Optuna 3.1: the centres in ascending order, with the prior's merged in when it takes part.
  std::vector<double> sorted;
  std::vector<int> owner;  // observation index, −1 for the prior
  sorted.reserve(order.size() + 1);
  owner.reserve(order.size() + 1);
  bool prior_placed = !rule.prior_among_neighbours;
  for (int i : order) {
    if (!prior_placed && mus[i] > prior_mu) {  // after observations equal to it
      sorted.push_back(prior_mu);
      owner.push_back(-1);
      prior_placed = true;
    }
    sorted.push_back(mus[i]);
    owner.push_back(i);
  }
  if (!prior_placed) {
    sorted.push_back(prior_mu);
    owner.push_back(-1);
  }
  const int m = static_cast<int>(sorted.size());
  if (m == 1) {
    if (n == 1) sigmas[0] = std::max(mus[0] - low, high - mus[0]);
  } else if (m > 1) {
    for (int r = 0; r < m; ++r) {
      const double prev = r == 0 ? low : sorted[static_cast<std::size_t>(r - 1)];
      const double next = r == m - 1 ? high : sorted[static_cast<std::size_t>(r + 1)];
      const double s = sorted[static_cast<std::size_t>(r)];
      if (owner[static_cast<std::size_t>(r)] >= 0) sigmas[owner[static_cast<std::size_t>(r)]] = std::max(s - prev, next - s);
    }
    if (!rule.consider_endpoints) {
      if (owner[0] >= 0) sigmas[owner[0]] = sorted[1] - sorted[0];
      if (owner[static_cast<std::size_t>(m - 1)] >= 0)
        sigmas[owner[static_cast<std::size_t>(m - 1)]] = sorted[static_cast<std::size_t>(m - 1)] - sorted[static_cast<std::size_t>(m - 2)];
    }
  }
  clip_bandwidths(sigmas, low, high, rule.consider_magic_clip);
  return sigmas;
}

Eigen::ArrayXd multivariate_bandwidths(int n, int d, double low, double high, const BandwidthRule& rule) {
  const double s = 0.2 * std::pow(static_cast<double>(std::max(n, 1)), -1.0 / (d + 4)) * (high - low);
  Eigen::ArrayXd sigmas = Eigen::ArrayXd::Constant(n, s);
  clip_bandwidths(sigmas, low, high, rule.consider_magic_clip);
  return sigmas;
}

std::vector<int> stable_order(const Eigen::ArrayXd& mus) {
  std::vector<int> order(static_cast<std::size_t>(mus.size()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return mus[a] < mus[b]; });
  return order;
}

}  // namespace hpod::tpe
