// Operations on a Cholesky factor L (lower triangular, C = L·Lᵀ) that the fit and the
// posterior share.
#pragma once

#include <Eigen/Core>

namespace hpod::gp {

// Factorises the symmetric matrix held in the lower triangle of `C` in place (the strict
// upper triangle is left alone). false if C is not numerically positive definite.
bool cholesky_in_place(Eigen::MatrixXd& C);

// C⁻¹ = L⁻ᵀ·L⁻¹ from the factor, full symmetric matrix. Costs n³/3 multiply-adds, about
// twice the factorisation, split over two threads; work is scratch space of the same size.
void inverse_from_cholesky(const Eigen::MatrixXd& L, Eigen::MatrixXd& inverse, Eigen::MatrixXd& work);

// Solves C·x = b in place with the factor (two triangular solves).
void cholesky_solve_in_place(const Eigen::MatrixXd& L, Eigen::VectorXd& b);

// Extends the factor of C to the factor of [[C, B], [Bᵀ, D]] block-wise: O(n²·m + m³) for m
// new rows instead of O((n + m)³). false if the extended matrix is not positive definite.
bool extend_cholesky(Eigen::MatrixXd& L, const Eigen::MatrixXd& B, const Eigen::MatrixXd& D);

}  // namespace hpod::gp
