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
                                     double high, const BandwidthRule& rule) {
  const int n = static_cast<int>(mus.size());
  Eigen::ArrayXd sigmas(n);
  if (n == 1) {
    sigmas[0] = std::max(mus[0] - low, high - mus[0]);
  } else if (n > 1) {
    for (int r = 0; r < n; ++r) {
      const double prev = r == 0 ? low : mus[order[r - 1]];
      const double next = r == n - 1 ? high : mus[order[r + 1]];
      const double s = mus[order[r]];
      sigmas[order[r]] = std::max(s - prev, next - s);
    }
    if (!rule.consider_endpoints) {
      sigmas[order[0]] = mus[order[1]] - mus[order[0]];
      sigmas[order[n - 1]] = mus[order[n - 1]] - mus[order[n - 2]];
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
