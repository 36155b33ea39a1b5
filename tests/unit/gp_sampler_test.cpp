// GpSampler end to end: options, startup, search space, running trials, repeatability
// and a convergence sanity check.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "hpod/in_memory_study.hpp"
#include "samplers/gp/gp_sampler.hpp"
#include "samplers/random_sampler.hpp"

using namespace hpod;
using namespace hpod::gp;

namespace {

SearchSpace quadratic_space() {
  SearchSpace s;
  s.emplace("x", FloatDistribution{-5.0, 5.0, false, std::nullopt});
  s.emplace("y", FloatDistribution{-5.0, 5.0, false, std::nullopt});
  return s;
}

double quadratic(const FrozenTrial& t) {
  double x = t.param("x")->internal, y = t.param("y")->internal;
  return (x - 1.0) * (x - 1.0) + (y + 0.5) * (y + 0.5);
}

// Asks, evaluates and tells `n` trials one after another; returns the best value.
double run_gp(Sampler& sampler, InMemoryStudy& study, const SearchSpace& space, int n,
           const std::function<double(const FrozenTrial&)>& objective) {
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < n; ++i) {
    FrozenTrial t;
    t.number = static_cast<int>(study.size());
    t.state = TrialState::kRunning;
    FrozenTrial& added = study.add_trial(std::move(t));
    for (auto& [name, v] : sampler.sample(study, added, space)) added.params[name] = TrialParam{v, space.at(name)};
    double value = objective(added);
    best = std::min(best, value);
    study.finish(added.number, TrialState::kComplete, {value}, Timestamp{});
  }
  return best;
}

std::unique_ptr<Sampler> make(const nlohmann::json& j) {
  auto r = make_sampler(j, "sampler");
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return std::move(r).value();
}

std::string gp_error_of(const nlohmann::json& j) {
  auto r = make_sampler(j, "sampler");
  REQUIRE(!r.ok());
  return r.status().message();
}

}  // namespace

TEST_CASE("gp sampler factory: Optuna's option names; errors name the JSON path") {
  CHECK(make({{"type", "gp"}})->name() == "gp");
  CHECK(make({{"type", "gp"}, {"seed", 3}, {"n_startup_trials", 0}, {"deterministic_objective", true},
              {"independent_sampler", {{"type", "random"}}}, {"warn_independent_sampling", false}})
            ->name() == "gp");
  CHECK(make({{"type", "gp"}, {"independent_sampler", nullptr}})->name() == "gp");
  CHECK(gp_error_of({{"type", "gp"}, {"n_startup_trials", -1}}).find("sampler.n_startup_trials: must be >= 0") !=
        std::string::npos);
  CHECK(gp_error_of({{"type", "gp"}, {"n_startup_trial", 5}}).find("sampler.n_startup_trial: ") != std::string::npos);
  CHECK(gp_error_of({{"type", "gp"}, {"n_startup_trial", 5}}).find("did you mean \"n_startup_trials\"") !=
        std::string::npos);
  CHECK(gp_error_of({{"type", "gp"}, {"deterministic_objective", "yes"}}).find("sampler.deterministic_objective") !=
        std::string::npos);
  CHECK(gp_error_of({{"type", "gp"}, {"independent_sampler", {{"type", "tpe"}}}})
            .find("sampler.independent_sampler.type") != std::string::npos);
  CHECK(gp_error_of({{"type", "gp"}, {"independent_sampler", {{"type", "random"}, {"sed", 1}}}})
            .find("sampler.independent_sampler.sed") != std::string::npos);
  CHECK(gp_error_of({{"type", "gp"}, {"seed", -2}}).find("sampler.seed") != std::string::npos);
  CHECK(gp_error_of({{"type", "gp"}, {"constraints_func", "f"}}).find("sampler.constraints_func") != std::string::npos);
}

