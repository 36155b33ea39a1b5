// HyperbandPruner: bracket layout and ids against Optuna (optuna/pruners/_hyperband.py), lazy
// "auto" initialization, per-bracket Successive Halving, the sampler filter.
#include <random>
#include <set>

#include "hpod/search_space.hpp"
#include "pruner_sh_reference.hpp"
#include "pruner_test_util.hpp"
#include "pruners/crc32.hpp"
#include "pruners/hyperband_pruner.hpp"

using namespace hpod;
using namespace hpod::testing;
using nlohmann::json;

TEST_CASE("crc32 is zlib's") {
  CHECK(crc32("") == 0u);
  CHECK(crc32("123456789") == 0xCBF43926u);
  CHECK(crc32("The quick brown fox jumps over the lazy dog") == 0x414FA339u);
}

TEST_CASE("hyperband layout and bracket ids reproduce Optuna for every configuration") {
  for (auto& item : vectors()["pruners"]["hyperband"].items()) {
    const std::string name = item.key();
    const auto& cfg = item.value();
    // "min1_max81_rf3"
    auto field = [&](const char* tag) {
      auto p = name.find(tag) + std::string(tag).size();
      return std::stoll(name.substr(p, name.find('_', p) - p));
    };
    std::int64_t lo = field("min"), hi = field("max"), r = field("rf");
    auto layout = HyperbandBrackets::compute(lo, hi, r);
    CHECK_MESSAGE(layout.n_brackets == cfg["n_brackets"].get<int>(), name);
    CHECK_MESSAGE(layout.budgets == cfg["budgets"].get<std::vector<std::int64_t>>(), name);
    CHECK(layout.total_budget == cfg["total_budget"].get<std::int64_t>());
    std::string study = cfg["study_name"];
    for (int n = 0; n < 30; ++n) {
      auto h = crc32(study + "_" + std::to_string(n)) % static_cast<std::uint32_t>(layout.total_budget);
      CHECK(h == cfg["crc32_mod_total_for_trial_0_to_29"][n].get<std::uint32_t>());
      CHECK_MESSAGE(layout.bracket_of(study, n) == cfg["bracket_id_for_trial_0_to_29"][n].get<int>(), name << " " << n);
    }
    CHECK(cfg["sh_min_early_stopping_rate_per_bracket"].size() == static_cast<std::size_t>(layout.n_brackets));
  }
}

TEST_CASE("hyperband: lazy auto max_resource, bracket 0 before, per-bracket early-stopping rate") {
  InMemoryStudy study("hb-study", {StudyDirection::kMinimize});
  HyperbandPruner hb(HyperbandOptions{1, std::nullopt, 3, 0});
  int t0 = add_running(study, {});
  // No COMPLETE trial: no layout, no decision, the sampler sees everything.
  CHECK_FALSE(report(study, hb, t0, 50, 1.0).prune);
  CHECK(study.trial(t0)->system_attrs.empty());
  CHECK_FALSE(hb.brackets().has_value());
  CHECK_FALSE(static_cast<bool>(hb.sampler_filter(study, t0)));
  // A COMPLETE trial with last step 80 → max_resource 81: (1, 81, 3).
  int c = add_running(study, {{80, 1.0}});
  study.finish(c, TrialState::kComplete, {1.0}, {});
  CHECK_FALSE(report(study, hb, t0, 51, 1.0).prune);
  REQUIRE(hb.brackets().has_value());
  CHECK(hb.brackets()->budgets == std::vector<std::int64_t>{81, 34, 15, 8, 5});
  // Trial 0 is in bracket 1 (vectors): rungs at 3, 9, 27 (rate 1) → 3 rungs by step 51.
  CHECK(study.trial(t0)->system_attrs.size() == 3);

  // The sampler filter keeps exactly the trials of the same bracket.
  for (int i = 0; i < 28; ++i) add_running(study, {});
  const auto& ids = vectors()["pruners"]["hyperband"]["min1_max81_rf3"]["bracket_id_for_trial_0_to_29"];
  auto keep = hb.sampler_filter(study, 9);  // bracket 3
  REQUIRE(static_cast<bool>(keep));
  FilteredStudyView view(study, keep);
  for (auto* t : study.trials()) CHECK((ids[t->number].get<int>() == 3) == keep(*t));
  CHECK(view.trials().size() == 3);  // trials 9, 10, 25
}

TEST_CASE("hyperband: indexed per-bracket decisions equal a full recomputation, across restarts") {
  std::mt19937_64 rng(4242);
  struct Config {
    std::int64_t lo;
    std::optional<std::int64_t> hi;
    std::int64_t r, bootstrap;
  };
  std::vector<Config> configs = {{1, 81, 3, 0}, {1, std::nullopt, 3, 0}, {1, 16, 2, 1}, {3, 27, 3, 0}};
  RandomStudyCounts total;
  std::set<int> brackets_seen;
  for (auto dir : {StudyDirection::kMinimize, StudyDirection::kMaximize}) {
    for (auto& cfg : configs) {
      json block = {{"type", "hyperband"}, {"min_resource", cfg.lo}, {"reduction_factor", cfg.r},
                    {"bootstrap_count", cfg.bootstrap}};
      if (cfg.hi) block["max_resource"] = *cfg.hi;
      InMemoryStudy study("hb-rand", {dir});
      auto pruner = pruner_from(block);
      std::optional<HyperbandBrackets> layout;  // the reference's lazy layout
      auto on_create = [&](int created) {
        if (created % 150 == 0 && cfg.hi) pruner = pruner_from(block);  // daemon restart
      };
      total += drive_random_study(study, rng, {400, 5, 30, 6}, [&](FrozenTrial& t) {
        if (!layout) {
          std::optional<std::int64_t> hi = cfg.hi;
          if (!hi)
            for (auto* u : study.trials())
              if (u->state == TrialState::kComplete && u->last_step())
                hi = std::max<std::int64_t>(hi.value_or(0), *u->last_step() + 1);
          if (hi) layout = HyperbandBrackets::compute(cfg.lo, *hi, cfg.r);
        }
        PruneDecision want;
        if (layout) {
          int b = layout->bracket_of(study.name(), t.number);
          brackets_seen.insert(b);
          want = sh_reference(study, t, cfg.lo, cfg.r, b, cfg.bootstrap,
                              [&](const FrozenTrial& u) { return layout->bracket_of(study.name(), u.number) == b; });
        }
        PruneDecision got = decide_as_reference(*pruner, study, t, want);
        return got.prune;
      }, on_create);
    }
  }
  CHECK(total.decisions > 10000);
  CHECK(total.prunes > 500);
  CHECK(brackets_seen.size() >= 4);
}

TEST_CASE("hyperband: auto max_resource below min_resource still gives one bracket") {
  auto layout = HyperbandBrackets::compute(10, 5, 3);
  CHECK(layout.n_brackets == 1);
  CHECK(layout.budgets == std::vector<std::int64_t>{1});
  CHECK(layout.bracket_of("s", 7) == 0);
}
