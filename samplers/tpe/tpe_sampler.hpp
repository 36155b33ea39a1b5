// Optuna's TPESampler (optuna/samplers/_tpe/sampler.py), with Optuna 4.9 behaviour.
//
// Seeding: with a seed, trial n draws from NumpyRandom::for_trial(seed, n, salt) — one
// generator for the TPE machinery and an independent one (salt 0, the same stream
// RandomSampler(seed) gives trial n) for startup and fall-back random draws. A seeded
// study therefore repeats exactly, and a daemon restart never replays numbers. Within one
// ask the numbers are drawn in Optuna 4.x's order (parzen_estimator.py), but Optuna uses one
// stream for the whole study, so hpod's trajectories are not Optuna's: the per-component vectors
// (estimator, numerics, split) are the compatibility contract, not end-to-end runs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "hpod/rng.hpp"
#include "hpod/sampler.hpp"
#include "samplers/tpe/gamma_weights.hpp"
#include "samplers/tpe/trial_history.hpp"

namespace hpod::tpe {

// The study file's "sampler" block for type "tpe", Optuna 4.x names and defaults.
struct TpeOptions {
  bool consider_prior = true;  // accepted; always true (Optuna 4.4+)
  double prior_weight = 1.0;
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
  int n_startup_trials = 10;
  int n_ei_candidates = 24;
  GammaPreset gamma = GammaPreset::kDefault;
  WeightsPreset weights = WeightsPreset::kDefault;
  std::optional<std::uint32_t> seed;
  bool multivariate = false;
  bool group = false;  // requires multivariate
  bool constant_liar = false;
  bool warn_independent_sampling = false;  // accepted; hpod samplers do not log
  // Not a study-file option: Optuna 3.1's estimator (ParzenOptions::optuna_3_1), for the
  // benchmark's comparison of the 3.1 and 4.x algorithms.
  bool optuna_3_1_estimator = false;
};

class TpeSampler final : public Sampler {
 public:
  // kScan recomputes everything from the view on every ask: the pure rule, for tests.
  enum class HistoryMode { kCached, kScan };
  // kSingleStream: two generators seeded once for the sampler's life, as Optuna's
  // TPESampler(seed) — only for reproducing Optuna's trajectories in tests; a restart
  // would replay the numbers.
  enum class Seeding { kPerTrial, kSingleStream };

  explicit TpeSampler(TpeOptions options, HistoryMode mode = HistoryMode::kCached,
                      Seeding seeding = Seeding::kPerTrial);

  std::map<std::string, double> sample(const StudyView& study, const FrozenTrial& trial,
                                       const SearchSpace& space) override;
  std::string name() const override { return "tpe"; }
  const TpeOptions& options() const { return opt_; }

 private:
  struct Ask;  // per-ask state (tpe_sampler.cpp)

  TrialHistory& history_for(const StudyView& study);
  // Optuna's _sample: l and g for `params`, candidates from l, the best l/g ratio wins.
  Eigen::VectorXd sample_joint(Ask& ask, const ParamSet& params);

  TpeOptions opt_;
  HistoryMode mode_;
  Seeding seeding_;
  std::optional<NumpyRandom> stream_tpe_, stream_random_;  // kSingleStream only
  // One history per view seen recently (Hyperband hands each bracket its own view).
  std::vector<std::unique_ptr<TrialHistory>> histories_;
};

}  // namespace hpod::tpe
