// Maximum a posteriori fit of the kernel hyper-parameters (spec §5.6): L-BFGS-B on
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

// The fit's objective over θ. Evaluating it factorises K + σn² I (the only cubic cost,
// with the inverse derived from the factor for the gradient); everything else is O(n²·d).
class HyperparameterLoss {
 public:
  HyperparameterLoss(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<bool>& categorical,
                     bool deterministic_objective);

  // Throws NotPositiveDefinite when the factorisation fails.
  double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& gradient);

  Eigen::Index size() const { return dim_ + (deterministic_ ? 1 : 2); }
  KernelParams params(const Eigen::VectorXd& theta) const;
  // θ of a start point. The noise entry is log(σn² − 0.99e-6), not the exact inverse, so a
  // previous fit at the 1e-6 floor stays finite.
  Eigen::VectorXd start_theta(const KernelParams& p) const;

 private:
  Eigen::Index dim_;
  bool deterministic_;
  PairwiseDifferences diffs_;
  Eigen::VectorXd y_;
  // Work space reused across evaluations.
  Eigen::VectorXd r2_, m_, dm_, pair_weights_, alpha_;
  Eigen::MatrixXd C_, inverse_;
};

struct NotPositiveDefinite : std::exception {
  const char* what() const noexcept override { return "kernel matrix is not positive definite"; }
};

struct GpFitResult {
  KernelParams params;
  double loss = 0.0;
  int evaluations = 0;
  // false when neither the start point nor the all-ones point gave a converged fit; params
  // are then the lowest-loss point either attempt reached.
  bool converged = false;
};

// Fits from `start` (the previous fit, or KernelParams::defaults); if that attempt fails,
// retries from all-ones. gtol bounds the projected gradient of the loss at convergence.
GpFitResult fit_kernel_params(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<bool>& categorical,
                              const KernelParams& start, bool deterministic_objective, double gtol = 1e-2);

}  // namespace hpod::gp
