// Order statistics and the Mann–Whitney U test for the sampler benchmark.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace hpod::bench {

// Linear interpolation between order statistics (numpy's default percentile).
inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

inline double median(const std::vector<double>& v) { return quantile(v, 0.5); }

struct MannWhitney {
  double u = 0;  // U of the first sample
  double p = 1;  // two-sided p-value
};

// Two-sided Mann–Whitney U test, normal approximation with tie and continuity
// corrections (scipy's mannwhitneyu(method="asymptotic")).
inline MannWhitney mann_whitney(const std::vector<double>& a, const std::vector<double>& b) {
  const double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
  std::vector<std::pair<double, int>> all;
  for (double v : a) all.push_back({v, 0});
  for (double v : b) all.push_back({v, 1});
  std::sort(all.begin(), all.end());
  const double n = n1 + n2;
  double rank_sum_a = 0, tie_term = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double mid_rank = (static_cast<double>(i + j) + 1) / 2;  // ranks i+1 … j
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    for (std::size_t k = i; k < j; ++k)
      if (all[k].second == 0) rank_sum_a += mid_rank;
    i = j;
  }
  MannWhitney r;
  r.u = rank_sum_a - n1 * (n1 + 1) / 2;
  const double mu = n1 * n2 / 2;
  const double sigma = std::sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))));
  if (sigma == 0) return r;
  const double z = (std::abs(r.u - mu) - 0.5) / sigma;
  r.p = std::min(1.0, std::erfc(std::max(z, 0.0) / std::sqrt(2.0)));
  return r;
}

}  // namespace hpod::bench
