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

void squared_distances(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& x,
                       const std::vector<bool>& categorical, const Eigen::VectorXd& inverse_squared_lengthscales,
                       Eigen::Ref<Eigen::VectorXd> out) {
  out.setZero();
  for (Eigen::Index d = 0; d < X.cols(); ++d) {
    const double lambda = inverse_squared_lengthscales[d];
    if (categorical[static_cast<std::size_t>(d)]) {
      out.array() += lambda * (X.col(d).array() != x[d]).cast<double>();
    } else {
      out.array() += lambda * (X.col(d).array() - x[d]).square();
    }
  }
}

void accumulate_dimension_distances(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                    const Eigen::Ref<const Eigen::VectorXd>& x, const std::vector<bool>& categorical,
                                    const Eigen::Ref<const Eigen::VectorXd>& weights, Eigen::Ref<Eigen::VectorXd> out) {
  for (Eigen::Index d = 0; d < X.cols(); ++d) {
    if (categorical[static_cast<std::size_t>(d)]) {
      out[d] += (weights.array() * (X.col(d).array() != x[d]).cast<double>()).sum();
    } else {
      out[d] += (weights.array() * (X.col(d).array() - x[d]).square()).sum();
    }
  }
}

void matern52_in_place(Eigen::Ref<Eigen::ArrayXd> r2, Eigen::ArrayXd& scratch, Eigen::ArrayXd* derivative) {
  scratch = (5.0 * r2).sqrt();
  if (!derivative) {
    r2 = (-scratch).exp() * (5.0 / 3.0 * r2 + scratch + 1.0);
    return;
  }
  Eigen::ArrayXd& e = *derivative;  // exp(−√(5r²)) first, shared by both
  e = (-scratch).exp();
  r2 = e * (5.0 / 3.0 * r2 + scratch + 1.0);
  e *= -5.0 / 6.0 * (1.0 + scratch);
}

namespace {

template <typename Matrix>
Matrix kernel_matrix_impl(const Eigen::Ref<const Matrix>& A, const Eigen::Ref<const Matrix>& B,
                          const std::vector<bool>& categorical, const KernelParams& params) {
  using Scalar = typename Matrix::Scalar;
  using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
  const Array lambda = params.inverse_squared_lengthscales.cast<Scalar>().array();
  const auto s = static_cast<Scalar>(params.kernel_scale);
  Matrix K(A.rows(), B.rows());
  Array a;
  for (Eigen::Index j = 0; j < B.rows(); ++j) {
    auto r2 = K.col(j).array();
    r2.setZero();
    for (Eigen::Index d = 0; d < A.cols(); ++d) {
      if (categorical[static_cast<std::size_t>(d)]) {
        r2 += lambda[d] * (A.col(d).array() != B(j, d)).template cast<Scalar>();
      } else {
        r2 += lambda[d] * (A.col(d).array() - B(j, d)).square();
      }
    }
    a = (Scalar(5) * r2).sqrt();
    r2 = s * (-a).exp() * (Scalar(5.0 / 3.0) * r2 + a + Scalar(1));
  }
  return K;
}

}  // namespace

Eigen::MatrixXd kernel_matrix(const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::MatrixXd>& B,
                              const std::vector<bool>& categorical, const KernelParams& params) {
  return kernel_matrix_impl<Eigen::MatrixXd>(A, B, categorical, params);
}

Eigen::MatrixXf kernel_matrix_single(const Eigen::Ref<const Eigen::MatrixXf>& A,
                                     const Eigen::Ref<const Eigen::MatrixXf>& B, const std::vector<bool>& categorical,
                                     const KernelParams& params) {
  return kernel_matrix_impl<Eigen::MatrixXf>(A, B, categorical, params);
}

}  // namespace hpod::gp
