#include "pruners/wilcoxon_signed_rank.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace hpod {

namespace {

constexpr std::size_t kMaxExact = 50;

// P(R+ >= r) or P(R+ <= r) under the null, R+ = sum of a uniformly random subset of
// {1..n}: counts of subset sums by dynamic programming, divided by 2^n.
double exact_tail(std::size_t n, double r_plus, WilcoxonAlternative alt) {
  std::size_t max_sum = n * (n + 1) / 2;
  std::vector<double> count(max_sum + 1, 0.0);
  count[0] = 1.0;
  for (std::size_t k = 1; k <= n; ++k)
    for (std::size_t s = k * (k + 1) / 2; s >= k; --s) count[s] += count[s - k];
  auto r = static_cast<std::size_t>(r_plus);  // an integer: no ties, no zeros
  double tail = 0.0;
  if (alt == WilcoxonAlternative::kGreater) {
    for (std::size_t s = r; s <= max_sum; ++s) tail += count[s];
  } else {
    for (std::size_t s = 0; s <= std::min(r, max_sum); ++s) tail += count[s];
  }
  return tail / std::ldexp(1.0, static_cast<int>(n));
}

}  // namespace

double wilcoxon_signed_rank_pvalue(std::span<const double> d, WilcoxonAlternative alt) {
  const std::size_t n = d.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return std::fabs(d[a]) < std::fabs(d[b]); });

  // Average ranks of |d| (ties share the mean of their positions), positive rank sum with
  // the zeros' ranks split half and half, and the tie term of the variance.
  double r_plus = 0.0, tie_term = 0.0;
  bool ties = false, zeros = false;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && std::fabs(d[order[j]]) == std::fabs(d[order[i]])) ++j;
    double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    auto t = static_cast<double>(j - i);
    if (j - i > 1) {
      ties = true;
      tie_term += t * (t * t - 1.0);
    }
    for (std::size_t k = i; k < j; ++k) {
      double v = d[order[k]];
      if (v > 0) r_plus += rank;
      if (v == 0) {
        zeros = true;
        r_plus += rank / 2.0;
      }
    }
    i = j;
  }

  if (n <= kMaxExact && !ties && !zeros) return exact_tail(n, r_plus, alt);

  auto m = static_cast<double>(n);
  double mean = m * (m + 1.0) * 0.25;
  double var = m * (m + 1.0) * (2.0 * m + 1.0) - 0.5 * tie_term;
  double z = (r_plus - mean) / std::sqrt(var / 24.0);
  // Normal survival function / cdf.
  return alt == WilcoxonAlternative::kGreater ? 0.5 * std::erfc(z / std::sqrt(2.0)) : 0.5 * std::erfc(-z / std::sqrt(2.0));
}

}  // namespace hpod
