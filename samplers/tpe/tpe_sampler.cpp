#include "samplers/tpe/tpe_sampler.hpp"

#include <algorithm>

#include "samplers/random_sampler.hpp"
#include "samplers/tpe/multi_objective.hpp"
#include "samplers/tpe/split.hpp"

namespace hpod::tpe {

namespace {

// Salt of the per-trial TPE generator; the random fall-back uses salt 0.
constexpr std::uint32_t kTpeSalt = 0x54504531;  // "TPE1"
constexpr std::size_t kMaxHistories = 8;

NumpyRandom trial_rng(const std::optional<std::uint32_t>& seed, int number, std::uint32_t salt) {
  return seed ? NumpyRandom::for_trial(*seed, number, salt) : NumpyRandom::from_entropy();
}

Eigen::VectorXd to_vector(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

}  // namespace

TpeSampler::TpeSampler(TpeOptions options, HistoryMode mode, Seeding seeding)
    : opt_(std::move(options)), mode_(mode), seeding_(seeding) {
  if (seeding_ == Seeding::kSingleStream) {
    const std::uint32_t s = opt_.seed.value_or(0);
    stream_tpe_.emplace(s);
    stream_random_.emplace(s);
  }
}

struct TpeSampler::Ask {
  const StudyView& study;
  const FrozenTrial& trial;
  TrialHistory& history;
  NumpyRandom& tpe_rng;
  NumpyRandom& random_rng;
  // The below/above split is the same for every estimator of the ask: made once.
  bool split_done = false;
  std::vector<int> below = {};                   // used trials, ascending
  std::vector<const FrozenTrial*> running = {};  // constant liar, ascending, without `trial`
  // Mixture weights by number of observations: every parameter's estimator of an ask
  // usually has the same N, so the weights (and their logs) are made once.
  std::map<std::size_t, std::shared_ptr<const MixtureWeights>> mixtures = {};
};

TrialHistory& TpeSampler::history_for(const StudyView& study) {
  for (std::size_t i = 0; i < histories_.size(); ++i) {
    if (!histories_[i]->follows(study)) continue;
    std::rotate(histories_.begin(), histories_.begin() + static_cast<std::ptrdiff_t>(i),
                histories_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    return *histories_.front();
  }
  if (histories_.size() >= kMaxHistories) histories_.pop_back();
  auto h = mode_ == HistoryMode::kScan ? make_scan_history(study.direction()) : make_cached_history(study.direction());
  histories_.insert(histories_.begin(), std::move(h));
  return *histories_.front();
}

Eigen::VectorXd TpeSampler::sample_joint(Ask& ask, const ParamSet& params) {
  const bool multi_objective = ask.study.directions().size() > 1;
  if (!ask.split_done) {
    if (opt_.constant_liar) {
      for (const FrozenTrial* t : ask.study.trials())
        if (t->state == TrialState::kRunning && t->number != ask.trial.number) ask.running.push_back(t);
    }
    const int n_below = gamma(opt_.gamma, ask.history.n_used());
    if (multi_objective) {
      std::vector<const FrozenTrial*> used;
      for (const FrozenTrial* t : ask.study.trials())
        if (t->state == TrialState::kComplete || t->state == TrialState::kPruned) used.push_back(t);
      ask.below = split_multi_objective(used, n_below, ask.study.directions()).below;
    } else {
      ask.below = ask.history.best(n_below);
    }
    ask.split_done = true;
  }

  Observations lo, hi;
  ask.history.observations(params, ask.below, ask.running, !opt_.multivariate, lo, hi);
  auto shared_mixture = [&](std::size_t n) {
    auto& m = ask.mixtures[n];
    if (!m) m = std::make_shared<MixtureWeights>(mixture_weights(to_vector(weights(opt_.weights, static_cast<int>(n))), opt_.prior_weight));
    return m;
  };
  if (multi_objective) {
    Eigen::MatrixXd losses(static_cast<Eigen::Index>(lo.numbers.size()),
                           static_cast<Eigen::Index>(ask.study.directions().size()));
    for (std::size_t i = 0; i < lo.numbers.size(); ++i)
      losses.row(static_cast<Eigen::Index>(i)) = losses_of(*ask.study.trial(lo.numbers[i]), ask.study.directions());
    lo.parzen.weights = to_vector(motpe_below_weights(losses));
  } else {
    lo.parzen.mixture = shared_mixture(lo.numbers.size());
  }
  hi.parzen.mixture = shared_mixture(hi.numbers.size());

  const ParzenOptions popt{opt_.prior_weight, opt_.consider_magic_clip, opt_.consider_endpoints, opt_.multivariate,
                           opt_.optuna_3_1_estimator};
  const ParzenEstimator l(params.distributions, lo.parzen, popt);
  const ParzenEstimator g(params.distributions, hi.parzen, popt);
  const Eigen::MatrixXd candidates = l.sample(ask.tpe_rng, opt_.n_ei_candidates);
  const Eigen::VectorXd score = l.log_pdf(candidates) - g.log_pdf(candidates);
  Eigen::Index best = 0;
  for (Eigen::Index i = 1; i < score.size(); ++i)
    if (score[i] > score[best]) best = i;  // first maximum wins
  return candidates.row(best).transpose();
}

std::map<std::string, double> TpeSampler::sample(const StudyView& study, const FrozenTrial& trial,
                                                 const SearchSpace& space) {
  TrialHistory& history = history_for(study);
  history.sync(study);
  NumpyRandom tpe_rng = stream_tpe_ ? *stream_tpe_ : trial_rng(opt_.seed, trial.number, kTpeSalt);
  NumpyRandom random_rng = stream_random_ ? *stream_random_ : trial_rng(opt_.seed, trial.number, 0);
  Ask ask{study, trial, history, tpe_rng, random_rng};
  const bool startup = history.n_used() < opt_.n_startup_trials;

  // Relative sampling (multivariate): the joint space(s) inferred from the history.
  struct Planned {
    double value;
    Distribution distribution;
  };
  std::map<std::string, Planned, std::less<>> relative;
  if (opt_.multivariate && !startup) {
    std::vector<SearchSpace> spaces;
    if (opt_.group) spaces = history.groups();
    else spaces.push_back(history.intersection());
    for (const SearchSpace& s : spaces) {
      ParamSet params;
      for (auto& [name, dist] : s) {
        if (single(dist)) continue;
        params.names.push_back(name);
        params.distributions.push_back(dist);
      }
      if (params.names.empty()) continue;
      const Eigen::VectorXd v = sample_joint(ask, params);
      for (std::size_t j = 0; j < params.names.size(); ++j)
        relative.emplace(params.names[j], Planned{v[static_cast<Eigen::Index>(j)], params.distributions[j]});
    }
  }

  // Each parameter of the trial: the relative value when it fits the distribution asked
  // for, else independent sampling (random during startup).
  std::map<std::string, double> out;
  for (auto& [name, dist] : space) {
    if (trial.params.count(name)) continue;
    if (single(dist)) {
      out[name] = single_value(dist);
      continue;
    }
    auto it = relative.find(name);
    if (it != relative.end() && compatible(it->second.distribution, dist) && contains(dist, it->second.value)) {
      out[name] = it->second.value;
    } else if (startup) {
      out[name] = sample_random_internal(dist, ask.random_rng);
    } else {
      out[name] = sample_joint(ask, ParamSet{{name}, {dist}})[0];
    }
  }
  if (stream_tpe_) {
    *stream_tpe_ = tpe_rng;
    *stream_random_ = random_rng;
  }
  return out;
}

}  // namespace hpod::tpe
