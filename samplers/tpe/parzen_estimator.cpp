#include "samplers/tpe/parzen_estimator.hpp"

#include <cmath>
#include <limits>

#include "samplers/tpe/truncnorm.hpp"

namespace hpod::tpe {

namespace {
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// log Σ exp(v), with an all −inf column giving −inf (not NaN).
double log_sum_exp(const Eigen::Ref<const Eigen::ArrayXd>& v) {
  const double m = v.maxCoeff();
  if (m == kNegInf) return kNegInf;
  return m + std::log((v - m).exp().sum());
}
}  // namespace

ParzenEstimator::ParzenEstimator(const std::vector<Distribution>& space, const ParzenObservations& obs,
                                 const ParzenOptions& opt) {
  const Eigen::Index n = obs.values.rows();
  weights_.resize(n + 1);
  weights_.head(n) = obs.weights.array();
  weights_[n] = opt.prior_weight;
  weights_ /= weights_.sum();
  log_weights_ = weights_.log();

  const int n_dims = static_cast<int>(space.size());
  dims_.reserve(space.size());
  for (int j = 0; j < n_dims; ++j) {
    const Eigen::ArrayXd column = obs.values.col(j).array();
    if (auto* c = std::get_if<CategoricalDistribution>(&space[j])) {
      dims_.emplace_back(categorical_kernels(*c, column, opt.prior_weight));
    } else {
      const std::vector<int>* sorted = obs.sorted_rows.empty() ? nullptr : &obs.sorted_rows[j];
      dims_.emplace_back(numeric_kernels(space[j], column, sorted, n_dims, opt));
    }
  }
}

ParzenEstimator::NumericKernels ParzenEstimator::numeric_kernels(const Distribution& dist, const Eigen::ArrayXd& obs,
                                                                 const std::vector<int>* sorted, int n_dims,
                                                                 const ParzenOptions& opt) {
  NumericKernels k;
  k.space = numeric_space(dist);
  const NumericSpace& s = k.space;
  const Eigen::Index n = obs.size();
  const BandwidthRule rule{opt.consider_magic_clip, opt.consider_endpoints};

  k.mu.resize(n + 1);
  for (Eigen::Index i = 0; i < n; ++i) k.mu[i] = s.to_working(obs[i]);
  k.mu[n] = 0.5 * (s.low_w + s.high_w);
  k.sigma.resize(n + 1);
  if (opt.multivariate) {
    k.sigma.head(n) = multivariate_bandwidths(static_cast<int>(n), n_dims, s.low_w, s.high_w, rule);
  } else {
    const Eigen::ArrayXd mus = k.mu.head(n);
    k.sigma.head(n) = sorted ? univariate_bandwidths(mus, *sorted, s.low_w, s.high_w, rule)
                             : univariate_bandwidths(mus, stable_order(mus), s.low_w, s.high_w, rule);
  }
  k.sigma[n] = s.high_w - s.low_w;
  k.inv_sigma = k.sigma.inverse();

  k.log_norm.resize(n + 1);
  const bool continuous = s.kind == KernelKind::kContinuous;
  for (Eigen::Index i = 0; i <= n; ++i) {
    const double mass = truncnorm::log_gauss_mass((s.low_w - k.mu[i]) / k.sigma[i], (s.high_w - k.mu[i]) / k.sigma[i]);
    k.log_norm[i] = continuous ? mass + std::log(k.sigma[i]) + truncnorm::kHalfLog2Pi : mass;
  }
  return k;
}

ParzenEstimator::CategoricalKernels ParzenEstimator::categorical_kernels(const CategoricalDistribution& dist,
                                                                         const Eigen::ArrayXd& obs,
                                                                         double prior_weight) {
  CategoricalKernels k;
  const Eigen::Index n = obs.size();
  const int c = static_cast<int>(dist.choices.size());
  k.n_choices = c;
  // Each observation: prior_weight/(N+1) on every choice plus 1 on the observed one,
  // normalised; the prior kernel is uniform.
  Eigen::ArrayXXd p = Eigen::ArrayXXd::Constant(n + 1, c, prior_weight / static_cast<double>(n + 1));
  for (Eigen::Index i = 0; i < n; ++i) p(i, static_cast<Eigen::Index>(obs[i])) += 1.0;
  p.row(n).setConstant(1.0 / c);
  for (Eigen::Index i = 0; i < n; ++i) p.row(i) /= p.row(i).sum();
  k.log_p = p.log();
  k.cumulative = p;
  for (int j = 1; j < c; ++j) k.cumulative.col(j) += k.cumulative.col(j - 1);
  k.cumulative.col(c - 1).setOnes();
  return k;
}

Eigen::MatrixXd ParzenEstimator::sample(NumpyRandom& rng, int n) const {
  const std::vector<double> w(weights_.data(), weights_.data() + weights_.size());
  const std::vector<int> component = rng.choice(w, n);
  Eigen::MatrixXd out(n, n_dims());
  for (int j = 0; j < n_dims(); ++j) {
    auto* c = std::get_if<CategoricalKernels>(&dims_[j]);
    if (!c) continue;
    for (int i = 0; i < n; ++i) {
      const double u = rng.random_sample();
      // The number of cumulative probabilities below u is the chosen index.
      out(i, j) = static_cast<double>((c->cumulative.row(component[i]) < u).count());
    }
  }
  for (int j = 0; j < n_dims(); ++j) {
    auto* k = std::get_if<NumericKernels>(&dims_[j]);
    if (!k) continue;
    const NumericSpace& s = k->space;
    for (int i = 0; i < n; ++i) {
      const double u = rng.random_sample();
      const double mu = k->mu[component[i]], sigma = k->sigma[component[i]];
      const double z = truncnorm::ppf(u, (s.low_w - mu) / sigma, (s.high_w - mu) / sigma);
      out(i, j) = s.from_working(mu + sigma * z);
    }
  }
  return out;
}

void ParzenEstimator::add_numeric_log_pdf(const NumericKernels& k, const Eigen::VectorXd& x, Eigen::ArrayXXd& t) {
  const NumericSpace& s = k.space;
  const Eigen::Index n = x.size();
  if (s.kind == KernelKind::kContinuous) {
    for (Eigen::Index c = 0; c < n; ++c) {
      const double w = s.to_working(x[c]);
      if (!(w >= s.low_w && w <= s.high_w)) {
        t.col(c).setConstant(kNegInf);
        continue;
      }
      t.col(c) -= 0.5 * ((w - k.mu) * k.inv_sigma).square() + k.log_norm;
    }
    return;
  }
  // Discrete: the mass of the candidate's grid cell. Candidates often repeat a grid
  // value, so each distinct value is computed once.
  const Eigen::Index n_kernels = k.mu.size();
  std::vector<char> done(static_cast<std::size_t>(n), 0);
  Eigen::ArrayXd cell(n_kernels);
  for (Eigen::Index c = 0; c < n; ++c) {
    if (done[c]) continue;
    const double v = x[c];
    if (!(v >= s.low && v <= s.high)) {
      cell.setConstant(kNegInf);
    } else {
      const double lo = s.kind == KernelKind::kDiscreteLog ? std::log(v - 0.5) : v - s.step / 2;
      const double hi = s.kind == KernelKind::kDiscreteLog ? std::log(v + 0.5) : v + s.step / 2;
      for (Eigen::Index i = 0; i < n_kernels; ++i) {
        cell[i] = truncnorm::log_gauss_mass((lo - k.mu[i]) / k.sigma[i], (hi - k.mu[i]) / k.sigma[i]) - k.log_norm[i];
      }
    }
    for (Eigen::Index c2 = c; c2 < n; ++c2) {
      if (x[c2] != v) continue;
      t.col(c2) += cell;
      done[c2] = 1;
    }
  }
}

Eigen::VectorXd ParzenEstimator::log_pdf(const Eigen::MatrixXd& x) const {
  const Eigen::Index n = x.rows();
  Eigen::ArrayXXd t = log_weights_.replicate(1, n);  // K × n: kernel × candidate
  for (int j = 0; j < n_dims(); ++j) {
    if (auto* c = std::get_if<CategoricalKernels>(&dims_[j])) {
      for (Eigen::Index i = 0; i < n; ++i) {
        const double v = x(i, j);
        if (v >= 0 && v < c->n_choices) t.col(i) += c->log_p.col(static_cast<Eigen::Index>(v));
        else t.col(i).setConstant(kNegInf);
      }
    } else {
      add_numeric_log_pdf(std::get<NumericKernels>(dims_[j]), x.col(j), t);
    }
  }
  Eigen::VectorXd out(n);
  for (Eigen::Index i = 0; i < n; ++i) out[i] = log_sum_exp(t.col(i));
  return out;
}

}  // namespace hpod::tpe
