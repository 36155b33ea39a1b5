// ARD Matérn-5/2 kernel with Hamming distance for categorical dimensions
// (optuna/_gp/gp.py (4.9), Matern52Kernel and GPRegressor):
//   k(x, x') = s·M(r²),  r² = Σ_j λ_j·δ_j(x_j, x'_j),
//   δ_j = (x_j − x'_j)² (numeric) or [x_j ≠ x'_j] (categorical),
//   M(r²) = exp(−√(5r²))·(5r²/3 + √(5r²) + 1).
#pragma once

#include <Eigen/Core>
#include <vector>

namespace hpod::gp {

double matern52(double r2);
// dM/d(r²) = −(5/6)(1 + √(5r²))·exp(−√(5r²)), in closed form: differentiating through the
// square root would divide by zero at r² = 0.
double matern52_derivative(double r2);

struct KernelParams {
  Eigen::VectorXd inverse_squared_lengthscales;  // λ_j > 0; lengthscale 1/√λ_j
  double kernel_scale = 1.0;                     // s
  double noise_var = 1.0;                        // σn² ≥ 1e-6

  // λ = 1, s = 1, σn² = 1: the fit's fallback start (optuna/_gp/gp.py fit_kernel_params).
  static KernelParams defaults(Eigen::Index dim);
};

// r² between x and every row of X.
void squared_distances(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& x,
                       const std::vector<bool>& categorical, const Eigen::VectorXd& inverse_squared_lengthscales,
                       Eigen::Ref<Eigen::VectorXd> out);

// Σ_j w_j·δ_j between x and every row of X, accumulated per dimension:
// out_j = Σ_i weights_i·δ_j(X_i, x). The gradient of a sum of kernel terms in λ.
void accumulate_dimension_distances(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                    const Eigen::Ref<const Eigen::VectorXd>& x, const std::vector<bool>& categorical,
                                    const Eigen::Ref<const Eigen::VectorXd>& weights, Eigen::Ref<Eigen::VectorXd> out);

// r² → M(r²) in place, and optionally M'(r²) into `derivative` (same size), vectorised;
// `scratch` holds √(5r²).
void matern52_in_place(Eigen::Ref<Eigen::ArrayXd> r2, Eigen::ArrayXd& scratch, Eigen::ArrayXd* derivative = nullptr);

// k(A_i, B_j) for all rows of A and B (no noise), |A| × |B|, evaluated column by column
// so each column stays in cache from r² to k.
Eigen::MatrixXd kernel_matrix(const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::MatrixXd>& B,
                              const std::vector<bool>& categorical, const KernelParams& params);
// The same in single precision, for screening many candidates (twice the SIMD width).
Eigen::MatrixXf kernel_matrix_single(const Eigen::Ref<const Eigen::MatrixXf>& A,
                                     const Eigen::Ref<const Eigen::MatrixXf>& B, const std::vector<bool>& categorical,
                                     const KernelParams& params);

}  // namespace hpod::gp
