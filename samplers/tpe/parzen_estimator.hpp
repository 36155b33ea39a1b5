// Optuna's Parzen estimator (optuna/samplers/_tpe/parzen_estimator.py (4.9)): a mixture of N
// observation kernels plus one prior kernel, each a product over the parameters of a truncated
// normal (numeric) or a probability vector (categorical). Sampling and log densities work on all
// kernels and candidates at once.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "hpod/distributions.hpp"
#include "hpod/rng.hpp"
#include "samplers/tpe/bandwidth.hpp"
#include "samplers/tpe/working_space.hpp"

namespace hpod::tpe {

struct ParzenOptions {
  double prior_weight = 1.0;
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
  // The *sampler's* multivariate flag: selects the Scott-type bandwidth rule, also for a
  // one-parameter estimator.
  bool multivariate = false;
  // Optuna 3.1's estimator instead of 4.9's (docs/architecture.md
  // "Known differences between Optuna versions"): the prior centre among the bandwidth
  // neighbours, no −log σ in the continuous density, Int log as a continuous log-space
  // kernel, 3.1's random-number order and bisection ppf. For comparisons with 3.1.
  bool optuna_3_1 = false;
};

// Mixture weights normalised with the prior's appended (last), and their logs.
struct MixtureWeights {
  Eigen::ArrayXd weights, log_weights;
};
MixtureWeights mixture_weights(const Eigen::VectorXd& observation_weights, double prior_weight);

// The observations of one estimator: chronological rows (trial-number order), one column
// per parameter, internal values.
struct ParzenObservations {
  Eigen::MatrixXd values;   // N × D
  Eigen::VectorXd weights;  // N unnormalised weights (weights(N), or MOTPE's)
  // Optional: mixture_weights(weights, prior_weight), when the caller shares it between
  // estimators (the per-parameter estimators of one ask have the same N).
  std::shared_ptr<const MixtureWeights> mixture;
  // Optional, used by the univariate rule only: per parameter the rows in stable
  // ascending order of the working value. Computed when absent; given by a cache that
  // keeps observations sorted.
  std::vector<std::vector<int>> sorted_rows;
};

class ParzenEstimator {
 public:
  // `space` in the estimator's parameter order (the order random numbers are drawn in).
  // Every distribution must be non-single.
  ParzenEstimator(const std::vector<Distribution>& space, const ParzenObservations& obs, const ParzenOptions& opt);

  int n_kernels() const { return static_cast<int>(log_weights_.size()); }
  int n_dims() const { return static_cast<int>(dims_.size()); }
  // Normalised mixture weights, the prior's last.
  Eigen::ArrayXd mixture_weights() const { return weights_; }
  bool is_categorical(int d) const { return std::holds_alternative<CategoricalKernels>(dims_[d]); }
  // Numeric parameter d: kernel centres and bandwidths in working space, prior last.
  const Eigen::ArrayXd& mus(int d) const { return std::get<NumericKernels>(dims_[d]).mu; }
  const Eigen::ArrayXd& sigmas(int d) const { return std::get<NumericKernels>(dims_[d]).sigma; }
  // Categorical parameter d: K × C choice probabilities, prior row last.
  Eigen::ArrayXXd categorical_weights(int d) const { return std::get<CategoricalKernels>(dims_[d]).log_p.exp(); }

  // n samples (rows) of internal values. Random numbers (Optuna 4.x order): the
  // kernel of each sample, then the categorical parameters, then the numeric ones (3.1:
  // the parameters in order).
  Eigen::MatrixXd sample(NumpyRandom& rng, int n) const;
  // log density of each row of x (internal values, n × D), equal to log_pdf_dense up to
  // rounding but faster for many kernels: a one-parameter numeric estimator (the "above"
  // estimator of univariate TPE) skips kernels whose share of the sum is below e^-50 —
  // provably, from bounds over its sorted kernel centres; a multivariate one computes
  // its continuous parameters' quadratic terms as one matrix product.
  Eigen::VectorXd log_pdf(const Eigen::MatrixXd& x) const;
  // Every kernel for every row, parameter by parameter, as one K × n matrix (the
  // reference for the above).
  Eigen::VectorXd log_pdf_dense(const Eigen::MatrixXd& x) const;

 private:
  struct NumericKernels {
    NumericSpace space;
    Eigen::ArrayXd mu, sigma, inv_sigma;
    // Per kernel, the log of its normaliser: continuous: log σ + log mass of [low_w,
    // high_w] + ½log 2π; discrete: log mass of [low_w, high_w].
    Eigen::ArrayXd log_norm;
  };
  struct CategoricalKernels {
    int n_choices = 0;
    Eigen::ArrayXXd log_p;       // K × C
    Eigen::ArrayXXd cumulative;  // K × C, last column exactly 1
  };
  using Kernels = std::variant<NumericKernels, CategoricalKernels>;
  // The observation kernels of a one-parameter numeric estimator in ascending order of
  // centre (kernel arrays copied into that order), with running maxima of each kernel's
  // log-density bound b = log w − log σ − log mass of the bounds − ½log 2π and of σ from
  // either end: every kernel at distance >= d from x has log density <= b − ½(d/σ)²
  // (+ log of the cell width if discrete), and these bounds fall monotonically moving
  // away from x, so the kernels that matter form one window found by binary search.
  struct SortedKernels {
    std::vector<int> order;
    Eigen::ArrayXd mu, inv_sigma, sigma;
    Eigen::ArrayXd log_w_minus_norm;  // log w − log_norm (the term is this − ½z² if continuous)
    Eigen::ArrayXd prefix_b, suffix_b, prefix_sigma, suffix_sigma;
  };

  // `order` receives the stable ascending order of the observations when it is known or
  // cheap to know (univariate rule).
  static NumericKernels numeric_kernels(const Distribution& dist, const Eigen::ArrayXd& obs,
                                        const std::vector<int>* sorted, int n_dims, const ParzenOptions& opt,
                                        std::vector<int>* order);
  void index_sorted_kernels(std::vector<int> order);
  Eigen::VectorXd log_pdf_sorted(const Eigen::MatrixXd& x) const;
  Eigen::VectorXd log_pdf_matrix(const Eigen::MatrixXd& x, bool allow_product) const;
  static CategoricalKernels categorical_kernels(const CategoricalDistribution& dist, const Eigen::ArrayXd& obs,
                                                double prior_weight);
  // Adds each kernel's log density of column values x to the columns of t (K × n).
  static void add_numeric_log_pdf(const NumericKernels& k, const Eigen::VectorXd& x, Eigen::ArrayXXd& t);

  std::vector<Kernels> dims_;
  std::optional<SortedKernels> sorted_;
  bool optuna_3_1_ = false;
  Eigen::ArrayXd weights_;  // normalised, for the kernel draw
  Eigen::ArrayXd log_weights_;
};

}  // namespace hpod::tpe
