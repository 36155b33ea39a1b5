// L-BFGS-B (LBFGSpp's LBFGSBSolver) with the stopping rules of scipy's
// minimize(method="L-BFGS-B") that Optuna relies on, and without exceptions escaping.
//
// LBFGSpp throws when its line search gives up (typically at the optimum, where rounding
// hides further decrease) and then leaves `x` at the last trial point. The wrapper keeps
// the best point evaluated instead, so a failed line search never loses progress; the
// objective may throw too (a failed factorisation), with the same effect.
#pragma once

#include <Eigen/Core>
#include <LBFGSB.h>
#include <exception>
#include <limits>

namespace hpod::gp {

struct LbfgsbOptions {
  int memory = 10;
  double pgtol = 1e-5;                  // max |projected gradient| at convergence
  double ftol = 2.220446049250313e-09;  // relative decrease per iteration (scipy: factr 1e7 × eps)
  int max_iterations = 15000;
  int max_linesearch = 20;
};

struct LbfgsbResult {
  Eigen::VectorXd x;  // best point evaluated
  double f = std::numeric_limits<double>::infinity();
  int iterations = 0;
  int evaluations = 0;
  bool aborted = false;  // the solver or f threw; x is still the best point seen
};

// Minimises f(x, grad) → value over lb ≤ x ≤ ub (infinite bounds allowed) from x0.
template <typename F>
LbfgsbResult minimize_lbfgsb(F& f, const Eigen::VectorXd& x0, const Eigen::VectorXd& lb, const Eigen::VectorXd& ub,
                             const LbfgsbOptions& options) {
  LbfgsbResult best;
  best.x = x0.cwiseMax(lb).cwiseMin(ub);
  Eigen::VectorXd point(x0.size());
  auto tracked = [&](const Eigen::VectorXd& x, Eigen::VectorXd& grad) -> double {
    // The line search may step a rounding error outside the box.
    point = x.cwiseMax(lb).cwiseMin(ub);
    double value = f(point, grad);
    ++best.evaluations;
    if (value < best.f) {
      best.f = value;
      best.x = point;
    }
    return value;
  };

  LBFGSpp::LBFGSBParam<double> param;
  param.m = options.memory;
  param.epsilon = options.pgtol;
  param.epsilon_rel = 0.0;
  param.past = 1;
  param.delta = options.ftol;
  param.max_iterations = options.max_iterations;
  param.max_linesearch = options.max_linesearch;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  Eigen::VectorXd x = best.x;
  double fx = 0.0;
  try {
    best.iterations = solver.minimize(tracked, x, fx, lb, ub);
    // LBFGSpp reports 1 when the start already satisfies the gradient test.
    if (best.evaluations == 1) best.iterations = 0;
  } catch (const std::exception&) {
    best.aborted = true;
  }
  return best;
}

}  // namespace hpod::gp
