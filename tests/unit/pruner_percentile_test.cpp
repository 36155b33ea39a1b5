// PercentilePruner / MedianPruner against Optuna's decision tables (optuna/pruners/_percentile.py).
#include <cmath>
#include <random>

#include "pruner_test_util.hpp"
#include "pruners/complete_step_index.hpp"
#include "pruners/percentile_pruner.hpp"
#include "pruners/step_rules.hpp"

using namespace hpod;
using namespace hpod::testing;
using nlohmann::json;

namespace {

json block_for(const json& row) {
  json b = row["kwargs"];
  b["type"] = row["pruner"] == "MedianPruner" ? "median" : "percentile";
  return b;
}

void fill_completed(InMemoryStudy& s, const json& curves) {
  for (auto& c : curves) {
    std::vector<double> v;
    for (auto& x : c) v.push_back(num(x));
    add_complete(s, v, v.back());
  }
}

}  // namespace

TEST_CASE("percentile/median pruner reproduces Optuna's decision table, both directions") {
  for (const char* dir : {"minimize", "maximize"}) {
    const json& table = vectors()["pruners"]["percentile_and_median"][dir];
    REQUIRE(table["decisions"].size() == 104);
    int row_no = 0;
    for (auto& row : table["decisions"]) {
      InMemoryStudy study("pm", {direction_of(dir)});
      fill_completed(study, table["completed_trials_intermediate_values"]);
      auto pruner = pruner_from(block_for(row));
      int n = add_running(study, step_map(row["current_intermediate_values"]));
      PruneDecision d = pruner->should_prune(study, *study.trial(n));
      CHECK_MESSAGE(d.prune == row["prune"].get<bool>(), dir << " row " << row_no << ": " << row.dump());
      CHECK(d.system_attrs.empty());
      ++row_no;
    }
  }
}

TEST_CASE("numpy percentile emulation reproduces the table's percentile values") {
  for (const char* dir : {"minimize", "maximize"}) {
    const json& table = vectors()["pruners"]["percentile_and_median"][dir];
    InMemoryStudy study("pm", {direction_of(dir)});
    fill_completed(study, table["completed_trials_intermediate_values"]);
    CompleteStepIndex index;
    index.catch_up(study);
    CHECK(index.n_complete() == 5);
    for (auto& item : table["percentile_values_n_min_trials_1"].items()) {
      const std::string key = item.key();
      const json& want = item.value();
      // "step3_p25.0"
      std::int64_t step = std::stoll(key.substr(4, key.find('_') - 4));
      double p = std::stod(key.substr(key.find("_p") + 2));
      double q = std::string(dir) == "maximize" ? 100.0 - p : p;
      const auto* st = index.step(step);
      REQUIRE(st);
      double got = numpy_percentile_sorted(st->values.size(), q, [&](std::size_t i) { return st->values[i]; });
      CHECK_MESSAGE(close(got, num(want), 1e-12), dir << " " << key << " got " << got);
    }
  }
}

TEST_CASE("numpy percentile emulation: infinities as numpy 1.24 computes them") {
  auto pct = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return numpy_percentile_sorted(v.size(), q, [&](std::size_t i) { return v[i]; });
  };
  const double inf = INFINITY;
  // Values printed by numpy 1.24.2's nanpercentile.
  CHECK(std::isnan(pct({1, inf}, 50)));
  CHECK(std::isnan(pct({1, inf}, 0)));
  CHECK(std::isnan(pct({inf}, 50)));
  CHECK(std::isnan(pct({1, 2, inf}, 100)));
  CHECK(pct({-inf, 1}, 50) == -inf);
  CHECK(std::isnan(pct({-inf, 1}, 25)));
  CHECK(pct({-inf, 1, 2}, 75) == 1.5);
  CHECK(pct({1, 2, 3, 4}, 90) == doctest::Approx(3.7).epsilon(1e-15));
  CHECK(pct({0.5, 2, 3, 10}, 90) == 7.900000000000001);
  CHECK(pct({4.0}, 50) == 4.0);
  CHECK(std::isnan(pct({}, 50)));
}

TEST_CASE("interval step rule reproduces Optuna's table") {
  for (auto& row : vectors()["pruners"]["interval_step_rule"]) {
    IntermediateValues iv;
    for (auto& s : row["reported_steps"]) iv.insert(s.get<std::int64_t>(), 0.0);
    REQUIRE(*iv.last_step() == row["step"].get<std::int64_t>());
    CHECK_MESSAGE(is_check_step(iv, row["n_warmup_steps"], row["interval_steps"]) == row["is_check_step"].get<bool>(),
                  row.dump());
  }
  IntermediateValues none;
  CHECK_FALSE(is_check_step(none, 0, 1));
  IntermediateValues early;
  early.insert(1, 0.0);
  CHECK_FALSE(is_check_step(early, 2, 1));  // still warming up
  early.insert(2, 0.0);
  CHECK(is_check_step(early, 2, 1));
}

