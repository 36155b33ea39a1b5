// fANOVA importance: exact on an additive function the forest fits exactly, the dominant
// parameter of a synthetic objective, parameters of every kind taken from a study.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>

#include "daemon/service/importance.hpp"
#include "hpod/in_memory_study.hpp"
#include "hpod/rng.hpp"

using namespace hpod;

namespace {

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// y = f(a, b) on the grid {0,1}², each cell `reps` times, features at the cells' centres.
void grid(int reps, double (*f)(int, int), std::vector<std::vector<double>>& x, std::vector<double>& y) {
  x.assign(2, {});
  y.clear();
  for (int rep = 0; rep < reps; ++rep)
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) {
        x[0].push_back((a + 0.5) / 2);
        x[1].push_back((b + 0.5) / 2);
        y.push_back(f(a, b));
      }
}

}  // namespace

TEST_CASE("an additive function on a full grid: the shares are the variances of its parts") {
  // y = 3·[a] + 1·[b] on {0,1}²: Var(3a) = 9/4, Var(b) = 1/4, no interaction, so the main
  // effects explain 0.9 and 0.1. Every bootstrap sample holds all four cells (100 each),
  // so every tree fits exactly and the decomposition must be exact.
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  grid(100, [](int a, int b) { return 3.0 * a + 1.0 * b; }, x, y);
  auto imp = fanova_importance(x, y, ImportanceOptions{});
  REQUIRE(imp.size() == 2);
  CHECK(imp[0] == doctest::Approx(0.9).epsilon(1e-9));
  CHECK(imp[1] == doctest::Approx(0.1).epsilon(1e-9));
}

TEST_CASE("an interaction takes a share away from the main effects before normalising") {
  // y = [a xor b] on {0,1}²: no main effect at all; every tree's main-effect variance is 0.
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  grid(50, [](int a, int b) { return a != b ? 1.0 : 0.0; }, x, y);
  auto imp = fanova_importance(x, y, ImportanceOptions{});
  CHECK(sum(imp) == doctest::Approx(0.0));
}

TEST_CASE("one parameter dominates a synthetic objective") {
  NumpyRandom rng(7);
  std::vector<std::vector<double>> x(3);
  std::vector<double> y;
  for (int i = 0; i < 400; ++i) {
    double a = rng.random_sample(), b = rng.random_sample(), c = rng.random_sample();
    x[0].push_back(a);
    x[1].push_back(b);
    x[2].push_back(c);
    y.push_back(10 * (a - 0.3) * (a - 0.3) + 0.3 * b);  // c does nothing
  }
  auto imp = fanova_importance(x, y, ImportanceOptions{});
  CHECK(sum(imp) == doctest::Approx(1.0));
  CHECK(imp[0] > 0.85);
  CHECK(imp[1] > imp[2]);
  CHECK(imp[2] < 0.03);
  // Deterministic for a seed; another seed moves the figures only a little.
  CHECK(fanova_importance(x, y, ImportanceOptions{}) == imp);
  ImportanceOptions other;
  other.seed = 99;
  CHECK(fanova_importance(x, y, other)[0] == doctest::Approx(imp[0]).epsilon(0.05));
}

TEST_CASE("a constant objective has no importance") {
  std::vector<std::vector<double>> x{{0.1, 0.5, 0.9, 0.3}};
  auto imp = fanova_importance(x, {2.0, 2.0, 2.0, 2.0}, ImportanceOptions{});
  CHECK(imp == std::vector<double>{0.0});
}

TEST_CASE("from a study: log-scaled, integer and categorical parameters; only completed trials") {
  InMemoryStudy study("s", {StudyDirection::kMinimize});
  FloatDistribution lr{1e-5, 1e-1, true, std::nullopt};
  IntDistribution layers{1, 6, false, 1};
  CategoricalDistribution opt{{std::string("adam"), std::string("sgd"), std::string("rmsprop")}};
  FloatDistribution fixed{1.0, 1.0, false, std::nullopt};  // single-valued: left out
  NumpyRandom rng(3);
  auto now = std::chrono::system_clock::now();
  for (int i = 0; i < 300; ++i) {
    FrozenTrial t;
    double log_lr = -5 + 4 * rng.random_sample();
    double l = 1 + std::floor(6 * rng.random_sample());
    double o = std::floor(3 * rng.random_sample());
    t.params["lr"] = TrialParam{std::pow(10.0, log_lr), lr};
    t.params["layers"] = TrialParam{l, layers};
    t.params["optimizer"] = TrialParam{o, opt};
    t.params["fixed"] = TrialParam{1.0, fixed};
    // Quadratic in log10(lr) (best at 1e-3), the optimizer matters a little, layers not.
    double v = (log_lr + 3) * (log_lr + 3) + 0.2 * (o == 1 ? 1 : 0);
    t.state = i % 10 == 9 ? TrialState::kPruned : TrialState::kComplete;
    t.values = {i % 10 == 9 ? 1e9 : v};  // pruned trials' values must not count
    t.datetime_start = now;
    t.datetime_complete = now;
    study.add_trial(std::move(t));
  }
  ImportanceOptions o;
  auto r = study_importance(study, o);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->n_completed == 270);
  CHECK(r->n_trials == 270);
  REQUIRE(r->params.size() == 3);
  CHECK(r->params[0].name == "lr");
  CHECK(r->params[0].importance > 0.85);
  CHECK(r->params[1].name == "optimizer");
  CHECK(r->params[2].name == "layers");
  CHECK(r->params[2].importance < 0.05);

  o.max_trials = 100;  // an evenly spaced subset
  auto sub = study_importance(study, o);
  REQUIRE(sub.ok());
  CHECK(sub->n_trials == 100);
  CHECK(sub->n_completed == 270);
  CHECK(sub->params[0].name == "lr");
}

TEST_CASE("too few completed trials") {
  InMemoryStudy study("s", {StudyDirection::kMinimize});
  auto r = study_importance(study, ImportanceOptions{});
  CHECK(r.status().code() == Status::Code::kFailedPrecondition);
}
