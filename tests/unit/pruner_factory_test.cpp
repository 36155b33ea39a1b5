// make_pruner: types, Optuna's defaults, and errors that name the JSON path.
#include <random>
#include <set>

#include "pruner_test_util.hpp"
#include "pruners/sorted_values.hpp"

using namespace hpod;
using namespace hpod::testing;
using nlohmann::json;

namespace {

std::string pruner_error_of(const json& block) {
  auto p = make_pruner(block, "pruner");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == Status::Code::kInvalidArgument);
  return p.status().message();
}

}  // namespace

TEST_CASE("make_pruner builds every type with Optuna's defaults") {
  CHECK(pruner_from(nullptr)->name() == "median");
  for (const char* t : {"median", "successive_halving", "hyperband", "nop", "wilcoxon"})
    CHECK(pruner_from({{"type", t}})->name() == t);
  CHECK(pruner_from({{"type", "percentile"}, {"percentile", 25}})->name() == "percentile");
  CHECK(pruner_from({{"type", "threshold"}, {"upper", 1}})->name() == "threshold");
  CHECK(pruner_from({{"type", "patient"}, {"patience", 2}, {"wrapped_pruner", nullptr}})->name() == "patient");
  CHECK(pruner_from({{"type", "patient"}, {"patience", 2}, {"wrapped_pruner", {{"type", "median"}}}})->name() ==
        "patient(median)");
  CHECK(pruner_from({{"type", "successive_halving"}, {"min_resource", "auto"}})->name() == "successive_halving");
  CHECK(pruner_from({{"type", "hyperband"}, {"max_resource", "auto"}, {"min_resource", 2}})->name() == "hyperband");

  // Default median: 5 startup trials.
  InMemoryStudy study("d", {StudyDirection::kMinimize});
  auto median = pruner_from(nullptr);
  for (int i = 0; i < 4; ++i) add_complete(study, {1.0}, 1.0);
  int t = add_running(study, {{0, 9.0}});
  CHECK_FALSE(median->should_prune(study, *study.trial(t)).prune);
  add_complete(study, {1.0}, 1.0);
  CHECK(median->should_prune(study, *study.trial(t)).prune);
}

