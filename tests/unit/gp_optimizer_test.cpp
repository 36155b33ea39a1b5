// The acquisition optimiser on surfaces whose maximum is known.
#include <doctest/doctest.h>

#include <set>

#include "samplers/gp/acqf_optimizer.hpp"
#include "samplers/gp/brent.hpp"
#include "samplers/gp/sobol.hpp"

using namespace hpod;
using namespace hpod::gp;

namespace {

// A smooth surface over an encoded space: −Σ w_j (x_j − c_j)² on numeric coordinates plus
// a bonus per category, and a decoy bump away from the optimum.
class KnownSurface final : public Acquisition {
 public:
  KnownSurface(Eigen::VectorXd center, Eigen::VectorXd weights, std::vector<bool> categorical,
               std::vector<double> bonus, Eigen::VectorXd decoy)
      : c_(std::move(center)), w_(std::move(weights)), cat_(std::move(categorical)), bonus_(std::move(bonus)),
        decoy_(std::move(decoy)), lambda_(Eigen::VectorXd::Constant(c_.size(), 4.0)) {}

  double value(const Eigen::VectorXd& x) const override {
    Eigen::VectorXd g;
    return value_and_gradient(x, g);
  }
  Eigen::VectorXd values(const Eigen::MatrixXd& Xs) const override {
    Eigen::VectorXd out(Xs.rows());
    for (Eigen::Index i = 0; i < Xs.rows(); ++i) out[i] = value(Xs.row(i).transpose());
    return out;
  }
  double value_and_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& g) const override {
    g.setZero(x.size());
    double v = 0.0, decoy_r2 = 0.0;
    for (Eigen::Index j = 0; j < x.size(); ++j) {
      if (cat_[static_cast<std::size_t>(j)]) {
        v += bonus_[static_cast<std::size_t>(x[j])];
        continue;
      }
      v -= w_[j] * (x[j] - c_[j]) * (x[j] - c_[j]);
      g[j] = -2.0 * w_[j] * (x[j] - c_[j]);
      decoy_r2 += (x[j] - decoy_[j]) * (x[j] - decoy_[j]);
    }
    // A narrow local maximum lower than the global one.
    const double bump = 0.6 * std::exp(-decoy_r2 / 0.005);
    for (Eigen::Index j = 0; j < x.size(); ++j)
      if (!cat_[static_cast<std::size_t>(j)]) g[j] += bump * (-2.0 * (x[j] - decoy_[j]) / 0.005);
    ++evaluations;
    return v + bump;
  }
  const Eigen::VectorXd& inverse_squared_lengthscales() const override { return lambda_; }
  mutable int evaluations = 0;

 private:
  Eigen::VectorXd c_, w_;
  std::vector<bool> cat_;
  std::vector<double> bonus_;
  Eigen::VectorXd decoy_;
  Eigen::VectorXd lambda_;
};

}  // namespace

TEST_CASE("gp optimizer: Brent finds the minimum of a unimodal function within xtol") {
  int calls = 0;
  auto f = [&](double x) {
    ++calls;
    return (x - 0.3141) * (x - 0.3141) + 0.1 * std::fabs(x - 0.3141);
  };
  for (double x0 : {0.0, 0.9, 1.0, 0.3141}) {
    calls = 0;
    double x = brent_minimize(f, 0.0, 1.0, x0, 1e-4);
    CHECK(std::fabs(x - 0.3141) < 2e-4);
    CHECK(calls < 60);
  }
}

TEST_CASE("gp optimizer: shifted Sobol points are stratified in every coordinate") {
  NumpyRandom rng(3);
  Eigen::MatrixXd P = shifted_sobol_points(2048, 6, rng);
  CHECK(P.minCoeff() >= 0.0);
  CHECK(P.maxCoeff() < 1.0);
  for (Eigen::Index d = 0; d < 6; ++d) {
    std::set<long> cells;
    for (Eigen::Index i = 0; i < 2048; ++i) cells.insert(static_cast<long>(std::floor(P(i, d) * 2048)));
    CHECK(cells.size() == 2048);
  }
  NumpyRandom a(5), b(5), c(6);
  CHECK(shifted_sobol_points(8, 3, a) == shifted_sobol_points(8, 3, b));
  CHECK(shifted_sobol_points(8, 3, c) != shifted_sobol_points(8, 3, a));
}

