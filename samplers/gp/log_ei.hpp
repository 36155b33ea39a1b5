// Log expected improvement (optuna/_gp/acqf.py logei (4.9)), stable for very negative z: no −inf,
// no NaN.
#pragma once

namespace hpod::gp {

// Added to the posterior variance before taking its square root (optuna/_gp/acqf.py).
inline constexpr double kStabilizingVariance = 1e-12;

// h(z) = log E[max(0, Z + z)], Z ~ N(0, 1) = log(z·Φ(z) + φ(z)).
double standard_log_ei(double z);
// h'(z) = Φ(z) / (z·Φ(z) + φ(z)); tends to −z for z → −∞.
double standard_log_ei_derivative(double z);

// log EI of a Gaussian posterior N(mean, var) over the threshold f0:
// h((mean − f0)/σ) + log σ with σ = √(var + 1e-12).
double log_ei(double mean, double var, double f0);

struct LogEiWithGradient {
  double value = 0.0;
  double d_mean = 0.0;  // ∂/∂mean
  double d_var = 0.0;   // ∂/∂var
};
LogEiWithGradient log_ei_with_gradient(double mean, double var, double f0);

}  // namespace hpod::gp
