#include "samplers/tpe/parzen_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "samplers/tpe/sum_exp.hpp"
#include "samplers/tpe/truncnorm.hpp"

namespace hpod::tpe {

namespace {
constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// Kernels below e^-50 of the largest term are left out of a sparse log_pdf: even 10^4 of
// them change the sum by less than 1e-17 relative.
constexpr double kCutoff = 50.0;
// Fewer kernels than this: the dense path is as fast.
constexpr Eigen::Index kSparseMinKernels = 64;

// log Σ exp(v), with an all −inf column giving −inf (not NaN).
double log_sum_exp(const Eigen::Ref<const Eigen::ArrayXd>& v) {
  const double m = v.maxCoeff();
  if (m == kNegInf) return kNegInf;
  return m + std::log(sum_exp_shifted(v.data(), static_cast<std::size_t>(v.size()), m));
}
}  // namespace

MixtureWeights mixture_weights(const Eigen::VectorXd& observation_weights, double prior_weight) {
  const Eigen::Index n = observation_weights.size();
  MixtureWeights m;
  m.weights.resize(n + 1);
  m.weights.head(n) = observation_weights.array();
  m.weights[n] = prior_weight;
  m.weights /= m.weights.sum();
  m.log_weights = m.weights.log();
  return m;
}

ParzenEstimator::ParzenEstimator(const std::vector<Distribution>& space, const ParzenObservations& obs,
                                 const ParzenOptions& opt)
    : optuna_3_1_(opt.optuna_3_1) {
  const Eigen::Index n = obs.values.rows();
  if (obs.mixture) {
    weights_ = obs.mixture->weights;
    log_weights_ = obs.mixture->log_weights;
  } else {
    MixtureWeights m = tpe::mixture_weights(obs.weights, opt.prior_weight);
    weights_ = std::move(m.weights);
    log_weights_ = std::move(m.log_weights);
  }

  const int n_dims = static_cast<int>(space.size());
  const bool sparse = n_dims == 1 && n >= kSparseMinKernels;
  std::vector<int> order;
  dims_.reserve(space.size());
  for (int j = 0; j < n_dims; ++j) {
    const Eigen::ArrayXd column = obs.values.col(j).array();
    if (auto* c = std::get_if<CategoricalDistribution>(&space[j])) {
      dims_.emplace_back(categorical_kernels(*c, column, opt.prior_weight));
    } else {
      const std::vector<int>* sorted = obs.sorted_rows.empty() ? nullptr : &obs.sorted_rows[j];
      dims_.emplace_back(numeric_kernels(space[j], column, sorted, n_dims, opt, sparse ? &order : nullptr));
    }
  }
  if (sparse && std::holds_alternative<NumericKernels>(dims_[0])) index_sorted_kernels(std::move(order));
}

ParzenEstimator::NumericKernels ParzenEstimator::numeric_kernels(const Distribution& dist, const Eigen::ArrayXd& obs,
                                                                 const std::vector<int>* sorted, int n_dims,
                                                                 const ParzenOptions& opt, std::vector<int>* order) {
  NumericKernels k;
  k.space = numeric_space(dist, opt.optuna_3_1);
  const NumericSpace& s = k.space;
  const Eigen::Index n = obs.size();
  const BandwidthRule rule{opt.consider_magic_clip, opt.consider_endpoints, opt.optuna_3_1};

  k.mu.resize(n + 1);
  for (Eigen::Index i = 0; i < n; ++i) k.mu[i] = s.to_working(obs[i]);
  k.mu[n] = s.prior_mu();
  k.sigma.resize(n + 1);
  const Eigen::ArrayXd mus = k.mu.head(n);
  std::vector<int> own_order;
  if (!sorted && (order || !opt.multivariate)) {
    own_order = stable_order(mus);
    sorted = &own_order;
  }
  if (opt.multivariate) {
    k.sigma.head(n) = multivariate_bandwidths(static_cast<int>(n), n_dims, s.low_w, s.high_w, rule);
  } else {
    k.sigma.head(n) = univariate_bandwidths(mus, *sorted, s.low_w, s.high_w, rule, k.mu[n]);
  }
  if (order) *order = *sorted;
  k.sigma[n] = s.high_w - s.low_w;
  k.inv_sigma = k.sigma.inverse();

  k.log_norm.resize(n + 1);
  // Optuna 3.1 left −log σ out of the continuous density (fixed in 3.5).
  const bool continuous = s.kind == KernelKind::kContinuous;
  const bool with_log_sigma = continuous && !opt.optuna_3_1;
  double last_sigma = std::numeric_limits<double>::quiet_NaN(), last_log = 0.0;
  {
    const Eigen::ArrayXd a = (s.low_w - k.mu) / k.sigma, b = (s.high_w - k.mu) / k.sigma;
    truncnorm::log_gauss_mass_batch(a.data(), b.data(), k.log_norm.data(), static_cast<std::size_t>(n + 1));
  }
  for (Eigen::Index i = 0; i <= n; ++i) {
    const double sigma = k.sigma[i];
    if (!continuous) continue;
    k.log_norm[i] += truncnorm::kHalfLog2Pi;
    if (!with_log_sigma) continue;
    // Many bandwidths sit at the magic-clip floor: one log for a run of equal ones.
    if (sigma != last_sigma) {
      last_sigma = sigma;
      last_log = std::log(sigma);
    }
    k.log_norm[i] += last_log;
  }
  return k;
}

void ParzenEstimator::index_sorted_kernels(std::vector<int> order) {
  const auto& k = std::get<NumericKernels>(dims_[0]);
  const auto n = static_cast<Eigen::Index>(order.size());
  const bool continuous = k.space.kind == KernelKind::kContinuous;
  SortedKernels s;
  s.mu.resize(n);
  s.sigma.resize(n);
  s.inv_sigma.resize(n);
  s.log_w_minus_norm.resize(n);
  for (Eigen::Index r = 0; r < n; ++r) {
    const int i = order[static_cast<std::size_t>(r)];
    s.mu[r] = k.mu[i];
    s.sigma[r] = k.sigma[i];
    s.inv_sigma[r] = k.inv_sigma[i];
    s.log_w_minus_norm[r] = log_weights_[i] - k.log_norm[i];
  }
  // Continuous: log_norm already holds log σ + ½log 2π.
  const Eigen::ArrayXd b =
      continuous ? s.log_w_minus_norm : Eigen::ArrayXd(s.log_w_minus_norm - s.sigma.log() - truncnorm::kHalfLog2Pi);
  s.prefix_b = b;
  s.prefix_sigma = s.sigma;
  for (Eigen::Index r = 1; r < n; ++r) {
    s.prefix_b[r] = std::max(s.prefix_b[r - 1], b[r]);
    s.prefix_sigma[r] = std::max(s.prefix_sigma[r - 1], s.sigma[r]);
  }
  s.suffix_b = b;
  s.suffix_sigma = s.sigma;
  for (Eigen::Index r = n - 2; r >= 0; --r) {
    s.suffix_b[r] = std::max(s.suffix_b[r + 1], b[r]);
    s.suffix_sigma[r] = std::max(s.suffix_sigma[r + 1], s.sigma[r]);
  }
  s.order = std::move(order);
  sorted_ = std::move(s);
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
  // One uniform per sample for parameter j.
  auto draw = [&](int j) {
    if (auto* c = std::get_if<CategoricalKernels>(&dims_[j])) {
      for (int i = 0; i < n; ++i) {
        const double u = rng.random_sample();
        // The number of cumulative probabilities below u is the chosen index.
        out(i, j) = static_cast<double>((c->cumulative.row(component[i]) < u).count());
      }
      return;
    }
    const auto& k = std::get<NumericKernels>(dims_[j]);
    const NumericSpace& s = k.space;
    for (int i = 0; i < n; ++i) {
      const double u = rng.random_sample();
      const double mu = k.mu[component[i]], sigma = k.sigma[component[i]];
      const double z = truncnorm::ppf(u, (s.low_w - mu) / sigma, (s.high_w - mu) / sigma, optuna_3_1_);
      out(i, j) = s.from_working(mu + sigma * z);
    }
  };
  if (optuna_3_1_) {
    for (int j = 0; j < n_dims(); ++j) draw(j);
    return out;
  }
  for (int j = 0; j < n_dims(); ++j)
    if (is_categorical(j)) draw(j);
  for (int j = 0; j < n_dims(); ++j)
    if (!is_categorical(j)) draw(j);
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
      t.col(c) -= (0.5 * ((w - k.mu) * k.inv_sigma).square() + k.log_norm);
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
  return sorted_ ? log_pdf_sorted(x) : log_pdf_matrix(x, true);
}

Eigen::VectorXd ParzenEstimator::log_pdf_sorted(const Eigen::MatrixXd& x) const {
  const auto& k = std::get<NumericKernels>(dims_[0]);
  const SortedKernels& s = *sorted_;
  const NumericSpace& sp = k.space;
  const bool continuous = sp.kind == KernelKind::kContinuous;
  const Eigen::Index n_obs = s.mu.size();  // the prior kernel is index n_obs
  std::vector<double> terms;
  terms.reserve(128);
  Eigen::VectorXd out(x.rows());
  for (Eigen::Index c = 0; c < x.rows(); ++c) {
    const double v = x(c, 0);
    double lo, hi;  // the candidate's point (continuous) or grid cell, in working space
    if (continuous) {
      lo = hi = sp.to_working(v);
      if (!(lo >= sp.low_w && lo <= sp.high_w)) {
        out[c] = kNegInf;
        continue;
      }
    } else {
      if (!(v >= sp.low && v <= sp.high)) {
        out[c] = kNegInf;
        continue;
      }
      lo = sp.kind == KernelKind::kDiscreteLog ? std::log(v - 0.5) : v - sp.step / 2;
      hi = sp.kind == KernelKind::kDiscreteLog ? std::log(v + 0.5) : v + sp.step / 2;
    }
    const double width_term = continuous ? 0.0 : std::log(hi - lo);
    // Sorted kernel r's log term: log w − log_norm − ½z² (continuous) or + the log mass of
    // the cell (discrete).
    auto term = [&](Eigen::Index r) {
      if (continuous) {
        const double z = (lo - s.mu[r]) * s.inv_sigma[r];
        return s.log_w_minus_norm[r] - 0.5 * (z * z);
      }
      return s.log_w_minus_norm[r] + truncnorm::log_gauss_mass((lo - s.mu[r]) / s.sigma[r], (hi - s.mu[r]) / s.sigma[r]);
    };
    const double prior = continuous ? log_weights_[n_obs] - (0.5 * std::pow((lo - k.mu[n_obs]) * k.inv_sigma[n_obs], 2) + k.log_norm[n_obs])
                                    : log_weights_[n_obs] + (truncnorm::log_gauss_mass((lo - k.mu[n_obs]) / k.sigma[n_obs],
                                                                                        (hi - k.mu[n_obs]) / k.sigma[n_obs]) -
                                                             k.log_norm[n_obs]);
    // A lower bound of the largest term from the nearest kernels on either side, then the
    // window of kernels whose bound reaches within e^-50 of it.
    const Eigen::Index p = std::lower_bound(s.mu.data(), s.mu.data() + n_obs, lo) - s.mu.data();
    double m = prior;
    if (p < n_obs) m = std::max(m, term(p));
    if (p > 0) m = std::max(m, term(p - 1));
    const double floor = m - kCutoff;
    auto right_matters = [&](Eigen::Index r) {
      const double d = std::max(0.0, s.mu[r] - hi) / s.suffix_sigma[r];
      return s.suffix_b[r] + width_term - 0.5 * d * d >= floor;
    };
    auto left_matters = [&](Eigen::Index r) {
      const double d = std::max(0.0, lo - s.mu[r]) / s.prefix_sigma[r];
      return s.prefix_b[r] + width_term - 0.5 * d * d >= floor;
    };
    // Window [lo_end, hi_end): both predicates hold near p and fail further out.
    Eigen::Index hi_end = p;
    for (Eigen::Index len = n_obs - p; len > 0;) {
      const Eigen::Index half = len / 2;
      if (right_matters(hi_end + half)) {
        hi_end += half + 1;
        len -= half + 1;
      } else {
        len = half;
      }
    }
    Eigen::Index lo_end = 0;
    for (Eigen::Index len = p; len > 0;) {
      const Eigen::Index half = len / 2;
      if (!left_matters(lo_end + half)) {
        lo_end += half + 1;
        len -= half + 1;
      } else {
        len = half;
      }
    }
    const Eigen::Index w = hi_end - lo_end;
    terms.resize(static_cast<std::size_t>(w) + 1);
    Eigen::Map<Eigen::ArrayXd> t(terms.data(), w + 1);
    if (continuous) {
      t.head(w) = s.log_w_minus_norm.segment(lo_end, w) -
                  0.5 * ((lo - s.mu.segment(lo_end, w)) * s.inv_sigma.segment(lo_end, w)).square();
    } else {
      for (Eigen::Index r = 0; r < w; ++r) t[r] = term(lo_end + r);
    }
    t[w] = prior;
    out[c] = log_sum_exp(t);
  }
  return out;
}

Eigen::VectorXd ParzenEstimator::log_pdf_dense(const Eigen::MatrixXd& x) const { return log_pdf_matrix(x, false); }

Eigen::VectorXd ParzenEstimator::log_pdf_matrix(const Eigen::MatrixXd& x, bool allow_product) const {
  const Eigen::Index n = x.rows();
  const Eigen::Index n_obs = log_weights_.size() - 1;
  Eigen::ArrayXXd t = log_weights_.replicate(1, n);  // K × n: kernel × candidate
  // Continuous parameters whose observation kernels share one bandwidth (the multivariate
  // rule): their Σ_j ((x_j − μ_kj)/σ_j)² over all kernels and candidates is one matrix
  // product, |m_k|² + |x|² − 2·m_k·x, in coordinates centred on the prior and scaled by
  // 1/σ_j (the prior kernel, with its own bandwidth, is added apart).
  std::vector<int> shared;
  if (allow_product && n_obs >= kSparseMinKernels) {
    for (int j = 0; j < n_dims(); ++j) {
      auto* k = std::get_if<NumericKernels>(&dims_[j]);
      if (k && k->space.kind == KernelKind::kContinuous && (k->sigma.head(n_obs) == k->sigma[0]).all()) shared.push_back(j);
    }
    if (shared.size() < 2) shared.clear();
  }
  if (!shared.empty()) {
    const auto d = static_cast<Eigen::Index>(shared.size());
    Eigen::MatrixXd m(n_obs, d), c(n, d);
    Eigen::ArrayXd norm = Eigen::ArrayXd::Zero(n_obs);
    for (Eigen::Index q = 0; q < d; ++q) {
      const auto& k = std::get<NumericKernels>(dims_[static_cast<std::size_t>(shared[static_cast<std::size_t>(q)])]);
      const double centre = k.mu[n_obs], scale = k.inv_sigma[0];
      m.col(q) = ((k.mu.head(n_obs) - centre) * scale).matrix();
      norm += k.log_norm.head(n_obs);
      for (Eigen::Index i = 0; i < n; ++i) {
        const double w = k.space.to_working(x(i, shared[static_cast<std::size_t>(q)]));
        c(i, q) = (w >= k.space.low_w && w <= k.space.high_w) ? (w - centre) * scale : std::numeric_limits<double>::quiet_NaN();
      }
    }
    const Eigen::ArrayXd m2 = m.rowwise().squaredNorm().array();
    const Eigen::ArrayXd c2 = c.rowwise().squaredNorm().array();
    Eigen::ArrayXXd quad = -2.0 * (m * c.transpose()).array();
    quad.colwise() += m2;
    quad.rowwise() += c2.transpose();
    t.topRows(n_obs) -= 0.5 * quad;
    t.topRows(n_obs).colwise() -= norm;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (std::isnan(c2[i])) {
        t.col(i).setConstant(kNegInf);
        continue;
      }
      for (int j : shared) {  // the prior kernel
        const auto& k = std::get<NumericKernels>(dims_[static_cast<std::size_t>(j)]);
        const double z = (k.space.to_working(x(i, j)) - k.mu[n_obs]) * k.inv_sigma[n_obs];
        t(n_obs, i) -= 0.5 * (z * z) + k.log_norm[n_obs];
      }
    }
  }
  for (int j = 0; j < n_dims(); ++j) {
    if (std::find(shared.begin(), shared.end(), j) != shared.end()) continue;
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
