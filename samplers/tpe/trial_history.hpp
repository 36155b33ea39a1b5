// What one TPE ask needs to know about the study (optuna/samplers/_tpe/sampler.py (4.9)):
// the COMPLETE and PRUNED
// trials ("used"), their ranking, the relative search space, and the observations of
// the parameters being sampled. Two implementations give identical answers:
// CachedHistory folds the study incrementally over StudyView::finished_order (what the
// sampler uses), ScanHistory recomputes everything from the view (the pure rule, kept
// as the reference the tests compare the cache with).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hpod/search_space.hpp"
#include "hpod/study_view.hpp"
#include "samplers/tpe/parzen_estimator.hpp"

namespace hpod::tpe {

// The observations of one estimator: rows in trial-number order.
struct Observations {
  std::vector<int> numbers;
  ParzenObservations parzen;  // values, and sorted_rows when asked for; weights not set
};

// The parameters an estimator covers, with the distributions being sampled now. A trial
// contributes only if it has every one of them with a compatible distribution (hpod::compatible).
struct ParamSet {
  std::vector<std::string> names;
  std::vector<Distribution> distributions;
};

class TrialHistory {
 public:
  virtual ~TrialHistory() = default;

  // True if sync(study) can continue from the state already held (the same study, and
  // the finished trials seen so far are a prefix of its finished_order).
  virtual bool follows(const StudyView& study) const = 0;
  // Brings the history up to date; the view must stay valid until the next sync.
  virtual void sync(const StudyView& study) = 0;

  // COMPLETE + PRUNED trials.
  virtual int n_used() const = 0;
  // Single objective: numbers of the n best used trials (_split_complete_trials), ascending.
  virtual std::vector<int> best(int n) const = 0;
  // Intersection of the used trials' distributions (equal in all of them).
  virtual SearchSpace intersection() const = 0;
  // Group decomposition of the used trials (search_space_groups.hpp).
  virtual std::vector<SearchSpace> groups() const = 0;
  // Observations of `params`: below = the used trials in `below` (ascending numbers);
  // above = the other used trials plus `running` (RUNNING trials for constant liar,
  // ascending numbers). With sort_above, above's sorted_rows is filled (univariate rule).
  virtual void observations(const ParamSet& params, const std::vector<int>& below,
                            const std::vector<const FrozenTrial*>& running, bool sort_above,
                            Observations& below_out, Observations& above_out) const = 0;
};

std::unique_ptr<TrialHistory> make_cached_history(StudyDirection direction);
std::unique_ptr<TrialHistory> make_scan_history(StudyDirection direction);

// A trial that has every parameter of `params` with a compatible distribution.
bool has_params(const FrozenTrial& t, const ParamSet& params);

}  // namespace hpod::tpe
