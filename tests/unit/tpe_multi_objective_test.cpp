// Multi-objective TPE: hypervolume, front-wise split with greedy hypervolume selection,
// below weights, and a sampler run.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <deque>

#include "samplers/tpe/multi_objective.hpp"
#include "samplers/tpe/tpe_sampler.hpp"
#include "tpe_test_util.hpp"

using namespace hpod;
using namespace hpod::tpe;
using hpod::testing::ask;
using hpod::testing::Params;

TEST_CASE("tpe multi-objective: exact hypervolume in 2 and 3 objectives") {
  Eigen::MatrixXd p2(2, 2);
  p2 << 1, 2, 2, 1;
  CHECK(hypervolume(p2, Eigen::Vector2d(3, 3)) == doctest::Approx(3.0));
  Eigen::MatrixXd p3(2, 3);
  p3 << 0, 0, 1, 1, 1, 0;
  CHECK(hypervolume(p3, Eigen::Vector3d(2, 2, 2)) == doctest::Approx(5.0));
  Eigen::MatrixXd one(1, 3);
  one << 0, 0, 0;
  CHECK(hypervolume(one, Eigen::Vector3d(1, 2, 3)) == doctest::Approx(6.0));
}

TEST_CASE("tpe multi-objective: whole fronts first, then greedy hypervolume selection") {
  std::deque<FrozenTrial> store;
  std::vector<const FrozenTrial*> trials;
  auto add = [&](TrialState s, std::vector<double> v) {
    FrozenTrial t;
    t.number = static_cast<int>(store.size());
    t.state = s;
    t.values = std::move(v);
    store.push_back(t);
    trials.push_back(&store.back());
  };
  // Front A(0,4) B(1,1.5) C(2,1) D(4,0); (3,3) is the second front; (5,5) the third.
  add(TrialState::kComplete, {0, 4});
  add(TrialState::kComplete, {5, 5});
  add(TrialState::kComplete, {1, 1.5});
  add(TrialState::kComplete, {2, 1});
  add(TrialState::kComplete, {4, 0});
  add(TrialState::kComplete, {3, 3});
  add(TrialState::kRunning, {});
  const std::vector<StudyDirection> mm{StudyDirection::kMinimize, StudyDirection::kMinimize};
  // Two places on a front of four: B adds the most hypervolume, then C.
  auto two = split_multi_objective(trials, 2, mm);
  CHECK(two.below == std::vector<int>{2, 3});
  CHECK(two.above == std::vector<int>{0, 1, 4, 5, 6});
  auto five = split_multi_objective(trials, 5, mm);
  CHECK(five.below == std::vector<int>{0, 2, 3, 4, 5});
  // n_below is capped at the COMPLETE trials; RUNNING stays above.
  auto all = split_multi_objective(trials, 50, mm);
  CHECK(all.below.size() == 6);
  CHECK(all.above == std::vector<int>{6});
  // Maximizing the negated second objective is the same problem.
  for (auto& t : store)
    if (!t.values.empty()) t.values[1] = -t.values[1];
  CHECK(split_multi_objective(trials, 2, {StudyDirection::kMinimize, StudyDirection::kMaximize}).below ==
        std::vector<int>{2, 3});
}

TEST_CASE("tpe multi-objective: below weights favour large hypervolume contributions") {
  Eigen::MatrixXd l(4, 2);
  l << 0, 4, 1, 1.5, 2, 1, 3, 3;  // the last is dominated
  auto w = motpe_below_weights(l);
  REQUIRE(w.size() == 4);
  CHECK(w[3] == doctest::Approx(1e-12));
  CHECK(*std::max_element(w.begin(), w.end()) == 1.0);
  for (int i = 0; i < 3; ++i) CHECK(w[static_cast<std::size_t>(i)] > 0.01);
  Eigen::MatrixXd inf(2, 2);
  inf << 0, INFINITY, 1, 0;
  CHECK(motpe_below_weights(inf) == std::vector<double>{1.0, 1.0});
}

TEST_CASE("tpe multi-objective: the sampler runs a two-objective study, cached equals pure") {
  const SearchSpace space{{"x", FloatDistribution{0.0, 1.0, false, std::nullopt}},
                          {"y", FloatDistribution{0.0, 1.0, false, std::nullopt}}};
  for (bool multivariate : {false, true}) {
    TpeOptions o;
    o.seed = 2;
    o.multivariate = multivariate;
    TpeSampler cached(o), pure(o, TpeSampler::HistoryMode::kScan);
    InMemoryStudy study("mo", {StudyDirection::kMinimize, StudyDirection::kMinimize});
    for (int i = 0; i < 60; ++i) {
      FrozenTrial& t = study.add_trial(FrozenTrial{});
      Params p = cached.sample(study, t, space);
      CHECK(p == pure.sample(study, t, space));
      FrozenTrial* m = study.mutable_trial(t.number);
      for (auto& [name, v] : p) m->params[name] = TrialParam{v, space.at(name)};
      const double x = p.at("x"), y = p.at("y");
      const double g = 1 + 9 * y;
      study.finish(t.number, TrialState::kComplete, {x, g * (1 - std::sqrt(x / g))}, std::chrono::system_clock::now());
    }
  }
}
