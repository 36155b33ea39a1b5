#include "samplers/gp/gp_fit.hpp"

#include <cmath>
#include <limits>

#include "samplers/gp/cholesky.hpp"
#include "samplers/gp/lbfgsb.hpp"

namespace hpod::gp {

namespace {

// Γ(x; α, β) = (α − 1)·log x − β·x and its derivative with respect to log x.
double log_gamma_density(double x, double alpha, double beta) { return (alpha - 1.0) * std::log(x) - beta * x; }
double log_gamma_density_dlog(double x, double alpha, double beta) { return (alpha - 1.0) - beta * x; }

constexpr double kScaleAlpha = 2.0, kScaleBeta = 1.0;
constexpr double kNoiseAlpha = 1.1, kNoiseBeta = 30.0;
constexpr double kLengthscalePrior = 0.1;

}  // namespace

double log_prior(const KernelParams& p) {
  const Eigen::ArrayXd& lambda = p.inverse_squared_lengthscales.array();
  return -(kLengthscalePrior / lambda + kLengthscalePrior * lambda).sum() +
         log_gamma_density(p.kernel_scale, kScaleAlpha, kScaleBeta) +
         log_gamma_density(p.noise_var, kNoiseAlpha, kNoiseBeta);
}

double marginal_log_likelihood(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<bool>& categorical,
                               const KernelParams& p) {
  Eigen::MatrixXd C = kernel_matrix(X, X, categorical, p);
  C.diagonal().array() += p.noise_var;
  if (!cholesky_in_place(C)) return std::numeric_limits<double>::quiet_NaN();
  Eigen::VectorXd v = y;
  C.triangularView<Eigen::Lower>().solveInPlace(v);
  return -C.diagonal().array().log().sum() - 0.5 * v.squaredNorm();
}

HyperparameterLoss::HyperparameterLoss(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                       const std::vector<bool>& categorical, bool deterministic_objective)
    : dim_(X.cols()), deterministic_(deterministic_objective), diffs_(X, categorical), y_(y) {}

KernelParams HyperparameterLoss::params(const Eigen::VectorXd& theta) const {
  KernelParams p;
  p.inverse_squared_lengthscales = theta.head(dim_).array().exp();
  p.kernel_scale = std::exp(theta[dim_]);
  p.noise_var = deterministic_ ? kMinNoiseVar : std::exp(theta[dim_ + 1]) + kMinNoiseVar;
  return p;
}

Eigen::VectorXd HyperparameterLoss::start_theta(const KernelParams& p) const {
  Eigen::VectorXd theta(size());
  theta.head(dim_) = p.inverse_squared_lengthscales.array().log();
  theta[dim_] = std::log(p.kernel_scale);
  if (!deterministic_) theta[dim_ + 1] = std::log(p.noise_var - 0.99 * kMinNoiseVar);
  return theta;
}

double HyperparameterLoss::operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& gradient) {
  const KernelParams p = params(theta);
  const Eigen::Index n = diffs_.points();
  const double s = p.kernel_scale;

  r2_.noalias() = diffs_.table() * p.inverse_squared_lengthscales;
  {
    Eigen::ArrayXd a = (5.0 * r2_.array()).sqrt();
    Eigen::ArrayXd e = (-a).exp();
    m_ = (e * (5.0 / 3.0 * r2_.array() + a + 1.0)).matrix();
    dm_ = (-5.0 / 6.0 * (1.0 + a) * e).matrix();
  }
  C_.resize(n, n);
  for (Eigen::Index k = 0, q = 0; k < n; ++k) {
    C_(k, k) = s + p.noise_var;
    for (Eigen::Index i = k + 1; i < n; ++i, ++q) C_(i, k) = s * m_[q];
  }
  if (!cholesky_in_place(C_)) throw NotPositiveDefinite();
  alpha_ = y_;
  cholesky_solve_in_place(C_, alpha_);
  const double mll = -C_.diagonal().array().log().sum() - 0.5 * y_.dot(alpha_);

  // ∂MLL/∂θ = ½·tr(W·∂C/∂θ) with W = α·αᵀ − C⁻¹.
  Eigen::MatrixXd work;
  inverse_from_cholesky(C_, inverse_, work);
  pair_weights_.resize(m_.size());
  double w_kernel_offdiag = 0.0;  // Σ_{i>k} W_ik·M_ik
  for (Eigen::Index k = 0, q = 0; k < n; ++k) {
    for (Eigen::Index i = k + 1; i < n; ++i, ++q) {
      const double w = alpha_[i] * alpha_[k] - inverse_(i, k);
      pair_weights_[q] = w * dm_[q];
      w_kernel_offdiag += w * m_[q];
    }
  }
  const double trace_w = alpha_.squaredNorm() - inverse_.trace();

  gradient.resize(size());
  // ∂C_ik/∂log λ_d = s·M'(r²_ik)·λ_d·δ_d,ik (zero on the diagonal); pairs counted once
  // each, which cancels the ½.
  gradient.head(dim_).noalias() = diffs_.table().transpose() * pair_weights_;
  gradient.head(dim_).array() *= s * p.inverse_squared_lengthscales.array();
  gradient[dim_] = 0.5 * s * trace_w + s * w_kernel_offdiag;  // ∂C/∂log s = K
  if (!deterministic_) gradient[dim_ + 1] = 0.5 * (p.noise_var - kMinNoiseVar) * trace_w;

  // Prior terms, by log-parameter.
  const Eigen::ArrayXd& lambda = p.inverse_squared_lengthscales.array();
  gradient.head(dim_).array() += kLengthscalePrior / lambda - kLengthscalePrior * lambda;
  gradient[dim_] += log_gamma_density_dlog(s, kScaleAlpha, kScaleBeta);
  if (!deterministic_) {
    gradient[dim_ + 1] += (p.noise_var - kMinNoiseVar) / p.noise_var *
                          log_gamma_density_dlog(p.noise_var, kNoiseAlpha, kNoiseBeta);
  }
  gradient = -gradient;
  return -(mll + log_prior(p));
}

GpFitResult fit_kernel_params(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<bool>& categorical,
                              const KernelParams& start, bool deterministic_objective, double gtol) {
  HyperparameterLoss loss(X, y, categorical, deterministic_objective);
  const Eigen::Index size = loss.size();
  const Eigen::VectorXd lb = Eigen::VectorXd::Constant(size, -std::numeric_limits<double>::infinity());
  const Eigen::VectorXd ub = Eigen::VectorXd::Constant(size, std::numeric_limits<double>::infinity());
  LbfgsbOptions options;
  options.pgtol = gtol;

  GpFitResult out;
  out.params = KernelParams::defaults(X.cols());
  out.loss = std::numeric_limits<double>::infinity();
  const KernelParams starts[] = {start, KernelParams::defaults(X.cols())};
  for (const KernelParams& from : starts) {
    LbfgsbResult r = minimize_lbfgsb(loss, loss.start_theta(from), lb, ub, options);
    out.evaluations += r.evaluations;
    // LBFGSpp gives up on a line search when rounding hides any further decrease; at a
    // point that meets the gradient test that is convergence, not failure.
    const bool converged = std::isfinite(r.f) &&
                           (!r.aborted || projected_gradient_norm(r.x, r.gradient, lb, ub) <= gtol);
    if (std::isfinite(r.f) && r.f < out.loss) {
      out.loss = r.f;
      out.params = loss.params(r.x);
    }
    if (converged) {
      out.converged = true;
      out.loss = r.f;
      out.params = loss.params(r.x);
      break;
    }
  }
  return out;
}

}  // namespace hpod::gp