TEST_CASE("make_pruner errors name the JSON path and the rule") {
  CHECK(pruner_error_of({{"type", "percentile"}, {"percentile", 120}}) == "pruner.percentile: must be between 0 and 100");
  CHECK(pruner_error_of({{"type", "percentile"}}) == "pruner: missing \"percentile\"");
  CHECK(pruner_error_of({{"type", "median"}, {"n_warmup_step", 3}}) ==
        "pruner.n_warmup_step: unknown key (did you mean \"n_warmup_steps\"?)");
  CHECK(pruner_error_of({{"type", "median"}, {"percentile", 30}}).find("pruner.percentile: unknown key") == 0);
  CHECK(pruner_error_of({{"type", "median"}, {"n_startup_trials", -1}}) == "pruner.n_startup_trials: must be >= 0");
  CHECK(pruner_error_of({{"type", "median"}, {"interval_steps", 0}}) == "pruner.interval_steps: must be >= 1");
  CHECK(pruner_error_of({{"type", "median"}, {"n_min_trials", 0}}) == "pruner.n_min_trials: must be >= 1");
  CHECK(pruner_error_of({{"type", "median"}, {"n_warmup_steps", 1.5}}) == "pruner.n_warmup_steps: must be an integer");
  CHECK(pruner_error_of({{"type", "mediam"}}) == "pruner.type: unknown pruner \"mediam\" (did you mean \"median\"?)");
  CHECK(pruner_error_of(json::object()).find("pruner: missing \"type\"") == 0);
  CHECK(pruner_error_of(json::array()) == "pruner: must be a JSON object");

  CHECK(pruner_error_of({{"type", "successive_halving"}, {"min_resource", 0}}) ==
        "pruner.min_resource: must be an integer >= 1 or \"auto\"");
  CHECK(pruner_error_of({{"type", "successive_halving"}, {"min_resource", "automatic"}}) ==
        "pruner.min_resource: must be an integer >= 1 or \"auto\"");
  CHECK(pruner_error_of({{"type", "successive_halving"}, {"reduction_factor", 1}}) == "pruner.reduction_factor: must be >= 2");
  CHECK(pruner_error_of({{"type", "successive_halving"}, {"min_early_stopping_rate", -1}}) ==
        "pruner.min_early_stopping_rate: must be >= 0");
  CHECK(pruner_error_of({{"type", "successive_halving"}, {"bootstrap_count", 2}}) ==
        "pruner.bootstrap_count: must be 0 when min_resource is \"auto\"");

  CHECK(pruner_error_of({{"type", "hyperband"}, {"min_resource", "auto"}}) ==
        "pruner.min_resource: must be an integer >= 1 (\"auto\" is only for max_resource)");
  CHECK(pruner_error_of({{"type", "hyperband"}, {"max_resource", 0}}) ==
        "pruner.max_resource: must be an integer >= 1 or \"auto\"");
  CHECK(pruner_error_of({{"type", "hyperband"}, {"min_resource", 5}, {"max_resource", 3}}) ==
        "pruner.max_resource: must be >= min_resource (5)");
  CHECK(pruner_error_of({{"type", "hyperband"}, {"bootstrap_count", 1}}) ==
        "pruner.bootstrap_count: must be 0 when max_resource is \"auto\"");
  CHECK(pruner_error_of({{"type", "hyperband"}, {"reduction_factor", 1}}) == "pruner.reduction_factor: must be >= 2");

  CHECK(pruner_error_of({{"type", "threshold"}}) == "pruner: needs \"lower\" or \"upper\" (or both)");
  CHECK(pruner_error_of({{"type", "threshold"}, {"lower", 2}, {"upper", 1}}) == "pruner.lower: must be <= \"upper\"");
  CHECK(pruner_error_of({{"type", "threshold"}, {"upper", "high"}}) == "pruner.upper: must be a number");

  CHECK(pruner_error_of({{"type", "patient"}}) == "pruner: missing \"patience\"");
  CHECK(pruner_error_of({{"type", "patient"}, {"patience", -1}}) == "pruner.patience: must be >= 0");
  CHECK(pruner_error_of({{"type", "patient"}, {"patience", 1}, {"min_delta", -0.5}}) == "pruner.min_delta: must be >= 0");
  CHECK(pruner_error_of({{"type", "patient"}, {"patience", 1}, {"wrapped_pruner", {{"type", "medain"}}}}) ==
        "pruner.wrapped_pruner.type: unknown pruner \"medain\" (did you mean \"median\"?)");
  CHECK(pruner_error_of({{"type", "patient"}, {"patience", 1}, {"wrapped_pruner", {{"type", "percentile"}, {"percentile", -1}}}}) ==
        "pruner.wrapped_pruner.percentile: must be between 0 and 100");

  CHECK(pruner_error_of({{"type", "wilcoxon"}, {"p_threshold", 1.5}}) == "pruner.p_threshold: must be between 0 and 1");
  CHECK(pruner_error_of({{"type", "wilcoxon"}, {"n_startup_steps", -1}}) == "pruner.n_startup_steps: must be >= 0");
  CHECK(pruner_error_of({{"type", "nop"}, {"x", 1}}) == "pruner.x: unknown key");

  // Several errors at once, one per line.
  std::string many = pruner_error_of({{"type", "median"}, {"n_startup_trials", -1}, {"interval_steps", 0}});
  CHECK(many.find('\n') != std::string::npos);
}

TEST_CASE("SortedValues: rank lookup, insert and erase match a sorted std::multiset") {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-100, 100);
  SortedValues sv;
  std::multiset<double> ref;
  for (int i = 0; i < 20000; ++i) {
    double v = i % 7 == 0 ? std::round(u(rng)) : u(rng);
    if (i % 10 == 3) v = (i % 20 == 3) ? INFINITY : -INFINITY;
    if (!ref.empty() && i % 3 == 0) {
      // erase an existing value (by rank) or an absent one
      auto it = ref.begin();
      std::advance(it, static_cast<long>(rng() % ref.size()));
      double x = *it;
      CHECK(sv.erase(x));
      ref.erase(it);
      CHECK_FALSE(sv.erase(1000.5));
      continue;
    }
    if (i % 5000 == 1) {
      // a bulk load into a non-empty index
      std::vector<double> many;
      for (int j = 0; j < 300; ++j) many.push_back(std::round(u(rng) * 10) / 10);
      for (double x : many) ref.insert(x);
      sv.insert_bulk(many);
    }
    sv.insert(v);
    ref.insert(v);
    if (i % 997 == 0) {
      REQUIRE(sv.size() == ref.size());
      std::size_t k = 0;
      for (double x : ref) REQUIRE(sv[k++] == x);
    }
  }
  while (!ref.empty()) {
    CHECK(sv.erase(*ref.begin()));
    ref.erase(ref.begin());
  }
  CHECK(sv.empty());
}
