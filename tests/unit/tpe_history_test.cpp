// The cached trial history (folded over finished_order) must decide exactly as the pure
// rule (ScanHistory, recomputed from the view) — through out-of-order finishes, pruned
// and failed trials, running trials (constant liar), changing search spaces and
// Hyperband-style filtered views.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "samplers/tpe/gamma_weights.hpp"
#include "samplers/tpe/search_space_groups.hpp"
#include "samplers/tpe/tpe_sampler.hpp"
#include "samplers/tpe/trial_history.hpp"
#include "tpe_test_util.hpp"

using namespace hpod;
using namespace hpod::tpe;
using hpod::testing::Params;

namespace {

Distribution flt(double lo, double hi, bool log = false) { return FloatDistribution{lo, hi, log, std::nullopt}; }

// The search space changes twice: z joins, x's range shrinks, a categorical appears.
SearchSpace space_at(int step) {
  SearchSpace s{{"x", flt(-10, 10)}, {"lr", flt(1e-3, 1, true)}, {"n", IntDistribution{1, 100, true, 1}}};
  if (step >= 40) s["z"] = IntDistribution{0, 20, false, 4};
  if (step >= 80) {
    s["x"] = flt(0, 10);
    s["c"] = CategoricalDistribution{{std::string("p"), std::string("q")}};
  }
  return s;
}

double objective(const FrozenTrial& t) {
  double v = 0;
  for (auto& [name, p] : t.params) v += std::sin(3 * p.internal + static_cast<double>(name.size()));
  return v;
}

// Drives a study with up to 5 trials in flight, finishing them in random order as
// COMPLETE, PRUNED (with reports) or FAIL, and sometimes enqueuing a fixed parameter.
// `check` runs before each ask with the trial about to be sampled.
void simulate(InMemoryStudy& study, std::uint32_t seed, int steps,
              const std::function<Params(const FrozenTrial&, const SearchSpace&)>& ask) {
  std::mt19937 rng(seed);
  std::vector<int> running;
  for (int step = 0; step < steps; ++step) {
    const bool launch = running.size() < 5 && (running.empty() || rng() % 3 != 0);
    if (launch) {
      FrozenTrial t;
      const SearchSpace space = space_at(step);
      if (rng() % 10 == 0) t.params["x"] = TrialParam{1.5, space.at("x")};  // enqueued
      FrozenTrial& added = study.add_trial(std::move(t));
      Params p = ask(added, space);
      FrozenTrial* m = study.mutable_trial(added.number);
      for (auto& [name, v] : p) m->params[name] = TrialParam{v, space.at(name)};
      running.push_back(added.number);
      continue;
    }
    const std::size_t i = rng() % running.size();
    const int number = running[i];
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
    FrozenTrial* m = study.mutable_trial(number);
    const auto now = std::chrono::system_clock::now();
    switch (rng() % 6) {
      case 0: {
        const int reports = static_cast<int>(rng() % 4);
        for (int s = 0; s < reports; ++s) m->intermediate_values.insert(s * 2, objective(*m) + (rng() % 7 == 0 ? NAN : s));
        study.finish(number, TrialState::kPruned, {}, now);
        break;
      }
      case 1:
        study.finish(number, TrialState::kFail, {}, now);
        break;
      default:
        // Ties on purpose: values rounded to a coarse grid.
        study.finish(number, TrialState::kComplete, {std::round(objective(*m) * 4) / 4}, now);
    }
  }
}

void check_same_estimators(const Observations& a, const Observations& b, const ParamSet& ps, bool multivariate) {
  REQUIRE(a.numbers == b.numbers);
  REQUIRE(a.parzen.values.rows() == b.parzen.values.rows());
  CHECK(a.parzen.values.cwiseEqual(b.parzen.values).all());
  ParzenObservations pa = a.parzen, pb = b.parzen;
  auto w = default_weights(static_cast<int>(a.numbers.size()));
  pa.weights = pb.weights = Eigen::Map<Eigen::VectorXd>(w.data(), static_cast<Eigen::Index>(w.size()));
  ParzenOptions opt;
  opt.multivariate = multivariate;
  ParzenEstimator ea(ps.distributions, pa, opt), eb(ps.distributions, pb, opt);
  for (int d = 0; d < ea.n_dims(); ++d) {
    if (ea.is_categorical(d)) continue;
    CHECK(ea.mus(d).cwiseEqual(eb.mus(d)).all());
    CHECK(ea.sigmas(d).cwiseEqual(eb.sigmas(d)).all());  // bitwise: same sort order
  }
}

}  // namespace

