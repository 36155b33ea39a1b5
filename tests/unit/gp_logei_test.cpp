// erfcx and log expected improvement: the Optuna vectors (1e-9) and 1000-digit references
// (tests/data/gen_gp_logei_reference.py) from z = +10 down to −40, stability to −1e3.
#include <doctest/doctest.h>

#include <fstream>

#include "samplers/gp/erfcx.hpp"
#include "samplers/gp/log_ei.hpp"
#include "test_vectors.hpp"

using namespace hpod::gp;
using hpod::testing::close;
using hpod::testing::vectors;

namespace {

const nlohmann::json& reference() {
  static const nlohmann::json r = [] {
    std::ifstream in(HPOD_SOURCE_DIR "/tests/data/gp_logei_reference.json");
    REQUIRE(in);
    return nlohmann::json::parse(in);
  }();
  return r;
}

}  // namespace

TEST_CASE("erfcx matches high-precision references to a few ulps") {
  for (auto& e : reference()["erfcx"]) {
    double x = e["x"].get<double>();
    CAPTURE(x);
    CHECK(close(erfcx(x), e["value"].get<double>(), 4e-15));
  }
  // Continuity where the continued fraction takes over.
  for (double x : {2.999999, 3.0, 3.000001}) {
    double direct = std::exp(x * x) * std::erfc(x);
    CHECK(close(erfcx(x), direct, 1e-13));
  }
  CHECK(erfcx(1e10) == doctest::Approx(1.0 / (1e10 * std::sqrt(M_PI))).epsilon(1e-15));
  CHECK(erfcx(std::numeric_limits<double>::infinity()) == 0.0);
  CHECK(std::isinf(erfcx(-30.0)));
}

TEST_CASE("standard log EI equals Optuna 4.9's table") {
  auto& t = vectors()["gp_optuna_4_9"]["standard_logei"];
  auto z = t["z"].get<std::vector<double>>();
  auto v = t["value"].get<std::vector<double>>();
  for (std::size_t i = 0; i < z.size(); ++i) {
    CAPTURE(z[i]);
    CHECK(close(standard_log_ei(z[i]), v[i], 1e-9));
  }
  CHECK(close(standard_log_ei(0.0), -0.9189385332046727, 1e-15));
  CHECK(close(standard_log_ei(-10.0), -55.553122036121955, 1e-12));
  CHECK(close(standard_log_ei(-26.0), -345.4395467223178, 1e-12));
}

TEST_CASE("standard log EI and its derivative match 1000-digit references from z = 10 to -40") {
  for (auto& e : reference()["standard_logei"]) {
    double z = e["z"].get<double>();
    CAPTURE(z);
    CHECK(close(standard_log_ei(z), e["h"].get<double>(), 1e-14, 1e-15));
    CHECK(close(standard_log_ei_derivative(z), e["dh"].get<double>(), 1e-13));
  }
}

TEST_CASE("standard log EI stays finite, decreasing and close to its asymptote down to z = -1e3") {
  double previous = standard_log_ei(5.0);
  for (double z = 5.0; z >= -1000.0; z -= 0.37) {
    double h = standard_log_ei(z);
    double dh = standard_log_ei_derivative(z);
    CAPTURE(z);
    REQUIRE(std::isfinite(h));
    REQUIRE(std::isfinite(dh));
    CHECK(h <= previous);
    CHECK(dh > 0);
    previous = h;
  }
  // h(z) = −z²/2 − log(√(2π)) + log(1/z² − 3/z⁴ + 15/z⁶ − …) for z → −∞.
  for (double z : {-100.0, -1000.0, -1e5}) {
    double series = std::log(1 / (z * z) - 3 / std::pow(z, 4) + 15 / std::pow(z, 6) - 105 / std::pow(z, 8));
    CHECK(close(standard_log_ei(z), -0.5 * z * z - 0.9189385332046727 + series, 1e-15));
    CHECK(close(standard_log_ei_derivative(z), -z, 1e-3));
  }
}

TEST_CASE("log EI equals Optuna 4.9's values; its gradient equals finite differences") {
  auto& t = vectors()["gp_optuna_4_9"]["logei"];
  auto mean = t["mean"].get<std::vector<double>>();
  auto var = t["var"].get<std::vector<double>>();
  auto want = t["value"].get<std::vector<double>>();
  double f0 = t["f0"].get<double>();
  for (std::size_t i = 0; i < mean.size(); ++i) CHECK(close(log_ei(mean[i], var[i], f0), want[i], 1e-9));

  // Not a structured binding: clang 14 cannot CAPTURE one.
  for (const auto& mv : {std::pair{0.0, 1.0}, {0.5, 0.04}, {-2.0, 0.25}, {-30.0, 0.01}, {0.31, 1e-6}}) {
    const double m = mv.first, v = mv.second;
    auto g = log_ei_with_gradient(m, v, f0);
    CHECK(close(g.value, log_ei(m, v, f0), 1e-15));
    double hm = 1e-6 * std::max(1.0, std::fabs(m)), hv = 1e-6 * v;
    double dm = (log_ei(m + hm, v, f0) - log_ei(m - hm, v, f0)) / (2 * hm);
    double dv = (log_ei(m, v + hv, f0) - log_ei(m, v - hv, f0)) / (2 * hv);
    CAPTURE(m);
    CAPTURE(v);
    CHECK(g.d_mean == doctest::Approx(dm).epsilon(1e-6));
    CHECK(g.d_var == doctest::Approx(dv).epsilon(1e-6));
  }
}
