#include "samplers/gp/kernel.hpp"

#include <cmath>

namespace hpod::gp {

double matern52(double r2) {
  double a = std::sqrt(5.0 * r2);
  return std::exp(-a) * (5.0 / 3.0 * r2 + a + 1.0);
}

double matern52_derivative(double r2) {
  double a = std::sqrt(5.0 * r2);
  return -5.0 / 6.0 * (1.0 + a) * std::exp(-a);
}

KernelParams KernelParams::defaults(Eigen::Index dim) {
  KernelParams p;
  p.inverse_squared_lengthscales = Eigen::VectorXd::Ones(dim);
  p.kernel_scale = 1.0;
  p.noise_var = 1.0;
  return p;
}

PairwiseDifferences::PairwiseDifferences(const Eigen::MatrixXd& X, const std::vector<bool>& categorical)
    : n_(X.rows()), table_(n_ * (n_ - 1) / 2, X.cols()) {
  for (Eigen::Index d = 0; d < X.cols(); ++d) {
    auto col = X.col(d);
    double* out = table_.col(d).data();
    const bool cat = categorical[static_cast<std::size_t>(d)];
    for (Eigen::Index k = 0; k < n_; ++k) {
      const double xk = col[k];
      for (Eigen::Index i = k + 1; i < n_; ++i) {
        double diff = col[i] - xk;
        *out++ = cat ? (diff != 0.0 ? 1.0 : 0.0) : diff * diff;
      }
    }
  }
}

void squared_distances(const Eigen::MatrixXd& X, const Eigen::VectorXd& x, const std::vector<bool>& categorical,
                       const Eigen::VectorXd& inverse_squared_lengthscales, Eigen::VectorXd& out) {
  out.setZero(X.rows());
  for (Eigen::Index d = 0; d < X.cols(); ++d) {
    const double lambda = inverse_squared_lengthscales[d];
    if (categorical[static_cast<std::size_t>(d)]) {
      out.array() += lambda * (X.col(d).array() != x[d]).cast<double>();
    } else {
      out.array() += lambda * (X.col(d).array() - x[d]).square();
    }
  }
}

Eigen::MatrixXd kernel_matrix(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B,
                              const std::vector<bool>& categorical, const KernelParams& params) {
  Eigen::MatrixXd r2 = Eigen::MatrixXd::Zero(A.rows(), B.rows());
  for (Eigen::Index d = 0; d < A.cols(); ++d) {
    const double lambda = params.inverse_squared_lengthscales[d];
    const bool cat = categorical[static_cast<std::size_t>(d)];
    for (Eigen::Index j = 0; j < B.rows(); ++j) {
      if (cat) {
        r2.col(j).array() += lambda * (A.col(d).array() != B(j, d)).cast<double>();
      } else {
        r2.col(j).array() += lambda * (A.col(d).array() - B(j, d)).square();
      }
    }
  }
  Eigen::ArrayXXd a = (5.0 * r2.array()).sqrt();
  return (params.kernel_scale * (-a).exp() * (5.0 / 3.0 * r2.array() + a + 1.0)).matrix();
}

Eigen::MatrixXd kernel_matrix(const PairwiseDifferences& diffs, const KernelParams& params) {
  const Eigen::Index n = diffs.points();
  Eigen::VectorXd r2 = diffs.table() * params.inverse_squared_lengthscales;
  Eigen::MatrixXd K(n, n);
  Eigen::Index p = 0;
  for (Eigen::Index k = 0; k < n; ++k) {
    K(k, k) = params.kernel_scale;
    for (Eigen::Index i = k + 1; i < n; ++i, ++p) K(i, k) = K(k, i) = params.kernel_scale * matern52(r2[p]);
  }
  return K;
}

}  // namespace hpod::gp
