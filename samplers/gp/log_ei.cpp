#include "samplers/gp/log_ei.hpp"

#include <cmath>
#include <numbers>

#include "samplers/gp/erfcx.hpp"

namespace hpod::gp {

namespace {

constexpr double kHalfLog2Pi = 0.91893853320467274178;  // ½·log(2π)
constexpr double kSqrtHalfPi = 1.25331413731550025121;  // √(π/2)

// For z < 0 write z·Φ(z) + φ(z) = φ(z)·R(x) with x = −z/√2 and R(x) = 1 − √π·x·erfcx(x):
// log φ(z) is exact arithmetic and R is computed without cancellation, so nothing
// underflows however negative z is (the spec's two-branch formula needs erfc(−z/√2),
// which is 0 below z ≈ −38).
double negative_x(double z) { return -z * std::numbers::sqrt2 / 2.0; }

}  // namespace

double standard_log_ei(double z) {
  if (z >= 0) {
    double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    double pdf = std::exp(-0.5 * z * z - kHalfLog2Pi);
    return std::log(z * cdf + pdf);
  }
  return -0.5 * z * z - kHalfLog2Pi + std::log(one_minus_sqrt_pi_x_erfcx(negative_x(z)));
}

double standard_log_ei_derivative(double z) {
  if (z >= 0) {
    double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    double pdf = std::exp(-0.5 * z * z - kHalfLog2Pi);
    return cdf / (z * cdf + pdf);
  }
  // Φ(z) = φ(z)·√(π/2)·erfcx(x), so h'(z) = √(π/2)·erfcx(x)/R(x): φ(z) cancels.
  double x = negative_x(z);
  return kSqrtHalfPi * erfcx(x) / one_minus_sqrt_pi_x_erfcx(x);
}

double log_ei(double mean, double var, double f0) {
  double sigma = std::sqrt(var + kStabilizingVariance);
  return standard_log_ei((mean - f0) / sigma) + std::log(sigma);
}

LogEiWithGradient log_ei_with_gradient(double mean, double var, double f0) {
  double sigma = std::sqrt(var + kStabilizingVariance);
  double z = (mean - f0) / sigma;
  double dh = standard_log_ei_derivative(z);
  LogEiWithGradient out;
  out.value = standard_log_ei(z) + std::log(sigma);
  out.d_mean = dh / sigma;
  // d/dσ [h(z) + log σ] = (1 − z·h'(z))/σ and dσ/dvar = 1/(2σ).
  out.d_var = (1.0 - z * dh) / (2.0 * sigma * sigma);
  return out;
}

}  // namespace hpod::gp
