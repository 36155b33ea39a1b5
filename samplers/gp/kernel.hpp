// ARD Matérn-5/2 kernel with Hamming distance for categorical dimensions (spec §5.5):
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

  // λ = 1, s = 1, σn² = 1: the fit's fallback start (spec §5.6).
  static KernelParams defaults(Eigen::Index dim);
};

// δ_j for every pair (i > k) of rows of X, one row per pair, pairs ordered column by
// column of the strict lower triangle: (1,0), (2,0), …, (n−1,0), (2,1), …. Fixed while
// the hyper-parameters are fitted, so r² for all pairs is one matrix-vector product.
class PairwiseDifferences {
 public:
  PairwiseDifferences(const Eigen::MatrixXd& X, const std::vector<bool>& categorical);
  Eigen::Index points() const { return n_; }
  const Eigen::MatrixXd& table() const { return table_; }

 private:
  Eigen::Index n_ = 0;
  Eigen::MatrixXd table_;
};

// r² between x and every row of X.
void squared_distances(const Eigen::MatrixXd& X, const Eigen::VectorXd& x, const std::vector<bool>& categorical,
                       const Eigen::VectorXd& inverse_squared_lengthscales, Eigen::VectorXd& out);

// k(A_i, B_j) for all rows of A and B (no noise).
Eigen::MatrixXd kernel_matrix(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B,
                              const std::vector<bool>& categorical, const KernelParams& params);

// k(X_i, X_k) for the rows of one matrix, from its pairwise differences; no noise.
Eigen::MatrixXd kernel_matrix(const PairwiseDifferences& diffs, const KernelParams& params);

}  // namespace hpod::gp
