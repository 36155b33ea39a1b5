// Optuna's Parzen estimator (spec §4.5–4.8): a mixture of N observation kernels plus one
// prior kernel, each a product over the parameters of a truncated normal (numeric) or a
// probability vector (categorical). Sampling and log densities work on all kernels and
// candidates at once.
#pragma once

#include <Eigen/Core>
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
  // one-parameter estimator (§4.5.2).
  bool multivariate = false;
};

// The observations of one estimator: chronological rows (trial-number order), one column
// per parameter, internal values.
struct ParzenObservations {
  Eigen::MatrixXd values;   // N × D
  Eigen::VectorXd weights;  // N unnormalised weights (weights(N), or MOTPE's)
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
  Eigen::ArrayXd mixture_weights() const { return log_weights_.exp(); }
  bool is_categorical(int d) const { return std::holds_alternative<CategoricalKernels>(dims_[d]); }
  // Numeric parameter d: kernel centres and bandwidths in working space, prior last.
  const Eigen::ArrayXd& mus(int d) const { return std::get<NumericKernels>(dims_[d]).mu; }
  const Eigen::ArrayXd& sigmas(int d) const { return std::get<NumericKernels>(dims_[d]).sigma; }
  // Categorical parameter d: K × C choice probabilities, prior row last.
  Eigen::ArrayXXd categorical_weights(int d) const { return std::get<CategoricalKernels>(dims_[d]).log_p.exp(); }

  // n samples (rows) of internal values. Random numbers (Optuna 4.x order, §4.6): the
  // kernel of each sample, then the categorical parameters, then the numeric ones.
  Eigen::MatrixXd sample(NumpyRandom& rng, int n) const;
  // log density of each row of x (internal values, n × D).
  Eigen::VectorXd log_pdf(const Eigen::MatrixXd& x) const;

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

  static NumericKernels numeric_kernels(const Distribution& dist, const Eigen::ArrayXd& obs,
                                        const std::vector<int>* sorted, int n_dims, const ParzenOptions& opt);
  static CategoricalKernels categorical_kernels(const CategoricalDistribution& dist, const Eigen::ArrayXd& obs,
                                                double prior_weight);
  // Adds each kernel's log density of column values x to the columns of t (K × n).
  static void add_numeric_log_pdf(const NumericKernels& k, const Eigen::VectorXd& x, Eigen::ArrayXXd& t);

  std::vector<Kernels> dims_;
  Eigen::ArrayXd log_weights_;
  Eigen::ArrayXd weights_;  // normalised, for the kernel draw
};

}  // namespace hpod::tpe
