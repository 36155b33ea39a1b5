// Parzen estimator weights, kernel centres, bandwidths and log densities against the 13
// cases of tpe.parzen_estimator.optuna_4_9.
#include <doctest/doctest.h>

#include "samplers/tpe/gamma_weights.hpp"
#include "samplers/random_sampler.hpp"
#include "samplers/tpe/parzen_estimator.hpp"
#include "test_vectors.hpp"

using namespace hpod;
using namespace hpod::tpe;
using hpod::testing::close;
using hpod::testing::num;
using hpod::testing::vectors;

namespace {

struct Case {
  std::vector<std::string> names;
  std::vector<Distribution> space;
  ParzenObservations obs;
  ParzenOptions opt;
};

Case load_case(const nlohmann::json& c) {
  Case k;
  for (auto& [name, js] : c["search_space"].items()) {
    auto d = distribution_from_json(js.get<std::string>());
    REQUIRE(d.ok());
    k.names.push_back(name);
    k.space.push_back(*d);
  }
  const auto n = static_cast<Eigen::Index>(c["observations"][k.names[0]].size());
  k.obs.values.resize(n, static_cast<Eigen::Index>(k.names.size()));
  for (std::size_t j = 0; j < k.names.size(); ++j) {
    auto& col = c["observations"][k.names[j]];
    REQUIRE(static_cast<Eigen::Index>(col.size()) == n);
    for (Eigen::Index i = 0; i < n; ++i) k.obs.values(i, static_cast<Eigen::Index>(j)) = num(col[static_cast<std::size_t>(i)]);
  }
  auto w = default_weights(static_cast<int>(n));
  k.obs.weights = Eigen::Map<Eigen::VectorXd>(w.data(), static_cast<Eigen::Index>(w.size()));
  auto& o = c["options"];
  k.opt.prior_weight = o.value("prior_weight", 1.0);
  k.opt.consider_endpoints = o.value("consider_endpoints", false);
  k.opt.consider_magic_clip = o.value("consider_magic_clip", true);
  k.opt.multivariate = o.value("multivariate", false);
  return k;
}

void check_all(const Eigen::ArrayXd& got, const nlohmann::json& want) {
  REQUIRE(got.size() == static_cast<Eigen::Index>(want.size()));
  for (Eigen::Index i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(close(got[i], num(want[static_cast<std::size_t>(i)]), 1e-9));
  }
}

}  // namespace

TEST_CASE("tpe parzen estimator equals Optuna 4.9 on all 13 cases (and 3.1 in its mode)") {
  for (std::string version : {"optuna_4_9", "optuna_3_1"}) {
  auto& cases = vectors()["tpe"]["parzen_estimator"][version];
  CHECK(cases.size() == 13);
  for (auto& [case_name, c] : cases.items()) {
    SUBCASE((version + " " + case_name).c_str()) {
      Case k = load_case(c);
      k.opt.optuna_3_1 = version == "optuna_3_1";
      ParzenEstimator pe(k.space, k.obs, k.opt);
      auto& r = c["result"];
      check_all(pe.mixture_weights(), r["weights"]);
      for (std::size_t j = 0; j < k.names.size(); ++j) {
        auto& p = r["params"][k.names[j]];
        CAPTURE(k.names[j]);
        int d = static_cast<int>(j);
        if (pe.is_categorical(d)) {
          auto cw = pe.categorical_weights(d);
          REQUIRE(cw.rows() == static_cast<Eigen::Index>(p["categorical_weights"].size()));
          for (Eigen::Index i = 0; i < cw.rows(); ++i) check_all(cw.row(i).transpose(), p["categorical_weights"][static_cast<std::size_t>(i)]);
        } else {
          check_all(pe.mus(d), p["mus"]);
          check_all(pe.sigmas(d), p["sigmas"]);
        }
      }
      auto& ev = r["eval_points"];
      const auto n_eval = static_cast<Eigen::Index>(ev[k.names[0]].size());
      Eigen::MatrixXd x(n_eval, static_cast<Eigen::Index>(k.names.size()));
      for (std::size_t j = 0; j < k.names.size(); ++j)
        for (Eigen::Index i = 0; i < n_eval; ++i) x(i, static_cast<Eigen::Index>(j)) = num(ev[k.names[j]][static_cast<std::size_t>(i)]);
      check_all(pe.log_pdf(x).array(), r["log_pdf"]);
    }
  }
  }
}

TEST_CASE("tpe parzen estimator: samples stay in range and on the grid, in every kernel family") {
  auto& cases = vectors()["tpe"]["parzen_estimator"]["optuna_4_9"];
  for (auto& [case_name, c] : cases.items()) {
    const std::string name = case_name;  // clang 14 cannot CAPTURE a structured binding
    CAPTURE(name);
    Case k = load_case(c);
    ParzenEstimator pe(k.space, k.obs, k.opt);
    NumpyRandom rng(3);
    Eigen::MatrixXd s = pe.sample(rng, 200);
    for (Eigen::Index j = 0; j < s.cols(); ++j)
      for (Eigen::Index i = 0; i < s.rows(); ++i) CHECK(contains(k.space[static_cast<std::size_t>(j)], s(i, j)));
    // Every sample has a finite density under the estimator it came from.
    CHECK(pe.log_pdf(s).array().isFinite().all());
  }
}

