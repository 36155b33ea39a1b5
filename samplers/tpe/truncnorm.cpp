#include "samplers/tpe/truncnorm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <memory>

#include "samplers/tpe/erf_batch.hpp"
#include "samplers/tpe/log1p_batch.hpp"

namespace hpod::tpe::truncnorm {

namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;

// Φ(x) as 0.5 + 0.5·erf(x/√2): what Optuna uses in the central case of log_gauss_mass,
// where both tails are small corrections to 1. Below −8.5 erf(x/√2) is exactly −1 in
// double precision, so the result is exactly 0 without calling erf (most kernels of a
// large estimator sit that far inside the bounds).
double ndtr_central(double x) { return x <= -8.5 ? 0.0 : 0.5 + 0.5 * std::erf(x * kInvSqrt2); }

// log φ(x) for the standard normal density.
double log_phi(double x) { return -0.5 * x * x - kHalfLog2Pi; }

// log Φ(x) for x <= -20: −x²/2 − log(−x) − ½log(2π) + log(Σ_k (−1)^k (2k−1)!!/x^{2k}).
double log_ndtr_asymptotic(double x) {
  const double inv_x2 = 1.0 / (x * x);
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 100; ++k) {
    term *= -(2.0 * k - 1.0) * inv_x2;
    const double next = sum + term;
    const bool converged = std::fabs(next - sum) <= std::numeric_limits<double>::epsilon();
    sum = next;
    if (converged) break;
  }
  return -0.5 * x * x - std::log(-x) - kHalfLog2Pi + std::log(sum);
}

}  // namespace

double ndtr(double x) {
  const double t = x * kInvSqrt2;
  if (t < -kInvSqrt2) return 0.5 * std::erfc(-t);
  if (t < kInvSqrt2) return 0.5 + 0.5 * std::erf(t);
  return 1.0 - 0.5 * std::erfc(t);
}

double log_ndtr(double x) {
  if (x > 6) return -ndtr(-x);  // log(1 − ε) = −ε to double precision
  if (x > -20) return std::log(ndtr(x));
  return log_ndtr_asymptotic(x);
}

double log_gauss_mass_general(double a, double b) {
  if (b <= 0) {
    // Both bounds in the left tail: subtract in log space.
    const double lb = log_ndtr(b), la = log_ndtr(a);
    return lb + std::log1p(-std::exp(la - lb));
  }
  if (a > 0) {
    // Both bounds in the right tail: mirror.
    const double lb = log_ndtr(-a), la = log_ndtr(-b);
    return lb + std::log1p(-std::exp(la - lb));
  }
  // The interval contains 0: the mass is 1 minus two tails.
  return std::log1p(-ndtr_central(a) - ndtr_central(-b));
}

void log_gauss_mass_batch(const double* a, const double* b, double* out, std::size_t n) {
  // The central intervals that need erf (kernels far inside the bounds do not, see
  // log_gauss_mass) are gathered, erf(a/√2) and erf(−b/√2) computed in one batch, and
  // Optuna's central formula applied; the other cases go one by one.
  const std::unique_ptr<std::size_t[]> index(new std::size_t[n]);
  const std::unique_ptr<double[]> t(new double[2 * n]), e(new double[2 * n]);
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] <= -8.5 && b[i] >= 8.5) out[i] = -0.0;
    else if (b[i] <= 0 || a[i] > 0) out[i] = log_gauss_mass_general(a[i], b[i]);
    else index[m++] = i;
  }
  for (std::size_t k = 0; k < m; ++k) {
    t[k] = a[index[k]] * kInvSqrt2;
    t[m + k] = -b[index[k]] * kInvSqrt2;
  }
  erf_batch(t.get(), e.get(), 2 * m);
  for (std::size_t k = 0; k < m; ++k) t[k] = -(0.5 + 0.5 * e[k]) - (0.5 + 0.5 * e[m + k]);
  log1p_batch(t.get(), t.get(), m);
  for (std::size_t k = 0; k < m; ++k) out[index[k]] = t[k];
}

double ndtri_exp(double y) {
  // Near y = 0 (probability near 1) solve for the upper tail instead, then flip.
  const bool flip = y > -0.01;
  const double z = flip ? std::log(-std::expm1(y)) : y;
  double x;
  if (z < -5) {
    x = -std::sqrt(-2.0 * (z + kHalfLog2Pi));  // Gaussian-tail guess
  } else {
    x = -std::numbers::sqrt3 / std::numbers::pi * std::log(std::expm1(-z));  // logistic guess
  }
  for (int i = 0; i < 100; ++i) {
    const double l = log_ndtr(x);
    const double dx = (l - z) * std::exp(l - log_phi(x));
    x -= dx;
    if (!(std::fabs(dx) > 1e-8 * std::fabs(x))) break;  // converged (or NaN: give up)
  }
  return flip ? -x : x;
}

double ndtri_exp_bisection(double y) {
  double lo = -100.0, hi = 100.0, mid = 0.0;
  for (int i = 0; i < 100; ++i) {
    mid = 0.5 * (lo + hi);
    (log_ndtr(mid) < y ? lo : hi) = mid;
  }
  return mid;
}

double logaddexp(double u, double v) {
  const double m = std::max(u, v);
  if (m == -std::numeric_limits<double>::infinity()) return m;
  return m + std::log1p(std::exp(-std::fabs(u - v)));
}

double ppf(double q, double a, double b, bool bisection) {
  if (a == b) return std::numeric_limits<double>::quiet_NaN();
  if (q <= 0) return a;
  if (q >= 1) return b;
  auto inverse = bisection ? ndtri_exp_bisection : ndtri_exp;
  double x;
  if (a < 0) {
    x = inverse(logaddexp(log_ndtr(a), std::log(q) + log_gauss_mass(a, b)));
  } else {
    // Work from the right tail so a high lower bound keeps its precision.
    x = -inverse(logaddexp(log_ndtr(-b), std::log1p(-q) + log_gauss_mass(a, b)));
  }
  return std::clamp(x, a, b);
}

double logpdf(double x, double a, double b, double loc, double scale) {
  if (a == b) return std::numeric_limits<double>::quiet_NaN();
  const double z = (x - loc) / scale;
  if (z < a || z > b) return -std::numeric_limits<double>::infinity();
  return -0.5 * z * z - kHalfLog2Pi - log_gauss_mass(a, b) - std::log(scale);
}

}  // namespace hpod::tpe::truncnorm
