// SuccessiveHalvingPruner against Optuna's runs (optuna/pruners/_successive_halving.py).
#include <random>

#include "pruner_sh_reference.hpp"
#include "pruner_test_util.hpp"
#include "pruners/rung_index.hpp"
#include "pruners/successive_halving_pruner.hpp"

using namespace hpod;
using namespace hpod::testing;
using nlohmann::json;

namespace {

struct RunResult {
  std::vector<std::optional<std::int64_t>> pruned_at;
  std::vector<std::map<std::string, std::string>> rung_attrs;
};

// The vectors' protocol: trials run one after another, trial i reports base_i + 1/(step+1)
// at steps 0..n_steps-1; a finished trial tells its base.
RunResult run_sequential(const json& run, Pruner& pruner) {
  InMemoryStudy study("sh", {StudyDirection::kMinimize});
  RunResult r;
  for (auto& b : run["bases"]) {
    double base = b.get<double>();
    int n = add_running(study, {});
    std::optional<std::int64_t> pruned;
    for (std::int64_t step = 0; step < run["n_steps"].get<std::int64_t>(); ++step) {
      if (report(study, pruner, n, step, base + 1.0 / static_cast<double>(step + 1)).prune) {
        pruned = step;
        break;
      }
    }
    study.finish(n, pruned ? TrialState::kPruned : TrialState::kComplete, pruned ? std::vector<double>{} : std::vector<double>{base}, {});
    r.pruned_at.push_back(pruned);
    std::map<std::string, std::string> attrs(study.trial(n)->system_attrs.begin(), study.trial(n)->system_attrs.end());
    r.rung_attrs.push_back(attrs);
  }
  return r;
}

json sh_block(const json& kwargs) {
  json b = kwargs;
  b["type"] = "successive_halving";
  return b;
}

void check_run(const json& run, const json& expected, const std::string& label) {
  auto pruner = pruner_from(sh_block(run["pruner_kwargs"]));
  RunResult got = run_sequential(run, *pruner);
  REQUIRE(got.pruned_at.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto& want = expected[i];
    std::optional<std::int64_t> want_step;
    if (!want["pruned_at_step"].is_null()) want_step = want["pruned_at_step"].get<std::int64_t>();
    CHECK_MESSAGE(got.pruned_at[i] == want_step, label << " trial " << i);
    std::map<std::string, std::string> want_attrs;
    for (auto& [k, v] : want["rung_attrs"].items()) want_attrs[k] = python_json_float(v.get<double>());
    CHECK_MESSAGE(got.rung_attrs[i] == want_attrs, label << " trial " << i);
  }
}

}  // namespace

TEST_CASE("successive halving reproduces Optuna 4.9 runs (both storages) and 3.1 in-memory") {
  const json& sh = vectors()["pruners"]["successive_halving"];
  for (auto& [name, run] : sh["optuna_4_9"]["runs"].items()) {
    check_run(run, run["inmemory"], "4.9 inmemory " + name);
    check_run(run, run["sqlite_rdb"], "4.9 sqlite " + name);
  }
  for (auto& [name, run] : sh["optuna_3_1"]["runs"].items()) check_run(run, run["inmemory"], "3.1 inmemory " + name);
}

TEST_CASE("successive halving does not copy the 3.1 + RDB double count") {
  const json& run = vectors()["pruners"]["successive_halving"]["optuna_3_1"]["runs"]["rf2_min1"];
  auto pruner = pruner_from(sh_block(run["pruner_kwargs"]));
  RunResult got = run_sequential(run, *pruner);
  std::vector<std::optional<std::int64_t>> quirk;
  for (auto& t : run["sqlite_rdb"])
    quirk.push_back(t["pruned_at_step"].is_null() ? std::nullopt : std::optional<std::int64_t>(t["pruned_at_step"]));
  CHECK(got.pruned_at != quirk);
  CHECK(got.pruned_at[2] == 1);  // 3.1 + SQLite lets trial 2 complete
}

TEST_CASE("auto min_resource table and fixing it once per pruner object") {
  for (const char* ver : {"optuna_3_1", "optuna_4_9"}) {
    for (auto& row : vectors()["pruners"]["successive_halving"][ver]["auto_min_resource"]) {
      std::int64_t last = row["max_last_step_of_complete_trials"];
      std::int64_t want = row["min_resource"];
      CHECK(auto_min_resource(last) == want);
      // Through the pruner: rung 0 is reached at step min_resource (rate 0).
      InMemoryStudy study("auto", {StudyDirection::kMinimize});
      int c = add_running(study, {{last, 1.0}});
      study.finish(c, TrialState::kComplete, {1.0}, {});
      auto pruner = pruner_from({{"type", "successive_halving"}});
      int t = add_running(study, {});
      if (want > 1) CHECK(report(study, *pruner, t, want - 1, 0.5).system_attrs.empty());
      auto d = report(study, *pruner, t, want, 0.5);
      REQUIRE(d.system_attrs.size() == 1);
      CHECK(d.system_attrs[0].first == "completed_rung_0");
    }
  }
  // Nothing COMPLETE yet: no decision, nothing written.
  InMemoryStudy study("auto2", {StudyDirection::kMinimize});
  auto pruner = pruner_from({{"type", "successive_halving"}});
  int t = add_running(study, {});
  CHECK(report(study, *pruner, t, 5, 1.0).system_attrs.empty());
  int c = add_running(study, {{99, 1.0}});
  study.finish(c, TrialState::kComplete, {1.0}, {});
  CHECK(report(study, *pruner, t, 6, 1.0).system_attrs.size() == 2);  // min_resource 1: rungs at steps 1 and 4
  // A longer COMPLETE trial later does not move it.
  int c2 = add_running(study, {{999, 1.0}});
  study.finish(c2, TrialState::kComplete, {1.0}, {});
  int t2 = add_running(study, {});
  CHECK(report(study, *pruner, t2, 1, 0.5).system_attrs.size() == 1);
}

