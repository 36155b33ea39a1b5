#include "samplers/gp/erfcx.hpp"

#include <cmath>
#include <limits>
#include <numbers>

namespace hpod::gp {

namespace {

// Where the continued fraction takes over from exp(x²)·erfc(x). Below it the direct
// product is accurate (x² < 9 loses at most ~1e-15 to the rounding of x²); above it the
// fraction converges in the fixed number of terms below (checked against 1000-digit
// references in gp_erfcx_test.cpp).
constexpr double kContinuedFractionFrom = 3.0;
constexpr int kContinuedFractionTerms = 60;

// exp(x²) with x² split into its rounded value and the rounding error (an FMA), so large
// arguments keep full relative accuracy.
double exp_x_squared(double x) {
  double hi = x * x;
  double lo = std::fma(x, x, -hi);
  return std::exp(hi) * (1.0 + lo);
}

// Laplace's continued fraction erfc(x) = exp(−x²)/√π · 1/(x + T(x)) with
//   T(x) = (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))),
// evaluated from the tail backwards. Every partial numerator k/2 is positive, so there
// is no cancellation for x > 0.
double laplace_tail(double x) {
  double t = 0.0;
  for (int k = kContinuedFractionTerms; k >= 1; --k) t = (0.5 * k) / (x + t);
  return t;
}

}  // namespace

double erfcx(double x) {
  if (std::isnan(x)) return x;
  if (x < 0) {
    // erfc(−|x|) = 2 − erfc(|x|); exp(x²) overflows to +inf below ≈ −26.6, as erfcx does.
    return 2.0 * exp_x_squared(x) - erfcx(-x);
  }
  if (x < kContinuedFractionFrom) return exp_x_squared(x) * std::erfc(x);
  if (std::isinf(x)) return 0.0;
  return std::numbers::inv_sqrtpi / (x + laplace_tail(x));
}

double one_minus_sqrt_pi_x_erfcx(double x) {
  if (x < kContinuedFractionFrom) return 1.0 - std::sqrt(std::numbers::pi) * x * erfcx(x);
  if (std::isinf(x)) return 0.0;
  // √π·x·erfcx(x) = x/(x + T), so 1 − it = T/(x + T).
  double t = laplace_tail(x);
  return t / (x + t);
}

}  // namespace hpod::gp