TEST_CASE("gp sampler: startup trials are the seeded RandomSampler's") {
  GpSamplerOptions o;
  o.seed = 42;
  GpSampler gp(o);
  RandomSampler random(42);
  InMemoryStudy a("a", {StudyDirection::kMinimize}), b("b", {StudyDirection::kMinimize});
  auto space = quadratic_space();
  run_gp(gp, a, space, 10, quadratic);
  run_gp(random, b, space, 10, quadratic);
  for (int i = 0; i < 10; ++i) {
    CHECK(a.trial(i)->param("x")->internal == b.trial(i)->param("x")->internal);
    CHECK(a.trial(i)->param("y")->internal == b.trial(i)->param("y")->internal);
  }
  // Only COMPLETE trials count towards the startup.
  FrozenTrial pruned;
  pruned.number = 10;
  a.add_trial(std::move(pruned));
  a.finish(10, TrialState::kPruned, {}, Timestamp{});
  GpSampler fresh(o);
  run_gp(fresh, a, space, 1, quadratic);
  CHECK(fresh.last_stats().relative);
  CHECK(fresh.last_stats().training_points == 10);
}

TEST_CASE("gp sampler: a seeded study repeats exactly") {
  auto space = quadratic_space();
  space.emplace("k", CategoricalDistribution{{std::string("a"), std::string("b")}});
  auto objective = [](const FrozenTrial& t) { return quadratic(t) + (t.param("k")->internal == 1.0 ? 0.5 : 0.0); };
  GpSamplerOptions o;
  o.seed = 7;
  o.n_startup_trials = 5;
  GpSampler s1(o), s2(o);
  InMemoryStudy a("a", {StudyDirection::kMinimize}), b("b", {StudyDirection::kMinimize});
  run_gp(s1, a, space, 14, objective);
  run_gp(s2, b, space, 14, objective);
  for (int i = 0; i < 14; ++i) {
    for (const char* name : {"x", "y", "k"}) CHECK(a.trial(i)->param(name)->internal == b.trial(i)->param(name)->internal);
  }
  CHECK(s1.last_stats().relative);
}

TEST_CASE("gp sampler: relative space is the COMPLETE intersection without single distributions") {
  InMemoryStudy study("s", {StudyDirection::kMaximize});
  auto add = [&](std::map<std::string, std::pair<double, Distribution>> params, TrialState state, double v) {
    FrozenTrial t;
    t.number = static_cast<int>(study.size());
    for (auto& [n, p] : params) t.params[n] = TrialParam{p.first, p.second};
    study.add_trial(std::move(t));
    study.finish(static_cast<int>(study.size()) - 1, state, state == TrialState::kComplete ? std::vector<double>{v} : std::vector<double>{},
                 Timestamp{});
  };
  Distribution x = FloatDistribution{0, 1, false, std::nullopt};
  Distribution one = IntDistribution{3, 3, false, 1};
  Distribution z = FloatDistribution{0, 1, false, std::nullopt};
  for (int i = 0; i < 4; ++i) add({{"x", {0.1 * i, x}}, {"one", {3, one}}, {"z", {0.2 * i, z}}}, TrialState::kComplete, i);
  add({{"x", {0.5, x}}}, TrialState::kComplete, 1.0);
  add({{"x", {0.5, x}}}, TrialState::kPruned, 0.0);  // PRUNED trials do not narrow it
  SearchSpace rel = gp_relative_search_space(study);
  CHECK(rel.size() == 1);
  CHECK(rel.count("x") == 1);

  GpSamplerOptions o;
  o.seed = 1;
  o.n_startup_trials = 2;
  GpSampler gp(o);
  FrozenTrial t;
  t.number = static_cast<int>(study.size());
  FrozenTrial& cur = study.add_trial(std::move(t));
  SearchSpace ask{{"x", x}, {"z", z}, {"one", one}};
  auto out = gp.sample(study, cur, ask);
  CHECK(gp.last_stats().relative);
  CHECK(out.size() == 3);
  CHECK(out.at("one") == 3.0);
  // z is outside the relative space: the independent sampler's draw for it alone.
  RandomSampler random(1);
  CHECK(out.at("z") == random.sample(study, cur, SearchSpace{{"z", z}}).at("z"));
  CHECK(out.at("x") >= 0.0);
  CHECK(out.at("x") <= 1.0);
  // A parameter whose distribution changed is not taken from the GP.
  Distribution x2 = FloatDistribution{0, 2, false, std::nullopt};
  auto out2 = gp.sample(study, cur, SearchSpace{{"x", x2}});
  CHECK(out2.at("x") == random.sample(study, cur, SearchSpace{{"x", x2}}).at("x"));
  // A trial that already has x (enqueued) needs no GP decision; it only gets the rest.
  FrozenTrial enqueued;
  enqueued.number = static_cast<int>(study.size());
  enqueued.params["x"] = TrialParam{0.25, x};
  FrozenTrial& e = study.add_trial(std::move(enqueued));
  auto out3 = gp.sample(study, e, ask);
  CHECK(!gp.last_stats().relative);
  CHECK(out3.size() == 2);
  CHECK(out3.count("x") == 0);
}

