// Truncated-normal numerics against Optuna 4.9 (tpe.truncnorm.optuna_4_9), tails included.
#include <doctest/doctest.h>

#include <cmath>

#include "hpod/rng.hpp"
#include "samplers/tpe/sum_exp.hpp"
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

TEST_CASE("tpe sum_exp: the vector and portable paths agree bit for bit, and with exp") {
  hpod::NumpyRandom rng(5);
  for (std::size_t n : {0u, 1u, 3u, 4u, 7u, 64u, 1001u}) {
    std::vector<double> t(n);
    for (auto& v : t) v = -rng.uniform(0, 60) * (rng.random_sample() < 0.1 ? 20 : 1);
    if (n) t[n / 2] = 0.0;
    const double fast = sum_exp_shifted(t.data(), n, 0.0);
    CHECK(fast == detail::sum_exp_shifted_portable(t.data(), n, 0.0));
    long double ref = 0;
    for (double v : t) ref += std::exp(static_cast<long double>(std::max(v, -700.0)));
    CHECK(close(fast, static_cast<double>(ref), 1e-15));
  }
  // Every exponent in the range, one at a time.
  for (double x = -700; x <= 0; x += 0.37) {
    CAPTURE(x);
    CHECK(close(sum_exp_shifted(&x, 1, 0.0), std::exp(x), 4.5e-16));
  }
  MESSAGE("sum_exp uses AVX2: " << sum_exp_uses_avx2());
}