TEST_CASE("tpe history: cached equals rescanned at every step") {
  for (auto dir : {StudyDirection::kMinimize, StudyDirection::kMaximize}) {
    InMemoryStudy study("h", {dir});
    auto cached = make_cached_history(dir);
    auto scan = make_scan_history(dir);
    int asks = 0;
    simulate(study, 42, 160, [&](const FrozenTrial& current, const SearchSpace& space) {
      ++asks;
      cached->sync(study);
      scan->sync(study);
      REQUIRE(cached->n_used() == scan->n_used());
      for (int k : {0, 1, 3, gamma(GammaPreset::kDefault, scan->n_used()), 1000}) CHECK(cached->best(k) == scan->best(k));
      CHECK(cached->intersection() == scan->intersection());
      CHECK(cached->groups() == scan->groups());
      std::vector<const FrozenTrial*> running;
      for (const FrozenTrial* t : study.trials())
        if (t->state == TrialState::kRunning && t->number != current.number) running.push_back(t);
      const auto below = scan->best(gamma(GammaPreset::kDefault, scan->n_used()));
      // Per parameter, as univariate TPE asks: the cache reuses one call's rows for the
      // next while the history and `below` stay the same, so the order of the calls (rows
      // not indexed, then indexed, then a call with running trials) is part of the test.
      for (auto& [name, dist] : space) {
        ParamSet ps{{name}, {dist}};
        for (auto [with_running, sort_above] : {std::pair{false, false}, std::pair{false, true}, std::pair{false, true},
                                                std::pair{true, true}, std::pair{false, true}}) {
          Observations ca, cb, sa, sb;
          const auto& r = with_running ? running : std::vector<const FrozenTrial*>{};
          cached->observations(ps, below, r, sort_above, ca, cb);
          scan->observations(ps, below, r, sort_above, sa, sb);
          check_same_estimators(ca, sa, ps, false);
          check_same_estimators(cb, sb, ps, false);
          // The scan leaves the sorting to the estimator; the cache hands over a stable
          // order by working value, which must be a permutation of the rows.
          if (sort_above && !is_categorical(dist)) {
            REQUIRE(cb.parzen.sorted_rows.size() == 1);
            const auto& order = cb.parzen.sorted_rows[0];
            const bool log_scale = is_log(dist);  // clang 14: no structured binding in a lambda
            const auto working = [&](int row) {
              const double v = cb.parzen.values(row, 0);
              return log_scale ? std::log(v) : v;
            };
            std::vector<int> rows(order);
            std::sort(rows.begin(), rows.end());
            std::vector<int> expected(static_cast<std::size_t>(cb.parzen.values.rows()));
            std::iota(expected.begin(), expected.end(), 0);
            CHECK(rows == expected);
            for (std::size_t i = 1; i < order.size(); ++i) {
              const double x = working(order[i - 1]), y = working(order[i]);
              CHECK((x < y || (x == y && order[i - 1] < order[i])));
            }
          }
        }
      }
      ParamSet joint;
      for (auto& [name, dist] : space) {
        joint.names.push_back(name);
        joint.distributions.push_back(dist);
      }
      Observations ca, cb, sa, sb;
      cached->observations(joint, below, running, false, ca, cb);
      scan->observations(joint, below, running, false, sa, sb);
      check_same_estimators(ca, sa, joint, true);
      check_same_estimators(cb, sb, joint, true);
      return Params{};
    });
    CHECK(asks > 60);
  }
}

TEST_CASE("tpe sampler: cached and pure samplers pick the same values") {
  struct Config {
    bool multivariate, group, constant_liar;
  };
  for (Config cfg : {Config{false, false, false}, Config{false, false, true}, Config{true, false, false},
                     Config{true, false, true}, Config{true, true, false}, Config{true, true, true}}) {
    CAPTURE(cfg.multivariate);
    CAPTURE(cfg.group);
    CAPTURE(cfg.constant_liar);
    TpeOptions o;
    o.seed = 9;
    o.n_startup_trials = 8;
    o.multivariate = cfg.multivariate;
    o.group = cfg.group;
    o.constant_liar = cfg.constant_liar;
    TpeSampler cached(o), pure(o, TpeSampler::HistoryMode::kScan);
    InMemoryStudy study("p", {StudyDirection::kMinimize});
    int differing = 0;
    simulate(study, 7, 160, [&](const FrozenTrial& t, const SearchSpace& space) {
      Params a = cached.sample(study, t, space);
      Params b = pure.sample(study, t, space);
      if (a != b) ++differing;
      return a;
    });
    CHECK(differing == 0);
  }
}

TEST_CASE("tpe sampler: filtered (per-bracket) views keep separate caches that stay exact") {
  TpeOptions o;
  o.seed = 4;
  o.n_startup_trials = 5;
  TpeSampler cached(o), pure(o, TpeSampler::HistoryMode::kScan);
  InMemoryStudy study("b", {StudyDirection::kMinimize});
  int differing = 0;
  simulate(study, 3, 150, [&](const FrozenTrial& t, const SearchSpace& space) {
    const int bracket = t.number % 3;
    FilteredStudyView view(study, [&](const FrozenTrial& x) { return x.number % 3 == bracket; });
    Params a = cached.sample(view, t, space);
    if (a != pure.sample(view, t, space)) ++differing;
    return a;
  });
  CHECK(differing == 0);
}

