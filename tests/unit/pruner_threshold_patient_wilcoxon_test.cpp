// ThresholdPruner, PatientPruner, WilcoxonPruner and NopPruner against Optuna's tables
// (optuna/pruners/_threshold.py, _patient.py, _wilcoxon.py, _nop.py).
#include <random>

#include "pruner_test_util.hpp"
#include "pruners/wilcoxon_signed_rank.hpp"

using namespace hpod;
using namespace hpod::testing;
using nlohmann::json;

namespace {

bool decide(const json& block, StudyDirection dir, const json& values) {
  InMemoryStudy study("t", {dir});
  auto pruner = pruner_from(block);
  int n = add_running(study, step_map(values));
  return pruner->should_prune(study, *study.trial(n)).prune;
}

}  // namespace

TEST_CASE("threshold pruner reproduces Optuna's table") {
  for (auto& row : vectors()["pruners"]["threshold"]) {
    json b = row["kwargs"];
    b["type"] = "threshold";
    for (auto dir : {StudyDirection::kMinimize, StudyDirection::kMaximize})  // direction plays no part
      CHECK_MESSAGE(decide(b, dir, row["intermediate_values"]) == row["prune"].get<bool>(), row.dump());
  }
  json b = {{"type", "threshold"}, {"upper", 1.0}, {"n_warmup_steps", 2}, {"interval_steps", 3}};
  CHECK_FALSE(decide(b, StudyDirection::kMinimize, {{"1", 9.0}}));           // warm-up
  CHECK(decide(b, StudyDirection::kMinimize, {{"2", 9.0}}));                 // check point 2
  CHECK_FALSE(decide(b, StudyDirection::kMinimize, {{"2", 0.5}, {"3", 9.0}}));  // 3: not a check step
  CHECK(decide(b, StudyDirection::kMinimize, {{"2", 0.5}, {"6", 9.0}}));     // first report after check point 5
  CHECK_FALSE(decide(b, StudyDirection::kMinimize, json::object()));         // no reports
  CHECK(decide({{"type", "threshold"}, {"lower", 0.0}}, StudyDirection::kMinimize, {{"0", "-inf"}}));
}

TEST_CASE("patient pruner without wrapped pruner reproduces Optuna's table") {
  for (auto& row : vectors()["pruners"]["patient_without_wrapped_pruner"]) {
    json b = row["kwargs"];
    b["type"] = "patient";
    b["wrapped_pruner"] = nullptr;
    CHECK_MESSAGE(decide(b, direction_of(row["direction"]), row["intermediate_values"]) == row["prune"].get<bool>(),
                  row.dump());
  }
  CHECK_FALSE(decide({{"type", "patient"}, {"patience", 0}}, StudyDirection::kMinimize, json::object()));
}

TEST_CASE("patient pruner defers to its wrapped pruner only when the trial stalls") {
  // Wrapped successive halving: its rung attributes pass through when consulted.
  InMemoryStudy study("p", {StudyDirection::kMinimize});
  auto p = pruner_from({{"type", "patient"}, {"patience", 1},
                        {"wrapped_pruner", {{"type", "successive_halving"}, {"min_resource", 1}, {"reduction_factor", 2}}}});
  int a = add_running(study, {});
  CHECK(report(study, *p, a, 0, 1.0).system_attrs.empty());
  CHECK(report(study, *p, a, 1, 0.9).system_attrs.empty());  // too few steps to judge
  CHECK(report(study, *p, a, 2, 1.5).system_attrs.empty());  // 0.9 in the window: not stalled, SH not asked
  auto d = report(study, *p, a, 3, 1.6);                      // stalled: SH decides, rungs 0 and 1 (steps 1, 2)
  CHECK_FALSE(d.prune);
  CHECK(d.system_attrs.size() == 2);
  // Wrapped median with nothing COMPLETE: stalled but the wrapped pruner keeps it.
  InMemoryStudy s2("p2", {StudyDirection::kMinimize});
  auto pm = pruner_from({{"type", "patient"}, {"patience", 0}, {"wrapped_pruner", {{"type", "median"}}}});
  int b = add_running(s2, {{0, 1.0}, {1, 2.0}});
  CHECK_FALSE(pm->should_prune(s2, *s2.trial(b)).prune);
  auto pn = pruner_from({{"type", "patient"}, {"patience", 0}});
  CHECK(pn->should_prune(s2, *s2.trial(b)).prune);
  // min_delta: 1.0 → 1.05 is within 0.1, so not stalled.
  auto pd = pruner_from({{"type", "patient"}, {"patience", 0}, {"min_delta", 0.1}});
  int c = add_running(s2, {{0, 1.0}, {1, 1.05}});
  CHECK_FALSE(pd->should_prune(s2, *s2.trial(c)).prune);
}

TEST_CASE("wilcoxon pruner reproduces Optuna 4.9's decisions") {
  for (auto& row : vectors()["pruners"]["wilcoxon_optuna_4_9"]) {
    InMemoryStudy study("w", {direction_of(row["direction"])});
    auto best_values = step_map(row["best_trial_intermediate_values"]);
    int best = add_running(study, best_values);
    double sum = 0;
    for (auto [s, v] : best_values) sum += v;
    study.finish(best, TrialState::kComplete, {sum / static_cast<double>(best_values.size())}, {});
    json b = row["kwargs"];
    b["type"] = "wilcoxon";
    auto pruner = pruner_from(b);
    int n = add_running(study, step_map(row["intermediate_values"]));
    CHECK_MESSAGE(pruner->should_prune(study, *study.trial(n)).prune == row["prune"].get<bool>(), row.dump());
  }
}