TEST_CASE("median pruner edges: startup, warm-up, interval, n_min_trials, NaN, inf") {
  InMemoryStudy study("edges", {StudyDirection::kMinimize});
  auto median = pruner_from({{"type", "median"}, {"n_startup_trials", 3}, {"n_warmup_steps", 2}, {"interval_steps", 2}});
  add_complete(study, {1, 1, 1, 1, 1}, 1);
  add_complete(study, {2, 2, 2, 2, 2}, 2);
  int t = add_running(study, {{0, 9}, {1, 9}, {2, 9}});
  CHECK_FALSE(median->should_prune(study, *study.trial(t)).prune);  // 2 < n_startup_trials
  add_complete(study, {3, 3, 3, 3, 3}, 3);
  CHECK(median->should_prune(study, *study.trial(t)).prune);  // step 2: first check point
  int u = add_running(study, {{0, 9}, {1, 9}});
  CHECK_FALSE(median->should_prune(study, *study.trial(u)).prune);  // warm-up
  int v = add_running(study, {{2, 1}, {3, 9}});
  CHECK_FALSE(median->should_prune(study, *study.trial(v)).prune);  // step 3 is not a check step
  int w = add_running(study, {{1, 9}, {3, 9}});
  CHECK(median->should_prune(study, *study.trial(w)).prune);  // 3 is the first report after check point 2

  // All NaN → prune; best ignores NaN.
  CHECK(median->should_prune(study, *study.trial(add_running(study, {{2, NAN}}))).prune);
  CHECK_FALSE(median->should_prune(study, *study.trial(add_running(study, {{0, 0.5}, {2, NAN}}))).prune);
  // A step no COMPLETE trial reported: fewer than n_min_trials → continue.
  CHECK_FALSE(median->should_prune(study, *study.trial(add_running(study, {{8, 100}}))).prune);
  // +inf intermediate is worse than any finite median; -inf never pruned.
  CHECK(median->should_prune(study, *study.trial(add_running(study, {{2, INFINITY}}))).prune);
  CHECK_FALSE(median->should_prune(study, *study.trial(add_running(study, {{2, -INFINITY}}))).prune);

  // n_min_trials counts NaN values, the percentile ignores them.
  InMemoryStudy s2("nan", {StudyDirection::kMinimize});
  add_complete(s2, {NAN}, 1);
  add_complete(s2, {NAN}, 1);
  add_complete(s2, {1.0}, 1);
  auto nmin3 = pruner_from({{"type", "median"}, {"n_startup_trials", 0}, {"n_min_trials", 3}});
  CHECK(nmin3->should_prune(s2, *s2.trial(add_running(s2, {{0, 2.0}}))).prune);  // 3 reported, median 1.0
  auto nmin4 = pruner_from({{"type", "median"}, {"n_startup_trials", 0}, {"n_min_trials", 4}});
  CHECK_FALSE(nmin4->should_prune(s2, *s2.trial(add_running(s2, {{0, 2.0}}))).prune);
  // Only NaN at the step: no percentile → continue.
  InMemoryStudy s3("allnan", {StudyDirection::kMinimize});
  add_complete(s3, {NAN}, 1);
  auto m = pruner_from({{"type", "median"}, {"n_startup_trials", 0}});
  CHECK_FALSE(m->should_prune(s3, *s3.trial(add_running(s3, {{0, 2.0}}))).prune);
  // An infinite neighbour makes numpy's percentile NaN → continue.
  InMemoryStudy s4("inf", {StudyDirection::kMinimize});
  add_complete(s4, {1.0}, 1);
  add_complete(s4, {INFINITY}, 1);
  CHECK_FALSE(m->should_prune(s4, *s4.trial(add_running(s4, {{0, 1e9}}))).prune);
}

