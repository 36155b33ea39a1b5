// Brent's derivative-free 1-D minimisation (golden-section steps, parabolic interpolation
// when it is safe), used for discrete dimensions with many grid points
// (optuna/_gp/optim_mixed.py _discrete_line_search (4.9), scipy's minimize_scalar "brent").
#pragma once

#include <functional>

namespace hpod::gp {

// A minimiser of f on [a, b], starting from x0 ∈ [a, b]; stops when the point is known to
// within xtol (absolute) or after max_evaluations.
double brent_minimize(const std::function<double(double)>& f, double a, double b, double x0, double xtol,
                      int max_evaluations = 100);

}  // namespace hpod::gp
