#include "samplers/gp/gp_sampler.hpp"

#include <algorithm>
#include <chrono>

#include "samplers/gp/posterior.hpp"
#include "samplers/gp/training_data.hpp"

namespace hpod::gp {

namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

SearchSpace gp_relative_search_space(const StudyView& study) {
  SearchSpace space = intersection_search_space(study, /*include_pruned=*/false);
  std::erase_if(space, [](const auto& entry) { return single(entry.second); });
  return space;
}

GpSampler::GpSampler(GpSamplerOptions options)
    : options_(std::move(options)), independent_(options_.independent_seed ? options_.independent_seed : options_.seed) {}

std::map<std::string, double> GpSampler::sample(const StudyView& study, const FrozenTrial& trial,
                                                const SearchSpace& space) {
  stats_ = Stats{};
  std::map<std::string, double> relative_values;
  SearchSpace relative;
  int complete = 0;
  for (const FrozenTrial* t : study.trials()) complete += t->state == TrialState::kComplete ? 1 : 0;
  // Multi-objective studies (LogEHVI in Optuna 4.4+) are not implemented: they are
  // sampled independently.
  if (complete >= options_.n_startup_trials && complete > 0 && study.directions().size() == 1) {
    relative = gp_relative_search_space(study);
    // Nothing to decide when the trial already has (or does not ask for) every parameter.
    const bool needed = std::any_of(relative.begin(), relative.end(), [&](const auto& entry) {
      return space.count(entry.first) && !trial.params.count(entry.first);
    });
    if (needed) relative_values = sample_relative(study, trial, relative);
  }

  // Relative values stand for parameters whose distribution is the one the GP modelled;
  // the rest come from the independent sampler (single distributions without a draw).
  std::map<std::string, double> out;
  SearchSpace independent;
  for (const auto& [name, dist] : space) {
    if (trial.params.count(name)) continue;
    auto it = relative_values.find(name);
    if (it != relative_values.end() && relative.at(name) == dist) {
      out[name] = it->second;
    } else {
      independent.emplace(name, dist);
    }
  }
  if (!independent.empty()) out.merge(independent_.sample(study, trial, independent));
  return out;
}

std::map<std::string, double> GpSampler::sample_relative(const StudyView& study, const FrozenTrial& trial,
                                                         const SearchSpace& relative) {
  const GpSearchSpace space(relative);
  GpTrainingData data = collect_training_data(study, space, trial.number);
  const auto dim = static_cast<Eigen::Index>(space.size());
  if (previous_fit_ && previous_fit_->params.inverse_squared_lengthscales.size() != dim) previous_fit_.reset();

  auto t0 = std::chrono::steady_clock::now();
  GpFitResult fit = fit_kernel_params(data.X, data.y, space.categorical_mask(),
                                      previous_fit_ ? *previous_fit_ : GpFitStart(KernelParams::defaults(dim)),
                                      options_.deterministic_objective);
  previous_fit_ = GpFitStart(fit.params, fit.curvature);
  stats_.fit_ms = elapsed_ms(t0);
  stats_.fit_evaluations = fit.evaluations;
  stats_.fit_converged = fit.converged;
  stats_.fit_restarted = fit.restarted;
  stats_.training_points = static_cast<int>(data.X.rows());

  t0 = std::chrono::steady_clock::now();
  auto posterior = fit.factor.size() > 0
                       ? Result<GpPosterior>(GpPosterior::from_factor(data.X, data.y, space.categorical_mask(),
                                                                      fit.params, std::move(fit.factor),
                                                                      std::move(fit.alpha)))
                       : GpPosterior::build(data.X, data.y, space.categorical_mask(), fit.params);
  if (!posterior.ok()) return {};  // the independent sampler takes over
  Eigen::Index best;
  const double f0 = data.y.maxCoeff(&best);
  if (options_.running_trials != RunningTrials::kIgnore && data.X_running.rows() > 0) {
    const Eigen::Index m = data.X_running.rows();
    Eigen::VectorXd pseudo = Eigen::VectorXd::Constant(m, f0);
    if (options_.running_trials == RunningTrials::kConstantLiarWorst) pseudo.setConstant(data.y.minCoeff());
    if (options_.running_trials == RunningTrials::kKrigingBeliever) {
      for (Eigen::Index i = 0; i < m; ++i) pseudo[i] = posterior->predict(data.X_running.row(i).transpose()).mean;
    }
    if (posterior->append(data.X_running, pseudo).ok()) stats_.running_points = static_cast<int>(m);
  }
  LogEiAcquisition acq(*posterior, f0);
  NumpyRandom rng = options_.seed ? NumpyRandom::for_trial(*options_.seed, trial.number, kGpSalt)
                                  : NumpyRandom::from_entropy();
  const std::vector<Eigen::VectorXd> warm_starts{data.X.row(best).transpose()};
  AcquisitionPoint best_point = optimize_acquisition(acq, space, warm_starts, rng, options_.acqf);
  stats_.acqf_ms = elapsed_ms(t0);
  stats_.relative = true;
  return space.decode(best_point.x);
}

}  // namespace hpod::gp