TEST_CASE("successive halving edges: NaN prunes at a rung, a high step passes several rungs, maximize, inf") {
  InMemoryStudy study("edges", {StudyDirection::kMinimize});
  auto sh = pruner_from({{"type", "successive_halving"}, {"min_resource", 1}, {"reduction_factor", 2}});
  int a = add_running(study, {});
  CHECK_FALSE(report(study, *sh, a, 0, NAN).prune);  // below rung 0's promotion step
  CHECK(report(study, *sh, a, 1, NAN).prune);
  CHECK(study.trial(a)->system_attrs.empty());
  int b = add_running(study, {});
  auto d = report(study, *sh, b, 8, 2.0);  // rungs 0..3 at once (steps 1, 2, 4, 8)
  CHECK_FALSE(d.prune);
  CHECK(d.system_attrs.size() == 4);
  int c = add_running(study, {});
  d = report(study, *sh, c, 1, INFINITY);
  CHECK(d.prune);
  REQUIRE(d.system_attrs.size() == 1);
  CHECK(d.system_attrs[0].second == "Infinity");

  InMemoryStudy maxi("max", {StudyDirection::kMaximize});
  auto shm = pruner_from({{"type", "successive_halving"}, {"min_resource", 1}, {"reduction_factor", 2}});
  int x = add_running(maxi, {});
  CHECK_FALSE(report(maxi, *shm, x, 1, 5.0).prune);
  int y = add_running(maxi, {});
  CHECK(report(maxi, *shm, y, 1, 4.0).prune);  // 2 competitors, top 1 promoted: 5
  int z = add_running(maxi, {});
  CHECK_FALSE(report(maxi, *shm, z, 1, 6.0).prune);
}

TEST_CASE("rung attribute text is Python's json.dumps and parses back") {
  CHECK(python_json_float(5.0) == "5.0");
  CHECK(python_json_float(5.333333333333333) == "5.333333333333333");
  CHECK(python_json_float(1e-05) == "1e-05");
  CHECK(python_json_float(-INFINITY) == "-Infinity");
  CHECK(*parse_python_json_float("5.0") == 5.0);
  CHECK(*parse_python_json_float(" 7 ") == 7.0);
  CHECK(*parse_python_json_float("Infinity") == INFINITY);
  CHECK(std::isnan(*parse_python_json_float("NaN")));
  CHECK_FALSE(parse_python_json_float("\"x\"").has_value());
  CHECK(parse_completed_rung_key("completed_rung_12") == 12);
  CHECK_FALSE(parse_completed_rung_key("completed_rung_").has_value());
  CHECK_FALSE(parse_completed_rung_key("completed_rung_1x").has_value());
  CHECK_FALSE(parse_completed_rung_key("fixed_params").has_value());
}

TEST_CASE("successive halving: indexed decisions equal a full recomputation on random studies, across restarts") {
  std::mt19937_64 rng(77);
  struct Config {
    std::optional<std::int64_t> min_resource;
    std::int64_t r, rate, bootstrap;
  };
  std::vector<Config> configs = {{1, 2, 0, 0}, {2, 3, 1, 0}, {1, 4, 0, 2}, {std::nullopt, 2, 0, 0}, {1, 3, 2, 1}};
  RandomStudyCounts total;
  long promotions = 0;
  for (auto dir : {StudyDirection::kMinimize, StudyDirection::kMaximize}) {
    for (auto& cfg : configs) {
      json block = {{"type", "successive_halving"}, {"reduction_factor", cfg.r},
                    {"min_early_stopping_rate", cfg.rate}, {"bootstrap_count", cfg.bootstrap}};
      if (cfg.min_resource) block["min_resource"] = *cfg.min_resource;
      InMemoryStudy study("rand", {dir});
      auto pruner = pruner_from(block);
      std::optional<std::int64_t> fixed_min = cfg.min_resource;  // the reference's "auto", fixed once
      auto on_create = [&](int created) {
        if (created % 100 == 0 && cfg.min_resource) pruner = pruner_from(block);  // daemon restart
      };
      total += drive_random_study(study, rng, {300, 5, 40, 8}, [&](FrozenTrial& t) {
        if (!fixed_min) {
          for (auto* u : study.trials())
            if (u->state == TrialState::kComplete && u->last_step())
              fixed_min = std::max<std::int64_t>(fixed_min.value_or(0), *u->last_step());
          if (fixed_min) fixed_min = auto_min_resource(*fixed_min);
        }
        PruneDecision want = fixed_min ? sh_reference(study, t, *fixed_min, cfg.r, cfg.rate, cfg.bootstrap) : PruneDecision{};
        PruneDecision got = decide_as_reference(*pruner, study, t, want);
        promotions += static_cast<long>(got.system_attrs.size()) - (got.prune ? 1 : 0);
        return got.prune;
      }, on_create);
    }
  }
  CHECK(total.decisions > 10000);
  CHECK(total.prunes > 500);
  CHECK(promotions > 1000);
}
