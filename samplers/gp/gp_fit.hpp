// Maximum a posteriori fit of the kernel hyper-parameters (optuna/_gp/gp.py fit_kernel_params
// and optuna/_gp/prior.py (4.9)): L-BFGS-B on
//   loss(θ) = −(log marginal likelihood + log prior),
//   θ = (log λ_1..d, log s, log(σn² − 1e-6)),
// with analytic gradients. The noise entry is absent when the objective is deterministic
// (σn² is then fixed at 1e-6).
#pragma once

#include <Eigen/Core>
#include <vector>

#include "samplers/gp/kernel.hpp"

namespace hpod::gp {

inline constexpr double kMinNoiseVar = 1e-6;

// Σ_j −(0.1/λ_j + 0.1·λ_j) + Γ(s; 2, 1) + Γ(σn²; 1.1, 30), Γ(x; α, β) = (α − 1)·log x − β·x
// (constants dropped).
double log_prior(const KernelParams& p);

// −Σ log L_ii − ½‖L⁻¹y‖² with L = chol(K + σn² I); the −n/2·log(2π) constant dropped.
// NaN if the matrix is not positive definite.
double marginal_log_likelihood(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<bool>& categorical,
                               const KernelParams& p);

// The fit's objective over θ. Evaluating it factorises K + σn² I and derives C⁻¹ from the
// factor for the gradient (the cubic costs, n³/6 + n³/3 multiply-adds); everything else is
// O(n²·d). Memory: four n × n matrices.
class HyperparameterLoss {
 public:
  HyperparameterLoss(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<bool>& categorical,
                     bool deterministic_objective);

  // Throws NotPositiveDefinite when the factorisation fails.
  double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& gradient);

  Eigen::Index size() const { return dim_ + (deterministic_ ? 1 : 2); }

  // θ of the last evaluation whose factorisation succeeded (empty if none), and its factor
  // L (lower triangle; the rest zeroed by take) and α = C⁻¹y: the posterior at a fitted
  // θ reuses them instead of factorising again.
  const Eigen::VectorXd& last_theta() const { return last_theta_; }
  Eigen::MatrixXd take_factor();
  const Eigen::VectorXd& alpha() const { return alpha_; }
  KernelParams params(const Eigen::VectorXd& theta) const;
  // θ of a start point. The noise entry is log(σn² − 0.99e-6), not the exact inverse, so a
  // previous fit at the 1e-6 floor stays finite.
  Eigen::VectorXd start_theta(const KernelParams& p) const;

 private:
  Eigen::Index dim_;
  bool deterministic_;
  Eigen::MatrixXd X_;
  Eigen::VectorXd y_;
  std::vector<bool> categorical_;
  // Work space reused across evaluations. C_ holds the factor in its lower triangle and
  // M(r²) in its strict upper triangle (the factorisation leaves that alone); dM_ holds
  // M'(r²) below the diagonal, then the gradient weights.
  Eigen::MatrixXd C_, dM_, inverse_, work_;
  Eigen::VectorXd alpha_, last_theta_;
  Eigen::ArrayXd scratch_[2], derivative_[2];  // one per part of the parallel sweep
  std::vector<int> column_part_;               // which part computes kernel column k
};

struct NotPositiveDefinite : std::exception {
  const char* what() const noexcept override { return "kernel matrix is not positive definite"; }
};

// Where a fit starts: the previous fit (or all-ones) and, when known, the factor R of the
// previous fit's inverse-Hessian estimate (see curvature.hpp).
struct GpFitStart {
  GpFitStart(KernelParams p, Eigen::MatrixXd c = {}) : params(std::move(p)), curvature(std::move(c)) {}  // NOLINT
  KernelParams params;
  Eigen::MatrixXd curvature;  // empty: plain coordinates
};

struct GpFitResult {
  KernelParams params;
  double loss = 0.0;
  int evaluations = 0;
  // false when neither the start point nor the all-ones point gave a converged fit; params
  // are then the lowest-loss point either attempt reached.
  bool converged = false;
  bool restarted = false;     // the first attempt failed; the result comes from all-ones
  Eigen::MatrixXd curvature;  // for the next fit's start; empty if none was learned
  // chol(K + σn² I) and α at `params` when the fit's last factorisation was there; else empty.
  Eigen::MatrixXd factor;
  Eigen::VectorXd alpha;
};

// Fits from `start`; if that attempt fails, retries from all-ones. Converged means the
// largest gradient component of the loss in θ is ≤ gtol (scipy's pgtol test, no bounds),
// or LBFGSpp's relative-decrease test (scipy's ftol) stopped it.
GpFitResult fit_kernel_params(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<bool>& categorical,
                              const GpFitStart& start, bool deterministic_objective, double gtol = 1e-2);

}  // namespace hpod::gp
