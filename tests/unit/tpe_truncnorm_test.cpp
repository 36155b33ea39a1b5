// Truncated-normal numerics against Optuna 4.9 (tpe.truncnorm.optuna_4_9), tails included.
#include <doctest/doctest.h>

#include <cmath>

#include "samplers/tpe/truncnorm.hpp"
#include "test_vectors.hpp"

using namespace hpod::tpe;
using hpod::testing::close;
using hpod::testing::num;
using hpod::testing::vectors;

namespace {
const nlohmann::json& tn() { return vectors()["tpe"]["truncnorm"]["optuna_4_9"]; }
}  // namespace

TEST_CASE("tpe truncnorm: log_ndtr equals Optuna 4.9, incl. the asymptotic tail") {
  auto& v = tn()["log_ndtr"];
  REQUIRE(v["x"].size() == v["value"].size());
  for (std::size_t i = 0; i < v["x"].size(); ++i) {
    double x = num(v["x"][i]);
    CAPTURE(x);
    CHECK(close(truncnorm::log_ndtr(x), num(v["value"][i]), 1e-9));
  }
}

TEST_CASE("tpe truncnorm: log_gauss_mass equals Optuna 4.9 in every branch") {
  auto& v = tn()["log_gauss_mass"];
  for (std::size_t i = 0; i < v["a"].size(); ++i) {
    double a = num(v["a"][i]), b = num(v["b"][i]);
    CAPTURE(a);
    CAPTURE(b);
    double want = num(v["value"][i]);
    // log(1) = −0: a relative tolerance needs an absolute floor there.
    CHECK(close(truncnorm::log_gauss_mass(a, b), want, 1e-9, 1e-300));
  }
}

TEST_CASE("tpe truncnorm: ppf (Newton ndtri_exp) equals Optuna 4.9") {
  auto& v = tn()["ppf"];
  for (std::size_t i = 0; i < v["q"].size(); ++i) {
    double q = num(v["q"][i]), a = num(v["a"][i]), b = num(v["b"][i]);
    CAPTURE(q);
    CAPTURE(a);
    CAPTURE(b);
    CHECK(close(truncnorm::ppf(q, a, b), num(v["value"][i]), 1e-9));
  }
  CHECK(std::isnan(truncnorm::ppf(0.5, 1.0, 1.0)));
}

TEST_CASE("tpe truncnorm: logpdf equals Optuna 4.9 (with -log sigma)") {
  auto& v = tn()["logpdf"];
  double a = num(v["a"]), b = num(v["b"]), loc = num(v["loc"]), scale = num(v["scale"]);
  for (std::size_t i = 0; i < v["x"].size(); ++i) {
    double x = num(v["x"][i]);
    CAPTURE(x);
    CHECK(close(truncnorm::logpdf(x, a, b, loc, scale), num(v["value"][i]), 1e-9));
  }
  CHECK(truncnorm::logpdf(loc + scale * (b + 0.1), a, b, loc, scale) == -INFINITY);
}

TEST_CASE("tpe truncnorm: ndtri_exp inverts log_ndtr far into both tails") {
  for (double x : {-300.0, -40.0, -20.5, -19.5, -5.0, -0.3, 0.0, 0.7, 4.0, 7.5}) {
    CAPTURE(x);
    double y = truncnorm::log_ndtr(x);
    CHECK(close(truncnorm::ndtri_exp(y), x, 1e-8, 1e-12));
  }
  // A sample far out in the left tail of a kernel stays inside its truncation bounds.
  for (double q : {1e-12, 0.3, 0.999999}) {
    double z = truncnorm::ppf(q, -60.0, -55.0);
    CHECK(z >= -60.0);
    CHECK(z <= -55.0);
  }
}