TEST_CASE("tpe history: constant liar puts running trials above and leaves the current one out") {
  InMemoryStudy study("cl", {StudyDirection::kMinimize});
  const SearchSpace space{{"x", flt(0, 1)}};
  for (int i = 0; i < 12; ++i) {
    FrozenTrial t;
    t.params["x"] = TrialParam{i / 20.0, space.at("x")};
    FrozenTrial& a = study.add_trial(t);
    if (i < 10) study.finish(a.number, TrialState::kComplete, {static_cast<double>(i)}, std::chrono::system_clock::now());
  }
  // Trials 10 and 11 are RUNNING; 11 is the one being sampled.
  auto h = make_cached_history(StudyDirection::kMinimize);
  h->sync(study);
  CHECK(h->n_used() == 10);
  const auto below = h->best(gamma(GammaPreset::kDefault, 10));
  CHECK(below == std::vector<int>{0});
  Observations lo, hi;
  h->observations(ParamSet{{"x"}, {space.at("x")}}, below, {study.trial(10)}, true, lo, hi);
  CHECK(lo.numbers == std::vector<int>{0});
  CHECK(hi.numbers == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(hi.parzen.values(9, 0) == 0.5);
  // Through the sampler: in a study whose best region is x ≈ 0.5, running trials there
  // count as bad with constant_liar, pushing new samples away from it.
  InMemoryStudy spread("cl2", {StudyDirection::kMinimize});
  for (int i = 0; i < 40; ++i) {
    FrozenTrial t;
    const double x = (i * 37 % 40) / 40.0;
    t.params["x"] = TrialParam{x, space.at("x")};
    FrozenTrial& a = spread.add_trial(t);
    spread.finish(a.number, TrialState::kComplete, {std::abs(x - 0.5)}, std::chrono::system_clock::now());
  }
  for (double x : {0.48, 0.49, 0.5, 0.5, 0.51, 0.52}) {
    FrozenTrial t;
    t.params["x"] = TrialParam{x, space.at("x")};
    spread.add_trial(t);
  }
  const FrozenTrial& current = spread.add_trial(FrozenTrial{});
  TpeOptions o;
  o.n_startup_trials = 0;
  TpeOptions liar = o;
  liar.constant_liar = true;
  double plain_distance = 0, liar_distance = 0;
  for (std::uint32_t s = 0; s < 30; ++s) {
    o.seed = liar.seed = s;
    TpeSampler a(o), b(liar);
    plain_distance += std::abs(a.sample(spread, current, space).at("x") - 0.5);
    liar_distance += std::abs(b.sample(spread, current, space).at("x") - 0.5);
  }
  CHECK(liar_distance > 1.5 * plain_distance);
}

TEST_CASE("tpe groups: Optuna's decomposition, literal and incremental in any order") {
  auto trial = [](int number, std::vector<std::string> names) {
    FrozenTrial t;
    t.number = number;
    t.state = TrialState::kComplete;
    for (auto& n : names) t.params[n] = TrialParam{0.0, FloatDistribution{0.0, static_cast<double>(number + 1), false, std::nullopt}};
    return t;
  };
  std::vector<FrozenTrial> ts{trial(0, {"a", "b"}), trial(1, {"a", "b", "c"}), trial(2, {"c", "d"}), trial(3, {"a", "e"})};
  std::vector<const FrozenTrial*> ptrs;
  for (auto& t : ts) ptrs.push_back(&t);
  auto groups = decompose_groups(ptrs);
  auto names = [](const std::vector<SearchSpace>& g) {
    std::vector<std::vector<std::string>> out;
    for (auto& s : g) {
      out.emplace_back();
      for (auto& [n, d] : s) out.back().push_back(n);
    }
    return out;
  };
  CHECK(names(groups) == std::vector<std::vector<std::string>>{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}});
  // A name keeps the distribution of the first trial that had it.
  CHECK(std::get<FloatDistribution>(groups[2].at("c")).high == 2.0);

  std::mt19937 rng(5);
  for (int round = 0; round < 200; ++round) {
    std::vector<FrozenTrial> random_trials;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) {
      std::vector<std::string> ps;
      for (std::string p : {"p", "q", "r", "s", "t"})
        if (rng() % 2) ps.push_back(p);
      random_trials.push_back(trial(i, ps));
    }
    std::vector<const FrozenTrial*> ordered;
    for (auto& t : random_trials) ordered.push_back(&t);
    GroupIndex index;
    std::vector<const FrozenTrial*> arrival = ordered;
    std::shuffle(arrival.begin(), arrival.end(), rng);
    for (auto* t : arrival) index.add(*t);
    CHECK(index.groups() == decompose_groups(ordered));
  }
}