TEST_CASE("tpe parzen estimator: sampling draws Optuna 4.x's random numbers in Optuna's order") {
  // One categorical and one numeric parameter, N = 0 (prior only): the kernel draw takes
  // n uniforms, then the categorical n, then the numeric n.
  std::vector<Distribution> space{CategoricalDistribution{{std::int64_t{0}, std::int64_t{1}, std::int64_t{2}}},
                                  FloatDistribution{0.0, 1.0, false, std::nullopt}};
  ParzenObservations obs;
  obs.values.resize(0, 2);
  obs.weights.resize(0);
  ParzenEstimator pe(space, obs, ParzenOptions{});
  NumpyRandom rng(0);
  Eigen::MatrixXd s = pe.sample(rng, 3);
  NumpyRandom ref(0);
  for (int i = 0; i < 3; ++i) ref.random_sample();  // kernel choice (only the prior)
  for (int i = 0; i < 3; ++i) CHECK(s(i, 0) == std::floor(ref.random_sample() * 3));
  // Prior kernel N(0.5, 1) truncated to [0, 1]: monotone in u, so the order of the
  // numeric samples follows the uniforms drawn last.
  double u[3];
  for (double& v : u) v = ref.random_sample();
  CHECK((u[0] < u[1]) == (s(0, 1) < s(1, 1)));
  CHECK((u[1] < u[2]) == (s(1, 1) < s(2, 1)));
}

TEST_CASE("tpe parzen estimator: the windowed log_pdf of a large 1-D estimator equals the dense sum") {
  const std::vector<Distribution> dists{FloatDistribution{-10.0, 10.0, false, std::nullopt},
                                        FloatDistribution{1e-5, 1.0, true, std::nullopt},
                                        FloatDistribution{0.0, 1.0, false, 0.01},
                                        IntDistribution{0, 1000, false, 1},
                                        IntDistribution{1, 100000, true, 1}};
  NumpyRandom rng(17);
  for (const Distribution& d : dists) {
    for (int n : {64, 300, 2000}) {
      for (bool multivariate : {false, true}) {
        CAPTURE(distribution_to_json(d));
        CAPTURE(n);
        CAPTURE(multivariate);
        // Half the observations clustered (as in a converging study), half spread out.
        ParzenObservations obs;
        obs.values.resize(n, 1);
        for (int i = 0; i < n; ++i) {
          double v = sample_random_internal(d, rng);
          if (i % 2 == 0 && i > 0) v = obs.values(0, 0);  // many exact ties
          if (i % 4 == 1) {
            const NumericSpace s = numeric_space(d);
            v = s.from_working(s.low_w + (s.high_w - s.low_w) * (0.3 + 0.01 * rng.random_sample()));
          }
          obs.values(i, 0) = v;
        }
        auto w = default_weights(n);
        obs.weights = Eigen::Map<Eigen::VectorXd>(w.data(), n);
        ParzenOptions opt;
        opt.multivariate = multivariate;
        ParzenEstimator pe({d}, obs, opt);
        Eigen::MatrixXd x(200, 1);
        for (int i = 0; i < 200; ++i) x(i, 0) = sample_random_internal(d, rng);
        x.topRows(50) = pe.sample(rng, 50);
        const Eigen::VectorXd fast = pe.log_pdf(x), dense = pe.log_pdf_dense(x);
        for (int i = 0; i < 200; ++i) {
          CAPTURE(x(i, 0));
          CAPTURE(fast[i]);
          CAPTURE(dense[i]);
          CAPTURE(fast[i] - dense[i]);
          CHECK(hpod::testing::close(fast[i], dense[i], 1e-12, 1e-12));
        }
      }
    }
  }
}

TEST_CASE("tpe parzen estimator: the multivariate matrix-product log_pdf equals the dense sum") {
  // Five continuous parameters (one log), a stepped float, an int and a categorical.
  std::vector<Distribution> space{FloatDistribution{-5.0, 5.0, false, std::nullopt},
                                  FloatDistribution{1e-4, 1.0, true, std::nullopt},
                                  FloatDistribution{0.0, 20.0, false, std::nullopt},
                                  FloatDistribution{-1.0, 1.0, false, std::nullopt},
                                  FloatDistribution{100.0, 200.0, false, std::nullopt},
                                  FloatDistribution{0.0, 1.0, false, 0.25},
                                  IntDistribution{1, 9, false, 1},
                                  CategoricalDistribution{{std::string("a"), std::string("b"), std::string("c")}}};
  NumpyRandom rng(23);
  for (int n : {64, 700}) {
    CAPTURE(n);
    ParzenObservations obs;
    obs.values.resize(n, static_cast<Eigen::Index>(space.size()));
    for (int i = 0; i < n; ++i)
      for (std::size_t j = 0; j < space.size(); ++j)
        obs.values(i, static_cast<Eigen::Index>(j)) = sample_random_internal(space[j], rng);
    auto w = default_weights(n);
    obs.weights = Eigen::Map<Eigen::VectorXd>(w.data(), n);
    ParzenOptions opt;
    opt.multivariate = true;
    ParzenEstimator pe(space, obs, opt);
    Eigen::MatrixXd x = pe.sample(rng, 60);
    x.row(0) = obs.values.row(3);  // exactly on a kernel centre
    x(1, 0) = 7.0;                 // out of range: density 0
    const Eigen::VectorXd fast = pe.log_pdf(x), dense = pe.log_pdf_dense(x);
    CHECK(fast[1] == -INFINITY);
    for (Eigen::Index i = 0; i < x.rows(); ++i) CHECK(hpod::testing::close(fast[i], dense[i], 1e-12, 1e-12));
  }
}
