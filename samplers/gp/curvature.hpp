// A quasi-Newton estimate of the fit loss's inverse Hessian, carried from one fit to the
// next. Each ask refits after one more trial, so the previous optimum's curvature is an
// excellent guess: optimising in coordinates θ = θ* + c·R·u (R·Rᵀ ≈ H⁻¹) makes LBFGSpp's
// first unit-length step a Newton step instead of a blind one.
#pragma once

#include <Eigen/Core>
#include <vector>

namespace hpod::gp {

// The points and gradients an optimiser evaluated, in order.
struct OptimizationPath {
  std::vector<Eigen::VectorXd> points, gradients;
  void add(const Eigen::VectorXd& x, const Eigen::VectorXd& g) {
    points.push_back(x);
    gradients.push_back(g);
  }
};

// Lower-triangular R with R·Rᵀ = H, the BFGS inverse-Hessian approximation built from
// the secant pairs of consecutive path points (pairs without positive curvature skipped;
// at most the last `memory` used), starting from the usual scaled identity. Empty if the
// path has no usable pair.
Eigen::MatrixXd inverse_hessian_factor(const OptimizationPath& path, int memory = 30);

}  // namespace hpod::gp
