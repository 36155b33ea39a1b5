// Hyper-parameter importance for the dashboard: fANOVA (Hutter, Hoos, Leyton-Brown 2014)
// on a random forest, the method Optuna uses by default. A regression forest is fitted to
// (parameters → objective) of the completed trials; for each tree, the share of the
// variance of its prediction (over the uniform measure on the search space) that the
// main effect of one parameter explains is computed exactly from the tree's leaves; the
// shares are averaged over the trees and normalised to sum to 1.
//
// Pure computation: no I/O, no threads. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hpod/status.hpp"
#include "hpod/study_view.hpp"

namespace hpod {

struct ImportanceOptions {
  int n_trees = 64;          // Optuna's FanovaImportanceEvaluator: 64 trees,
  int max_depth = 64;        // depth 64,
  int min_samples_split = 2; // split while a node has two samples,
  int min_samples_leaf = 1;  // leaves of one sample
  std::uint64_t seed = 0;
  // Above this many completed trials an evenly spaced subset (by trial number) is used,
  // which bounds the time of one evaluation (it runs on the daemon's thread).
  std::size_t max_trials = 1000;
};

// Features are columns of equal length, each scaled to [0, 1] (the forest and the
// variance decomposition work on the unit cube with the uniform measure). Returns one
// importance per feature, summing to 1; all zeros when the forest predicts a constant.
std::vector<double> fanova_importance(const std::vector<std::vector<double>>& features, const std::vector<double>& y,
                                      const ImportanceOptions& options);

struct ParamImportance {
  std::string name;
  double importance = 0;
};
struct StudyImportance {
  std::vector<ParamImportance> params;  // most important first
  std::size_t n_trials = 0;             // completed trials used
  std::size_t n_completed = 0;          // completed trials with a finite value
};

// What the forest is fitted to, taken from a study (cheap: one pass over the trials) so the
// fit itself can run elsewhere on a copy. The parameters of the intersection search space
// of the completed trials (without single-valued ones), each mapped onto [0, 1]: log-scaled
// parameters by their logarithm, grids so each grid point owns an equal share, categorical
// choices as equal slots. FailedPrecondition with fewer than two usable trials or no
// parameter.
struct ImportanceInput {
  std::vector<std::string> names;
  std::vector<std::vector<double>> features;  // one column per name
  std::vector<double> y;
  std::size_t n_completed = 0;
};
Result<ImportanceInput> importance_input(const StudyView& study, const ImportanceOptions& options);
StudyImportance compute_importance(const ImportanceInput& input, const ImportanceOptions& options);

// Both of the above.
Result<StudyImportance> study_importance(const StudyView& study, const ImportanceOptions& options);

}  // namespace hpod