TEST_CASE("gp optimizer: roulette draws distinct indices with positive weight") {
  NumpyRandom rng(11);
  Eigen::VectorXd w(6);
  w << 0.0, 1.0, 1e-300, 0.0, 5.0, 2.0;
  for (int rep = 0; rep < 50; ++rep) {
    auto picks = sample_without_replacement(w, 4, rng);
    REQUIRE(picks.size() == 4);
    std::set<Eigen::Index> s(picks.begin(), picks.end());
    CHECK(s.size() == 4);
    CHECK(!s.count(0));
    CHECK(!s.count(3));
  }
}

TEST_CASE("gp optimizer: finds the maximum of a continuous surface with a decoy") {
  SearchSpace ss;
  ss.emplace("a", FloatDistribution{0.0, 1.0, false, std::nullopt});
  ss.emplace("b", FloatDistribution{-3.0, 3.0, false, std::nullopt});
  ss.emplace("c", FloatDistribution{1e-3, 1.0, true, std::nullopt});
  GpSearchSpace space(ss);
  Eigen::Vector3d center(0.71, 0.23, 0.52), weights(3.0, 5.0, 1.0), decoy(0.1, 0.9, 0.1);
  KnownSurface f(center, weights, {false, false, false}, {}, decoy);
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    NumpyRandom rng(seed);
    AcquisitionPoint best = optimize_acquisition(f, space, {Eigen::Vector3d(0.1, 0.9, 0.1)}, rng);
    CAPTURE(seed);
    CHECK((best.x - center).cwiseAbs().maxCoeff() < 2e-3);
    CHECK(best.value == doctest::Approx(0.0).epsilon(0).scale(1).epsilon(1e-5));
  }
}

TEST_CASE("gp optimizer: mixed continuous, categorical, small and large integer grids") {
  SearchSpace ss;
  ss.emplace("a_cont", FloatDistribution{0.0, 1.0, false, std::nullopt});
  ss.emplace("b_cat", CategoricalDistribution{{std::string("x"), std::string("y"), std::string("z"), std::string("w")}});
  ss.emplace("c_small", IntDistribution{0, 10, false, 1});      // 11 values: tried exhaustively
  ss.emplace("d_large", IntDistribution{1, 1000, true, 1});     // 1000 values: Brent
  ss.emplace("e_step", FloatDistribution{0.0, 1.0, false, 0.05});  // 21 values: Brent
  GpSearchSpace space(ss);
  // Targets: a = 0.37, category 2, c = 7, d = 150, e = 0.65 (encoded).
  Eigen::VectorXd center(5), weights(5), decoy(5);
  center << 0.37, 0.0, space.encode(2, 7.0), space.encode(3, 150.0), space.encode(4, 0.65);
  weights << 2.0, 0.0, 3.0, 4.0, 2.0;
  decoy << 0.9, 0.0, 0.1, 0.1, 0.1;
  KnownSurface f(center, weights, {false, true, false, false, false}, {0.0, 0.1, 0.3, 0.05}, decoy);
  for (std::uint32_t seed : {4u, 5u}) {
    NumpyRandom rng(seed);
    Eigen::VectorXd warm(5);
    warm << 0.9, 0.0, space.encode(2, 1.0), space.encode(3, 900.0), space.encode(4, 0.1);
    AcquisitionPoint best = optimize_acquisition(f, space, {warm}, rng);
    auto values = space.decode(best.x);
    CAPTURE(seed);
    CHECK(std::fabs(values["a_cont"] - 0.37) < 1e-3);
    CHECK(values["b_cat"] == 2.0);
    CHECK(values["c_small"] == 7.0);
    CHECK(values["d_large"] == 150.0);
    CHECK(values["e_step"] == doctest::Approx(0.65));
  }
}
