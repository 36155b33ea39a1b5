// The space a numeric parameter's kernels live in (spec §4.5.2): log space for log
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
  double low = 0, high = 0;      // the distribution's bounds (internal values)
  double step = 0;               // grid step q of kDiscrete
  double low_w = 0, high_w = 0;  // working bounds

  // An internal value in working space.
  double to_working(double internal) const { return log ? std::log(internal) : internal; }
  // A working-space sample back to a valid internal value (exp, snapped to the grid,
  // clipped to [low, high]).
  double from_working(double w) const;
};

// Precondition: d is a Float or Int distribution.
NumericSpace numeric_space(const Distribution& d);

}  // namespace hpod::tpe
