#include "samplers/gp/gp_fit.hpp"

#include <cmath>
#include <limits>

#include "samplers/gp/cholesky.hpp"
#include "samplers/gp/curvature.hpp"
#include "samplers/gp/fork_join.hpp"
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
    : dim_(X.cols()), deterministic_(deterministic_objective), X_(X), y_(y), categorical_(categorical) {}

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

Eigen::MatrixXd HyperparameterLoss::take_factor() {
  Eigen::MatrixXd L = std::move(C_);
  L.triangularView<Eigen::StrictlyUpper>().setZero();
  last_theta_.resize(0);
  return L;
}

double HyperparameterLoss::operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& gradient) {
  const KernelParams p = params(theta);
  last_theta_.resize(0);
  const Eigen::Index n = X_.rows();
  const double s = p.kernel_scale;

  // Column k below the diagonal: pairs (i > k, k). Columns are independent; the two
  // parts (by cost, ∝ n − k) run in parallel, each with its own scratch.
  C_.resize(n, n);
  dM_.resize(n, n);
  if (static_cast<Eigen::Index>(column_part_.size()) != n)
    column_part_ = balance_two_ways(static_cast<std::size_t>(n), [&](std::size_t k) { return n - static_cast<Eigen::Index>(k); });
  fork_join2([&](int part) {
    Eigen::ArrayXd& scratch = scratch_[part];
    Eigen::ArrayXd& derivative = derivative_[part];
    for (Eigen::Index k = 0; k + 1 < n; ++k) {
      if (column_part_[static_cast<std::size_t>(k)] != part) continue;
      const Eigen::Index below = n - k - 1;
      auto r2 = C_.col(k).tail(below);
      squared_distances(X_.bottomRows(below), X_.row(k).transpose(), categorical_, p.inverse_squared_lengthscales, r2);
      matern52_in_place(r2.array(), scratch, &derivative);
      dM_.col(k).tail(below) = derivative.matrix();
      C_.row(k).tail(below) = r2.transpose();  // M(r²), kept above the diagonal
      r2 *= s;
    }
  });
  C_.diagonal().setConstant(s + p.noise_var);
  if (!cholesky_in_place(C_)) throw NotPositiveDefinite();
  alpha_ = y_;
  cholesky_solve_in_place(C_, alpha_);
  last_theta_ = theta;
  const double mll = -C_.diagonal().array().log().sum() - 0.5 * y_.dot(alpha_);

  // ∂MLL/∂θ = ½·tr(W·∂C/∂θ) with W = α·αᵀ − C⁻¹, symmetric, so each pair counts twice.
  inverse_from_cholesky(C_, inverse_, work_);
  gradient.setZero(size());
  auto g_lambda = gradient.head(dim_);
  // Per part: Σ_{i>k} W_ik·M_ik and the λ sums, added part 0 then part 1.
  double w_kernel_offdiag_part[2] = {0.0, 0.0};
  Eigen::VectorXd g_lambda_part[2] = {Eigen::VectorXd::Zero(dim_), Eigen::VectorXd::Zero(dim_)};
  fork_join2([&](int part) {
    for (Eigen::Index k = 0; k + 1 < n; ++k) {
      if (column_part_[static_cast<std::size_t>(k)] != part) continue;
      const Eigen::Index below = n - k - 1;
      auto w = dM_.col(k).tail(below);
      const Eigen::VectorXd wk = alpha_[k] * alpha_.tail(below) - inverse_.col(k).tail(below);
      w_kernel_offdiag_part[part] += wk.dot(C_.row(k).tail(below).transpose());
      w = wk.cwiseProduct(w);
      // ∂C_ik/∂log λ_d = s·M'(r²_ik)·λ_d·δ_d,ik.
      accumulate_dimension_distances(X_.bottomRows(below), X_.row(k).transpose(), categorical_, w,
                                     g_lambda_part[part]);
    }
  });
  g_lambda = g_lambda_part[0] + g_lambda_part[1];
  const double w_kernel_offdiag = w_kernel_offdiag_part[0] + w_kernel_offdiag_part[1];
  const double trace_w = alpha_.squaredNorm() - inverse_.trace();
  g_lambda.array() *= s * p.inverse_squared_lengthscales.array();
  gradient[dim_] = 0.5 * s * trace_w + s * w_kernel_offdiag;  // ∂C/∂log s = K
  if (!deterministic_) gradient[dim_ + 1] = 0.5 * (p.noise_var - kMinNoiseVar) * trace_w;

  // Prior terms, by log-parameter.
  const Eigen::ArrayXd& lambda = p.inverse_squared_lengthscales.array();
  g_lambda.array() += kLengthscalePrior / lambda - kLengthscalePrior * lambda;
  gradient[dim_] += log_gamma_density_dlog(s, kScaleAlpha, kScaleBeta);
  if (!deterministic_) {
    gradient[dim_ + 1] += (p.noise_var - kMinNoiseVar) / p.noise_var *
                          log_gamma_density_dlog(p.noise_var, kNoiseAlpha, kNoiseBeta);
  }
  gradient = -gradient;
  return -(mll + log_prior(p));
}

