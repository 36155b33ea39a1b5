// Standard-normal and truncated-normal numerics of Optuna 4.x's TPE
// (optuna/samplers/_tpe/_truncnorm.py, _erf.py (4.9)), accurate
// in the far tails: the Parzen kernels of a converged study sit many bandwidths away from
// the bounds, where log(Φ) must not underflow.
//
// All bounds (a, b) and points are in standard units unless a loc/scale is given.
#pragma once

#include <cstddef>

namespace hpod::tpe::truncnorm {

// Φ(x), piecewise through erf/erfc so that neither tail loses precision.
double ndtr(double x);
// log Φ(x); an asymptotic series below -20.
double log_ndtr(double x);
// log(Φ(b) − Φ(a)) for a <= b.
double log_gauss_mass_general(double a, double b);
// Inline fast path: both tails beyond 8.5 are exactly 0 in double precision (erf
// saturates), and log1p(−0) = −0 — the case of most kernels of a large estimator.
inline double log_gauss_mass(double a, double b) {
  if (a <= -8.5 && b >= 8.5) return -0.0;
  return log_gauss_mass_general(a, b);
}
// log_gauss_mass for many intervals: the central case (a <= 0 <= b) through erf_batch
// (within 2e-16 of erf), the others as above.
void log_gauss_mass_batch(const double* a, const double* b, double* out, std::size_t n);
// x with log Φ(x) = y (y <= 0), Newton iterations as Optuna 4.5+.
double ndtri_exp(double y);
// The same by Optuna 3.1's bisection: 100 halvings of [−100, 100], the last midpoint.
double ndtri_exp_bisection(double y);
// Inverse CDF of the standard normal truncated to [a, b] at probability q ∈ [0, 1];
// the result is clipped into [a, b]. NaN if a == b. `bisection`: Optuna 3.1's ndtri_exp.
double ppf(double q, double a, double b, bool bisection = false);
// Log density at x (original units) of N(loc, scale) truncated to [a, b] (standard units),
// including the −log(scale) term (Optuna ≥ 3.5). −inf outside [a, b], NaN if a == b.
double logpdf(double x, double a, double b, double loc, double scale);

// log(exp(u) + exp(v)) without overflow; −inf if both are −inf.
double logaddexp(double u, double v);

inline constexpr double kHalfLog2Pi = 0.91893853320467274178;  // ½·log(2π)

}  // namespace hpod::tpe::truncnorm