TEST_CASE("wilcoxon pruner: no best trial, non-finite values, best trial follows the study") {
  InMemoryStudy study("w", {StudyDirection::kMinimize});
  auto w = pruner_from({{"type", "wilcoxon"}});
  std::map<std::int64_t, double> bad;
  for (int s = 0; s < 10; ++s) bad[s] = 5.0 + s;
  int cur = add_running(study, bad);
  CHECK_FALSE(w->should_prune(study, *study.trial(cur)).prune);  // no best trial
  std::map<std::int64_t, double> good;
  for (int s = 0; s < 10; ++s) good[s] = 1.0 + 0.1 * s;
  int b1 = add_running(study, good);
  study.finish(b1, TrialState::kComplete, {2.0}, {});
  CHECK(w->should_prune(study, *study.trial(cur)).prune);
  study.mutable_trial(cur)->intermediate_values.insert(10, NAN);
  CHECK_FALSE(w->should_prune(study, *study.trial(cur)).prune);  // a non-finite value: no verdict
  // A new, worse-at-every-step best: the current (finite) trial is now better.
  std::map<std::int64_t, double> worse;
  for (int s = 0; s < 10; ++s) worse[s] = 9.0 + s;
  int b2 = add_running(study, worse);
  study.finish(b2, TrialState::kComplete, {1.0}, {});  // best by value
  int cur2 = add_running(study, bad);
  CHECK_FALSE(w->should_prune(study, *study.trial(cur2)).prune);
}

TEST_CASE("wilcoxon signed-rank p-values: exact and normal approximation") {
  // Exact: all 5 differences positive → P(R+ >= 15) = 1/32.
  std::vector<double> pos{1, 2, 3, 4, 5};
  CHECK(wilcoxon_signed_rank_pvalue(pos, WilcoxonAlternative::kGreater) == doctest::Approx(1.0 / 32));
  CHECK(wilcoxon_signed_rank_pvalue(pos, WilcoxonAlternative::kLess) == doctest::Approx(1.0));
  // R+ = 1 + 2 = 3 of n = 3: P(R+ >= 3) = 5/8 ({3},{1,2},{1,3},{2,3},{1,2,3}),
  // P(R+ <= 3) = 5/8 ({},{1},{2},{3},{1,2}).
  std::vector<double> mix{0.1, 0.2, -0.3};
  CHECK(wilcoxon_signed_rank_pvalue(mix, WilcoxonAlternative::kGreater) == doctest::Approx(5.0 / 8));
  CHECK(wilcoxon_signed_rank_pvalue(mix, WilcoxonAlternative::kLess) == doctest::Approx(5.0 / 8));
  std::vector<double> mix2{0.1, -0.2, -0.3};  // R+ = 1: P(R+ <= 1) = 2/8
  CHECK(wilcoxon_signed_rank_pvalue(mix2, WilcoxonAlternative::kLess) == doctest::Approx(2.0 / 8));
  // Zeros → normal approximation with zsplit: d = {0, 1, 2}: R+ = 0.5 + 2 + 3 = 5.5, mean 3,
  // sd sqrt(3·4·7/24), z = 2.5 / 1.8708287 → sf = 0.0907...
  std::vector<double> z{0, 1, 2};
  CHECK(wilcoxon_signed_rank_pvalue(z, WilcoxonAlternative::kGreater) ==
        doctest::Approx(0.5 * std::erfc(2.5 / std::sqrt(3.5) / std::sqrt(2.0))));
  // Ties: d = {1, 1, 2}: ranks 1.5, 1.5, 3; variance 84 − 0.5·2·3 = 81 → sd sqrt(81/24).
  std::vector<double> t{1, 1, 2};
  CHECK(wilcoxon_signed_rank_pvalue(t, WilcoxonAlternative::kGreater) ==
        doctest::Approx(0.5 * std::erfc(3.0 / std::sqrt(81.0 / 24) / std::sqrt(2.0))));
}

TEST_CASE("nop pruner never prunes") {
  CHECK_FALSE(decide({{"type", "nop"}}, StudyDirection::kMinimize, {{"0", "nan"}}));
}

TEST_CASE("wilcoxon pruner: the folded best trial decides as a fresh pruner object would") {
  // A fresh object folds the whole finished log at once; the long-lived one catches up
  // report by report. Every COMPLETE trial has value 1.0, so ties (lowest number wins, as
  // hpod::best_trial) are exercised with out-of-order finishing.
  std::mt19937_64 rng(99);
  RandomStudyCounts total;
  for (auto dir : {StudyDirection::kMinimize, StudyDirection::kMaximize}) {
    InMemoryStudy study("w-rand", {dir});
    auto cached = pruner_from({{"type", "wilcoxon"}, {"p_threshold", 0.3}});
    total += drive_random_study(study, rng, {200, 4, 25, 2, false}, [&](FrozenTrial& t) {
      auto fresh = pruner_from({{"type", "wilcoxon"}, {"p_threshold", 0.3}});
      bool want = fresh->should_prune(study, t).prune;
      bool got = cached->should_prune(study, t).prune;
      REQUIRE(got == want);
      const FrozenTrial* best = best_trial(study.trials(), dir);
      if (best) CHECK(best->values[0] == 1.0);
      return got;
    });
  }
  CHECK(total.decisions > 1000);
  CHECK(total.prunes > 20);
}
