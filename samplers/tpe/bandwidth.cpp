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

Eigen::ArrayXd univariate_bandwidths(const Eigen::ArrayXd& mus, const std::vector<int>& order, double low,
                                     double high, const BandwidthRule& rule, double prior_mu) {
  const int n = static_cast<int>(mus.size());
  Eigen::ArrayXd sigmas(n);
  // The sorted centres, with the prior's (index −1) merged in when it takes part.
  std::vector<int> with_prior;
  if (rule.prior_among_neighbours) {
    with_prior = order;
    auto at = std::upper_bound(with_prior.begin(), with_prior.end(), prior_mu, [&](double v, int i) { return v < mus[i]; });
    with_prior.insert(at, -1);
  }
  const std::vector<int>& list = rule.prior_among_neighbours ? with_prior : order;
  const int m = static_cast<int>(list.size());
  auto mu = [&](int r) { return list[r] < 0 ? prior_mu : mus[list[r]]; };
  if (m == 1) {
    if (n == 1) sigmas[0] = std::max(mus[0] - low, high - mus[0]);
  } else if (m > 1) {
    for (int r = 0; r < m; ++r) {
      if (list[r] < 0) continue;
      const double prev = r == 0 ? low : mu(r - 1);
      const double next = r == m - 1 ? high : mu(r + 1);
      sigmas[list[r]] = std::max(mu(r) - prev, next - mu(r));
    }
    if (!rule.consider_endpoints) {
      if (list[0] >= 0) sigmas[list[0]] = mu(1) - mu(0);
      if (list[m - 1] >= 0) sigmas[list[m - 1]] = mu(m - 1) - mu(m - 2);
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
