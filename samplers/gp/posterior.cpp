#include "samplers/gp/posterior.hpp"

#include <algorithm>

#include "samplers/gp/cholesky.hpp"
#include "samplers/gp/fork_join.hpp"

namespace hpod::gp {

Result<GpPosterior> GpPosterior::build(Eigen::MatrixXd X, Eigen::VectorXd y, std::vector<bool> categorical,
                                       KernelParams params) {
  GpPosterior p;
  p.L_ = kernel_matrix(X, X, categorical, params);
  p.L_.diagonal().array() += params.noise_var;
  if (!cholesky_in_place(p.L_)) {
    return Status::FailedPrecondition("GP posterior: kernel matrix of " + std::to_string(X.rows()) +
                                      " points is not positive definite");
  }
  p.L_.triangularView<Eigen::StrictlyUpper>().setZero();
  p.X_ = std::move(X);
  p.y_ = std::move(y);
  p.categorical_ = std::move(categorical);
  p.params_ = std::move(params);
  p.alpha_ = p.y_;
  cholesky_solve_in_place(p.L_, p.alpha_);
  return p;
}

GpPosterior GpPosterior::from_factor(Eigen::MatrixXd X, Eigen::VectorXd y, std::vector<bool> categorical,
                                     KernelParams params, Eigen::MatrixXd L, Eigen::VectorXd alpha) {
  GpPosterior p;
  p.X_ = std::move(X);
  p.y_ = std::move(y);
  p.categorical_ = std::move(categorical);
  p.params_ = std::move(params);
  p.L_ = std::move(L);
  p.alpha_ = std::move(alpha);
  return p;
}

Status GpPosterior::append(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  if (X.rows() == 0) return Status::OK();
  Eigen::MatrixXd B = kernel_matrix(X_, X, categorical_, params_);
  Eigen::MatrixXd D = kernel_matrix(X, X, categorical_, params_);
  D.diagonal().array() += params_.noise_var;
  if (!extend_cholesky(L_, B, D)) {
    return Status::FailedPrecondition("GP posterior: kernel matrix with " + std::to_string(X.rows()) +
                                      " running trials is not positive definite");
  }
  Eigen::MatrixXd Xn(X_.rows() + X.rows(), X_.cols());
  Xn << X_, X;
  Eigen::VectorXd yn(y_.size() + y.size());
  yn << y_, y;
  X_ = std::move(Xn);
  y_ = std::move(yn);
  alpha_ = y_;
  cholesky_solve_in_place(L_, alpha_);
  return Status::OK();
}

GpPosterior::MeanVar GpPosterior::predict(const Eigen::VectorXd& x) const {
  Eigen::VectorXd k(X_.rows());
  Eigen::ArrayXd scratch;
  squared_distances(X_, x, categorical_, params_.inverse_squared_lengthscales, k);
  matern52_in_place(k.array(), scratch);
  k *= params_.kernel_scale;
  MeanVar out;
  out.mean = k.dot(alpha_);
  L_.triangularView<Eigen::Lower>().solveInPlace(k);
  out.var = std::max(0.0, params_.kernel_scale - k.squaredNorm());
  return out;
}

void GpPosterior::predict(const Eigen::MatrixXd& Xs, Eigen::VectorXd& mean, Eigen::VectorXd& var) const {
  // Blocks of rows keep k(Xs, X) and the solve in cache.
  constexpr Eigen::Index kBlock = 64;
  mean.resize(Xs.rows());
  var.resize(Xs.rows());
  for (Eigen::Index start = 0; start < Xs.rows(); start += kBlock) {
    const Eigen::Index b = std::min(kBlock, Xs.rows() - start);
    Eigen::MatrixXd Kt = kernel_matrix(X_, Xs.middleRows(start, b), categorical_, params_);  // n × b
    mean.segment(start, b).noalias() = Kt.transpose() * alpha_;
    L_.triangularView<Eigen::Lower>().solveInPlace(Kt);
    var.segment(start, b) =
        (params_.kernel_scale - Kt.colwise().squaredNorm().transpose().array()).cwiseMax(0.0).matrix();
  }
}

void GpPosterior::screen(const Eigen::MatrixXd& Xs, Eigen::VectorXd& mean, Eigen::VectorXd& var) const {
  if (L_single_.rows() != L_.rows()) {
    X_single_ = X_.cast<float>();
    L_single_ = L_.cast<float>();
    alpha_single_ = alpha_.cast<float>();
  }
  constexpr Eigen::Index kBlock = 128;
  mean.resize(Xs.rows());
  var.resize(Xs.rows());
  const Eigen::MatrixXf Xs_single = Xs.cast<float>();
  // Blocks are independent: the first half of them on one thread, the rest on another.
  const Eigen::Index blocks = (Xs.rows() + kBlock - 1) / kBlock;
  fork_join2([&](int part) {
    const Eigen::Index first = part == 0 ? 0 : blocks / 2, last = part == 0 ? blocks / 2 : blocks;
    for (Eigen::Index block = first; block < last; ++block) {
      const Eigen::Index start = block * kBlock, b = std::min(kBlock, Xs.rows() - start);
      Eigen::MatrixXf Kt = kernel_matrix_single(X_single_, Xs_single.middleRows(start, b), categorical_, params_);
      mean.segment(start, b) = (Kt.transpose() * alpha_single_).cast<double>();
      L_single_.triangularView<Eigen::Lower>().solveInPlace(Kt);
      var.segment(start, b) =
          (params_.kernel_scale - Kt.colwise().squaredNorm().transpose().cast<double>().array()).cwiseMax(0.0).matrix();
    }
  });
}

GpPosterior::MeanVar GpPosterior::predict_with_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& d_mean,
                                                        Eigen::VectorXd& d_var) const {
  const double s = params_.kernel_scale;
  Eigen::VectorXd k(X_.rows());  // r², then k
  Eigen::ArrayXd scratch, dk;    // s·M'(r²)
  squared_distances(X_, x, categorical_, params_.inverse_squared_lengthscales, k);
  matern52_in_place(k.array(), scratch, &dk);
  k *= s;
  dk *= s;
  MeanVar out;
  out.mean = k.dot(alpha_);
  Eigen::VectorXd v = k;
  L_.triangularView<Eigen::Lower>().solveInPlace(v);
  const double raw_var = s - v.squaredNorm();
  out.var = std::max(0.0, raw_var);
  L_.triangularView<Eigen::Lower>().transpose().solveInPlace(v);  // v = C⁻¹·k

  // ∂k_i/∂x_d = s·M'(r²_i)·λ_d·2(x_d − X_id): mean uses Σ α_i ∂k_i, var −2·Σ (C⁻¹k)_i ∂k_i.
  const Eigen::Index dim = X_.cols();
  d_mean.setZero(dim);
  d_var.setZero(dim);
  const Eigen::ArrayXd wm = dk * alpha_.array();
  const Eigen::ArrayXd wv = dk * v.array();
  for (Eigen::Index d = 0; d < dim; ++d) {
    if (categorical_[static_cast<std::size_t>(d)]) continue;
    const double lam2 = 2.0 * params_.inverse_squared_lengthscales[d];
    Eigen::ArrayXd diff = x[d] - X_.col(d).array();
    d_mean[d] = lam2 * (wm * diff).sum();
    d_var[d] = raw_var > 0.0 ? -2.0 * lam2 * (wv * diff).sum() : 0.0;
  }
  return out;
}

}  // namespace hpod::gp