TEST_CASE("median pruner, maximize: prunes below the median") {
  InMemoryStudy study("max", {StudyDirection::kMaximize});
  for (double v : {1.0, 2.0, 3.0}) add_complete(study, {v}, v);
  auto m = pruner_from({{"type", "median"}, {"n_startup_trials", 0}});
  CHECK(m->should_prune(study, *study.trial(add_running(study, {{0, 1.5}}))).prune);
  CHECK_FALSE(m->should_prune(study, *study.trial(add_running(study, {{0, 2.0}}))).prune);
  CHECK_FALSE(m->should_prune(study, *study.trial(add_running(study, {{0, 2.5}}))).prune);
  auto p25 = pruner_from({{"type", "percentile"}, {"percentile", 25.0}, {"n_startup_trials", 0}});
  // maximize uses the 75th percentile (2.5)
  CHECK(p25->should_prune(study, *study.trial(add_running(study, {{0, 2.4}}))).prune);
  CHECK_FALSE(p25->should_prune(study, *study.trial(add_running(study, {{0, 2.6}}))).prune);
}

namespace {

// The percentile rule by a full scan of the study, as the spec states it.
bool percentile_reference(const StudyView& study, const FrozenTrial& trial, const PercentileOptions& o) {
  std::size_t n_complete = 0;
  for (auto* t : study.trials()) n_complete += t->state == TrialState::kComplete;
  if (n_complete == 0 || n_complete < static_cast<std::size_t>(o.n_startup_trials)) return false;
  auto step = trial.last_step();
  if (!step || *step < o.n_warmup_steps) return false;
  std::int64_t p = (*step - o.n_warmup_steps) / o.interval_steps * o.interval_steps + o.n_warmup_steps;
  std::int64_t second = -1;
  for (auto [s, v] : trial.intermediate_values)
    if (s != *step) second = std::max(second, s);
  if (second >= p) return false;
  bool maximize = study.direction() == StudyDirection::kMaximize;
  double best = NAN;
  for (auto [s, v] : trial.intermediate_values)
    if (!std::isnan(v) && (std::isnan(best) || (maximize ? v > best : v < best))) best = v;
  if (std::isnan(best)) return true;
  std::vector<double> at_step;
  std::size_t reported = 0;
  for (auto* t : study.trials()) {
    if (t->state != TrialState::kComplete) continue;
    if (auto v = t->intermediate_values.at(*step)) {
      ++reported;
      if (!std::isnan(*v)) at_step.push_back(*v);
    }
  }
  if (reported < static_cast<std::size_t>(o.n_min_trials)) return false;
  std::sort(at_step.begin(), at_step.end());
  double q = numpy_percentile_sorted(at_step.size(), maximize ? 100 - o.percentile : o.percentile,
                                     [&](std::size_t i) { return at_step[i]; });
  if (std::isnan(q)) return false;
  return maximize ? best < q : best > q;
}

}  // namespace

TEST_CASE("percentile pruner: indexed decisions equal a full recomputation on random studies") {
  std::mt19937_64 rng(20240611);
  std::vector<PercentileOptions> configs = {
      {50, 5, 0, 1, 1}, {25, 0, 3, 2, 1}, {90, 2, 0, 3, 4}, {0, 0, 0, 1, 1}, {100, 0, 1, 1, 2}};
  RandomStudyCounts total;
  for (auto dir : {StudyDirection::kMinimize, StudyDirection::kMaximize}) {
    for (auto& o : configs) {
      InMemoryStudy study("rand", {dir});
      json block = {{"type", "percentile"}, {"percentile", o.percentile}, {"n_startup_trials", o.n_startup_trials},
                    {"n_warmup_steps", o.n_warmup_steps}, {"interval_steps", o.interval_steps},
                    {"n_min_trials", o.n_min_trials}};
      auto pruner = pruner_from(block);
      total += drive_random_study(study, rng, {250, 4, 12, 3}, [&](FrozenTrial& t) {
        bool want = percentile_reference(study, t, o);
        bool got = pruner->should_prune(study, t).prune;
        REQUIRE_MESSAGE(got == want, "trial " << t.number << " step " << *t.last_step());
        return got;
      });
    }
  }
  CHECK(total.decisions > 10000);
  CHECK(total.prunes > 500);  // the comparison covers both outcomes
}

TEST_CASE("percentile pruner handed another study object rebuilds its index") {
  auto m = pruner_from({{"type", "median"}, {"n_startup_trials", 0}});
  InMemoryStudy a("a", {StudyDirection::kMinimize});
  for (double v : {1.0, 2.0, 3.0}) add_complete(a, {v}, v);
  CHECK(m->should_prune(a, *a.trial(add_running(a, {{0, 2.5}}))).prune);  // median 2
  InMemoryStudy b("b", {StudyDirection::kMinimize});
  add_complete(b, {5.0}, 5.0);
  CHECK_FALSE(m->should_prune(b, *b.trial(add_running(b, {{0, 2.5}}))).prune);  // median 5, not 2 or 3.5
}
