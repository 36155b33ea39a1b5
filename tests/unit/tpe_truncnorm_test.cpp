// Truncated-normal numerics against Optuna 4.9 (tpe.truncnorm.optuna_4_9), tails included.
#include <doctest/doctest.h>

#include <cmath>

#include "hpod/rng.hpp"
#include "samplers/tpe/erf_batch.hpp"
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

TEST_CASE("tpe truncnorm: Optuna 3.1's bisection ppf and density without -log sigma") {
  auto& v = vectors()["tpe"]["truncnorm"]["optuna_3_1"];
  auto& ppf = v["ppf"];
  for (std::size_t i = 0; i < ppf["q"].size(); ++i) {
    double q = num(ppf["q"][i]), a = num(ppf["a"][i]), b = num(ppf["b"][i]);
    CAPTURE(q);
    CHECK(close(truncnorm::ppf(q, a, b, true), num(ppf["value"][i]), 1e-13));
  }
  auto& lp = v["logpdf"];
  const double a = num(lp["a"]), b = num(lp["b"]), loc = num(lp["loc"]), scale = num(lp["scale"]);
  for (std::size_t i = 0; i < lp["x"].size(); ++i)
    CHECK(close(truncnorm::logpdf(num(lp["x"][i]), a, b, loc, scale) + std::log(scale), num(lp["value"][i]), 1e-9));
}

TEST_CASE("tpe erf_batch: within 2e-16 of std::erf, vector and portable paths identical") {
  std::vector<double> t;
  for (double x = -7; x <= 7; x += 0.00731) t.push_back(x);
  for (double x : {0.0, -0.0, 0.25, 0.2500001, 5.99, 6.0, 6.249, 6.25, 30.0, -30.0}) t.push_back(x);
  std::vector<double> fast(t.size()), portable(t.size());
  erf_batch(t.data(), fast.data(), t.size());
  detail::erf_batch_portable(t.data(), portable.data(), t.size());
  double worst = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    CAPTURE(t[i]);
    CHECK(fast[i] == portable[i]);
    worst = std::max(worst, std::fabs(fast[i] - std::erf(t[i])));
  }
  CHECK(worst < 2e-16);
  MESSAGE("erf_batch worst absolute error " << worst);
}
