// Optuna 4.9's GPSampler (optuna/samplers/_gp/sampler.py, optuna/_gp/): a Gaussian process with a
// Matérn-5/2 ARD kernel fitted by maximum a posteriori on the COMPLETE trials, log expected
// improvement maximised over the relative search space; everything else from an independent
// RandomSampler.
//
// Where it differs from Optuna, and why:
//  * RUNNING trials with planned parameters enter as kriging believers (see RunningTrials).
//  * Random numbers come from per-trial generators (a seeded study repeats; a restart
//    never replays a stream), so trajectories are not Optuna's numbers.
//  * The sweep uses a digitally shifted Sobol sequence (not Owen scrambling) and ranks its
//    2048 points in single precision; starts and local searches are in double.
//  * The warm-started fit also reuses the previous fit's curvature (curvature.hpp): same
//    stopping test, fewer evaluations.
//  * Multi-objective studies are sampled independently (LogEHVI not implemented), and
//    there is no constraints_func.
#pragma once

#include <cstdint>
#include <optional>

#include "hpod/sampler.hpp"
#include "samplers/gp/acqf_optimizer.hpp"
#include "samplers/gp/gp_fit.hpp"
#include "samplers/random_sampler.hpp"

namespace hpod::gp {

// What the GP assumes about RUNNING trials whose parameters are planned. hpod keeps the
// kriging believer: in gp_bench's 4-in-flight simulation it is best or tied-best on four
// of the five functions (second on Styblinski–Tang-8), while Optuna 4.8's "constant liar,
// best" is worse than ignoring running trials on three of them (raising the mean to the
// best value around a pending point draws the next proposals next to it).
enum class RunningTrials {
  kIgnore,             // left out (Optuna ≤ 4.7)
  kConstantLiarBest,   // pseudo-observation max y (Optuna 4.8)
  kKrigingBeliever,    // pseudo-observation = posterior mean there
  kConstantLiarWorst,  // pseudo-observation min y
};

struct GpSamplerOptions {
  std::optional<std::uint32_t> seed;
  int n_startup_trials = 10;
  bool deterministic_objective = false;
  // The independent RandomSampler's seed; defaults to `seed`.
  std::optional<std::uint32_t> independent_seed;
  // Pseudo-observations join the posterior by extending its factor; the hyper-parameters
  // are fitted on COMPLETE trials only.
  RunningTrials running_trials = RunningTrials::kKrigingBeliever;
  AcqfOptimizerOptions acqf;
};

class GpSampler final : public Sampler {
 public:
  explicit GpSampler(GpSamplerOptions options);

  std::map<std::string, double> sample(const StudyView& study, const FrozenTrial& trial,
                                       const SearchSpace& space) override;
  std::string name() const override { return "gp"; }

  // Diagnostics of the last call (benchmarks; no effect on decisions).
  struct Stats {
    bool relative = false;      // the GP decided (not the startup / fallback path)
    int training_points = 0;
    int running_points = 0;
    int fit_evaluations = 0;
    bool fit_converged = false;
    bool fit_restarted = false;  // the warm start failed; refitted from all-ones
    double fit_ms = 0.0;        // hyper-parameter fit
    double acqf_ms = 0.0;       // posterior + acquisition optimisation
  };
  const Stats& last_stats() const { return stats_; }

 private:
  // Salt of the per-trial generator of the GP's own draws (Sobol shift, roulette); the
  // independent sampler uses salt 0, as a RandomSampler with the same seed does.
  static constexpr std::uint32_t kGpSalt = 0x67700001;

  std::map<std::string, double> sample_relative(const StudyView& study, const FrozenTrial& trial,
                                                const SearchSpace& relative);

  GpSamplerOptions options_;
  RandomSampler independent_;
  // The previous fit, the warm start of the next one while the dimension is unchanged.
  std::optional<GpFitStart> previous_fit_;
  Stats stats_;
};

// The relative search space of optuna/samplers/_gp/sampler.py (4.9): the intersection over
// COMPLETE trials without single distributions, name-sorted.
SearchSpace gp_relative_search_space(const StudyView& study);

}  // namespace hpod::gp