namespace {

// One L-BFGS-B run in the coordinates θ = θ0 + c·R·u, u from 0. With a curvature estimate
// R (R·Rᵀ ≈ inverse Hessian), c = |Rᵀ·∇(θ0)| makes LBFGSpp's first step (the normalised
// steepest descent in u, length 1) the quasi-Newton step −R·Rᵀ·∇; without one, R = I and
// c = 1, LBFGSpp's usual unit step in θ. The stopping test is applied in θ, as scipy would.
struct Attempt {
  Eigen::VectorXd theta;
  double loss = std::numeric_limits<double>::infinity();
  int evaluations = 0;
  bool converged = false;
  OptimizationPath path;
};

// Thrown through LBFGSpp to stop it; deliberately not a std::exception, which the
// wrapper would take for a failure.
struct Converged {};

Attempt run_attempt(HyperparameterLoss& loss, const Eigen::VectorXd& theta0, Eigen::MatrixXd R, double gtol) {
  const Eigen::Index n = theta0.size();
  const bool has_curvature = R.rows() == n;
  if (!has_curvature) R = Eigen::MatrixXd::Identity(n, n);
  Attempt a;
  a.theta = theta0;
  Eigen::VectorXd g;
  try {
    a.loss = loss(theta0, g);
  } catch (const NotPositiveDefinite&) {
    return a;
  }
  a.evaluations = 1;
  if (!std::isfinite(a.loss) || !g.allFinite()) return a;
  a.path.add(theta0, g);
  if (g.cwiseAbs().maxCoeff() <= gtol) {
    a.converged = true;
    return a;
  }
  double c = has_curvature ? (R.transpose() * g).norm() : 1.0;
  if (!(c > 0.0) || !std::isfinite(c)) c = 1.0;
  const Eigen::MatrixXd step = c * R;

  Eigen::VectorXd last_g = g;
  bool first = true;
  auto f = [&](const Eigen::VectorXd& u, Eigen::VectorXd& gu) {
    const Eigen::VectorXd theta = theta0 + step * u;
    double value;
    if (first && u.isZero(0.0)) {
      value = a.loss;  // LBFGSpp starts where we already evaluated
    } else {
      value = loss(theta, last_g);
      ++a.evaluations;
      a.path.add(theta, last_g);
    }
    first = false;
    gu = step.transpose() * last_g;
    if (std::isfinite(value) && value <= a.loss) {
      a.loss = value;
      a.theta = theta;
      if (last_g.cwiseAbs().maxCoeff() <= gtol) throw Converged();
    }
    return value;
  };
  LbfgsbOptions options;
  options.pgtol = 0.0;  // the θ-space test above decides
  const Eigen::VectorXd lb = Eigen::VectorXd::Constant(n, -std::numeric_limits<double>::infinity());
  const Eigen::VectorXd ub = Eigen::VectorXd::Constant(n, std::numeric_limits<double>::infinity());
  try {
    LbfgsbResult r = minimize_lbfgsb(f, Eigen::VectorXd::Zero(n), lb, ub, options);
    // A normal return is LBFGSpp's relative-decrease test (or the iteration cap).
    a.converged = !r.aborted && r.iterations < options.max_iterations;
  } catch (const Converged&) {
    a.converged = true;
  }
  return a;
}

}  // namespace

GpFitResult fit_kernel_params(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<bool>& categorical,
                              const GpFitStart& start, bool deterministic_objective, double gtol) {
  HyperparameterLoss loss(X, y, categorical, deterministic_objective);
  GpFitResult out;
  out.params = KernelParams::defaults(X.cols());
  out.loss = std::numeric_limits<double>::infinity();
  const GpFitStart starts[] = {start, {KernelParams::defaults(X.cols()), {}}};
  for (const GpFitStart& from : starts) {
    out.restarted = &from != &starts[0];
    Attempt a = run_attempt(loss, loss.start_theta(from.params), from.curvature, gtol);
    out.evaluations += a.evaluations;
    if (a.loss < out.loss) {
      out.loss = a.loss;
      out.params = loss.params(a.theta);
    }
    if (a.converged) {
      out.converged = true;
      out.loss = a.loss;
      out.params = loss.params(a.theta);
      out.curvature = inverse_hessian_factor(a.path);
      if (out.curvature.size() == 0) out.curvature = from.curvature;
      if (loss.last_theta().size() == a.theta.size() && loss.last_theta() == a.theta) {
        out.alpha = loss.alpha();
        out.factor = loss.take_factor();
      }
      break;
    }
  }
  return out;
}

}  // namespace hpod::gp
