#include "pruners/hyperband_pruner.hpp"

#include <cmath>
#include <string>

#include "pruners/crc32.hpp"

namespace hpod {

HyperbandBrackets HyperbandBrackets::compute(std::int64_t min_resource, std::int64_t max_resource,
                                             std::int64_t reduction_factor) {
  HyperbandBrackets b;
  // Exactly Optuna's double-precision expression: (1, 1000, 10) gives floor(2.9999...) + 1 = 3.
  double ratio = static_cast<double>(max_resource) / static_cast<double>(min_resource);
  double n = std::floor(std::log(ratio) / std::log(static_cast<double>(reduction_factor))) + 1;
  // max_resource "auto" may come out below min_resource (short curves): Optuna then has no
  // bracket at all and fails; one bracket (plain SH) is the sensible continuation.
  b.n_brackets = std::max(1, static_cast<int>(n));
  for (int id = 0; id < b.n_brackets; ++id) {
    double scale = std::pow(static_cast<double>(reduction_factor), b.n_brackets - 1 - id);
    auto budget = static_cast<std::int64_t>(std::ceil(b.n_brackets * scale / (b.n_brackets - id)));
    b.budgets.push_back(budget);
    b.total_budget += budget;
  }
  return b;
}

int HyperbandBrackets::bracket_of(std::string_view study_name, int number) const {
  std::string key(study_name);
  key += '_';
  key += std::to_string(number);
  std::int64_t h = static_cast<std::int64_t>(crc32(key) % static_cast<std::uint64_t>(total_budget));
  for (int id = 0; id < n_brackets; ++id) {
    h -= budgets[static_cast<std::size_t>(id)];
    if (h < 0) return id;
  }
  return n_brackets - 1;  // unreachable: the budgets sum to total_budget
}

bool HyperbandPruner::try_initialize(const StudyView& study) {
  std::int64_t max_resource = 0;
  if (opt_.max_resource) {
    max_resource = *opt_.max_resource;
  } else {
    auto max_step = complete_last_step_.update(study);
    if (!max_step) return false;
    max_resource = *max_step + 1;
  }
  brackets_ = HyperbandBrackets::compute(opt_.min_resource, max_resource, opt_.reduction_factor);
  rungs_.assign(static_cast<std::size_t>(brackets_->n_brackets), RungIndex{});
  // Rung values written before this object existed (daemon restart) are in the attributes.
  for (const FrozenTrial* t : study.trials())
    rungs_[static_cast<std::size_t>(brackets_->bracket_of(study.name(), t->number))].add_from_attrs(*t);
  return true;
}

PruneDecision HyperbandPruner::should_prune(const StudyView& study, const FrozenTrial& trial) {
  if (!brackets_ && !try_initialize(study)) return {};
  int bracket = brackets_->bracket_of(study.name(), trial.number);
  SuccessiveHalvingOptions sh{opt_.min_resource, opt_.reduction_factor, bracket, opt_.bootstrap_count};
  return successive_halving_decide(trial, study.direction(), opt_.min_resource, sh,
                                   rungs_[static_cast<std::size_t>(bracket)]);
}

std::function<bool(const FrozenTrial&)> HyperbandPruner::sampler_filter(const StudyView& study, int number) {
  // Before initialization every trial is in bracket 0: the whole study.
  if (!brackets_) return {};
  int bracket = brackets_->bracket_of(study.name(), number);
  return [layout = *brackets_, name = study.name(), bracket](const FrozenTrial& t) {
    return layout.bracket_of(name, t.number) == bracket;
  };
}

}  // namespace hpod