TEST_CASE("gp sampler: running trials with planned values join as pseudo-observations") {
  auto space = quadratic_space();
  CHECK(GpSamplerOptions{}.running_trials == RunningTrials::kKrigingBeliever);
  for (RunningTrials rule : {RunningTrials::kKrigingBeliever, RunningTrials::kConstantLiarBest,
                             RunningTrials::kConstantLiarWorst, RunningTrials::kIgnore}) {
    const bool use_running = rule != RunningTrials::kIgnore;
    GpSamplerOptions o;
    o.seed = 5;
    o.n_startup_trials = 6;
    o.running_trials = rule;
    GpSampler gp(o);
    InMemoryStudy study("s", {StudyDirection::kMinimize});
    run_gp(gp, study, space, 8, quadratic);
    // Two trials planned, neither finished.
    std::vector<int> numbers;
    for (int k = 0; k < 2; ++k) {
      FrozenTrial t;
      t.number = static_cast<int>(study.size());
      FrozenTrial& added = study.add_trial(std::move(t));
      for (auto& [name, v] : gp.sample(study, added, space)) added.params[name] = TrialParam{v, space.at(name)};
      numbers.push_back(added.number);
    }
    CAPTURE(static_cast<int>(rule));
    CHECK(gp.last_stats().running_points == (use_running ? 1 : 0));
    CHECK(gp.last_stats().training_points == 8);
    auto* a = study.trial(numbers[0]);
    auto* b = study.trial(numbers[1]);
    double dist = std::hypot(a->param("x")->internal - b->param("x")->internal,
                             a->param("y")->internal - b->param("y")->internal);
    if (use_running) CHECK(dist > 1e-3);  // the pseudo-observation moves the second plan off the first
  }
}

TEST_CASE("gp sampler: multi-objective studies are sampled independently") {
  GpSamplerOptions o;
  o.seed = 9;
  o.n_startup_trials = 1;
  GpSampler gp(o);
  RandomSampler random(9);
  InMemoryStudy study("mo", {StudyDirection::kMinimize, StudyDirection::kMinimize});
  auto space = quadratic_space();
  for (int i = 0; i < 3; ++i) {
    FrozenTrial t;
    t.number = i;
    FrozenTrial& added = study.add_trial(std::move(t));
    auto got = gp.sample(study, added, space);
    CHECK(got == random.sample(study, added, space));
    for (auto& [name, v] : got) added.params[name] = TrialParam{v, space.at(name)};
    study.finish(i, TrialState::kComplete, {quadratic(added), 0.0}, Timestamp{});
  }
  CHECK(!gp.last_stats().relative);
}

TEST_CASE("gp sampler: after 30 trials the GP's best beats random search's median") {
  auto space = quadratic_space();
  std::vector<double> random_best;
  for (std::uint32_t seed = 0; seed < 9; ++seed) {
    RandomSampler random(seed);
    InMemoryStudy study("r", {StudyDirection::kMinimize});
    random_best.push_back(run_gp(random, study, space, 30, quadratic));
  }
  std::sort(random_best.begin(), random_best.end());
  const double random_median = random_best[random_best.size() / 2];
  for (std::uint32_t seed : {0u, 1u}) {
    GpSamplerOptions o;
    o.seed = seed;
    GpSampler gp(o);
    InMemoryStudy study("g", {StudyDirection::kMinimize});
    double best = run_gp(gp, study, space, 30, quadratic);
    CAPTURE(seed);
    CHECK(best < random_median);
    CHECK(best < 0.05);
  }
}
