// The space a numeric parameter's kernels live in (optuna/samplers/_tpe/parzen_estimator.py
// (4.9)): log space for log
// parameters, and bounds widened by half a step for discrete ones, so that a grid value
// owns the interval [x − q/2, x + q/2].
#pragma once

#include <cmath>

#include "hpod/distributions.hpp"

namespace hpod::tpe {

enum class KernelKind {
  kContinuous,    // Float without step (log or not): truncated normal density
  kDiscrete,      // Float with step, Int without log: mass of the grid cell
  kDiscreteLog,   // Int with log (Optuna 4.7+): mass of [log(x − ½), log(x + ½)]
};

struct NumericSpace {
  KernelKind kind = KernelKind::kContinuous;
  bool log = false;
  bool round_to_int = false;     // Optuna 3.1's Int log: continuous kernel, rounded samples
  double low = 0, high = 0;      // the distribution's bounds (internal values)
  double step = 0;               // grid step q of kDiscrete
  double low_w = 0, high_w = 0;  // working bounds

  // The prior kernel's centre, the middle of the working bounds. Written high − R/2: this
  // form gives Optuna's values bit for bit (it matters in 3.1, where a tie between the
  // prior centre and an observation decides bandwidths).
  double prior_mu() const { return high_w - (high_w - low_w) / 2; }
  // An internal value in working space.
  double to_working(double internal) const { return log ? std::log(internal) : internal; }
  // A working-space sample back to a valid internal value (exp, snapped to the grid,
  // clipped to [low, high]).
  double from_working(double w) const;
};

// Precondition: d is a Float or Int distribution. `int_log_continuous`: Optuna ≤ 4.6's
// kernel for Int log (a continuous density in log space, samples rounded).
NumericSpace numeric_space(const Distribution& d, bool int_log_continuous = false);

}  // namespace hpod::tpe
