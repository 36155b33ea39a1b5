// The GP posterior for fixed hyper-parameters (optuna/_gp/gp.py GPRegressor
// (4.9)), from a Cholesky factor
// computed once and cached with α = C⁻¹y:
//   mean(x) = k(x, X)·α,  var(x) = s − k(x, X)·C⁻¹·k(X, x) (clamped at 0).
// A point costs O(n·d) for k and O(n²) for the variance (triangular solves).
#pragma once

#include <Eigen/Core>
#include <vector>

#include "hpod/status.hpp"
#include "samplers/gp/kernel.hpp"

namespace hpod::gp {

class GpPosterior {
 public:
  // FailedPrecondition if K + σn² I is not numerically positive definite.
  static Result<GpPosterior> build(Eigen::MatrixXd X, Eigen::VectorXd y, std::vector<bool> categorical,
                                   KernelParams params);
  // From a factor L of K(X, X) + σn² I (strict upper triangle zero) and α = C⁻¹y that the
  // caller already has (the fit's last evaluation).
  static GpPosterior from_factor(Eigen::MatrixXd X, Eigen::VectorXd y, std::vector<bool> categorical,
                                 KernelParams params, Eigen::MatrixXd L, Eigen::VectorXd alpha);

  // Appends points with given pseudo-observations (running trials under the constant-liar
  // rule) by extending the factor block-wise; the hyper-parameters stay as fitted.
  Status append(const Eigen::MatrixXd& X, const Eigen::VectorXd& y);

  const KernelParams& params() const { return params_; }
  const std::vector<bool>& categorical() const { return categorical_; }
  Eigen::Index points() const { return X_.rows(); }
  Eigen::Index dim() const { return X_.cols(); }

  struct MeanVar {
    double mean = 0.0;
    double var = 0.0;
  };
  MeanVar predict(const Eigen::VectorXd& x) const;
  // Rows of Xs at once (blocked triangular solve).
  void predict(const Eigen::MatrixXd& Xs, Eigen::VectorXd& mean, Eigen::VectorXd& var) const;

  // Mean and variance with their gradients in x. Categorical coordinates get gradient 0
  // (the kernel is piecewise constant there).
  // predict() for many candidates in single precision (factor and data rounded to float
  // once): ~1e-6 relative, for ranking a quasi-random sweep, twice as fast.
  void screen(const Eigen::MatrixXd& Xs, Eigen::VectorXd& mean, Eigen::VectorXd& var) const;

  MeanVar predict_with_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& d_mean, Eigen::VectorXd& d_var) const;

 private:
  GpPosterior() = default;
  Eigen::MatrixXd X_;
  Eigen::VectorXd y_;
  std::vector<bool> categorical_;
  KernelParams params_;
  Eigen::MatrixXd L_;
  Eigen::VectorXd alpha_;
  // Single-precision copies for screen(), made on first use.
  mutable Eigen::MatrixXf X_single_, L_single_;
  mutable Eigen::VectorXf alpha_single_;
};

}  // namespace hpod::gp
