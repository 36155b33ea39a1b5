#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cstdint>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "samplers/tpe/log1p_batch.hpp"

using namespace hpod::tpe;

namespace {

// Arguments over [−1, 0]: the tiny ones (where 1 + x loses every bit), a sweep, the
// neighbourhood of −1 (masses near 0), powers of two around the √2 split, random ones.
std::vector<double> log1p_arguments() {
  std::vector<double> x = {0.0, -0.0, -1.0, -1e-300, -1e-20, -1e-17, -1e-16, -0x1p-53, -0x1p-52, -1e-10, -1e-5};
  for (int k = 1; k < 1000; ++k) x.push_back(-k / 1000.0);
  for (int j = 1; j <= 16; ++j) x.push_back(-1.0 + std::pow(10.0, -j));
  x.push_back(-1.0 + 0x1p-52);
  x.push_back(-1.0 + 0x1p-53);
  for (int k = 1; k <= 52; ++k) x.push_back(std::ldexp(1.0, -k) - 1.0);         // u = 2^-k
  for (int k = 1; k <= 52; ++k) x.push_back(std::sqrt(0.5) * std::ldexp(1.0, -k) - 1.0);  // u at the split
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int i = 0; i < 20000; ++i) x.push_back(-unit(rng));
  for (int i = 0; i < 2000; ++i) x.push_back(-std::pow(10.0, -300 * unit(rng)));
  return x;
}

}  // namespace

TEST_CASE("tpe log1p_batch: within 4 ulps of std::log1p on [-1, 0], vector and portable paths identical") {
  const std::vector<double> x = log1p_arguments();
  std::vector<double> fast(x.size()), portable(x.size());
  log1p_batch(x.data(), fast.data(), x.size());
  detail::log1p_batch_portable(x.data(), portable.data(), x.size());
  double worst_ulps = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    CAPTURE(x[i]);
    const double want = std::log1p(x[i]);
    CHECK(std::bit_cast<std::uint64_t>(fast[i]) == std::bit_cast<std::uint64_t>(portable[i]));
    if (std::isinf(want)) {
      CHECK(fast[i] == want);
      continue;
    }
    const double ulps = want == 0 ? std::fabs(fast[i]) : std::fabs(fast[i] - want) / (std::fabs(want) * 0x1p-52);
    worst_ulps = std::max(worst_ulps, ulps);
    CHECK(ulps <= 4);
  }
  MESSAGE("log1p_batch worst error " << worst_ulps << " ulp");
}

TEST_CASE("tpe log1p_batch: signs, -1, NaN, and in place") {
  std::vector<double> x = {0.0, -0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), -0.5, -1e-18, -0.75, -0.25};
  std::vector<double> out(x.size());
  log1p_batch(x.data(), out.data(), x.size());
  CHECK(out[0] == 0.0);
  CHECK_FALSE(std::signbit(out[0]));
  CHECK(out[1] == 0.0);
  CHECK(std::signbit(out[1]));
  CHECK(out[2] == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(out[3]));
  CHECK(out[5] == -1e-18);
  std::vector<double> in_place = x;
  log1p_batch(in_place.data(), in_place.data(), in_place.size());  // the rare lanes read x first
  for (std::size_t i = 0; i < x.size(); ++i) {
    CAPTURE(i);
    CHECK(std::bit_cast<std::uint64_t>(in_place[i]) == std::bit_cast<std::uint64_t>(out[i]));
  }
}
