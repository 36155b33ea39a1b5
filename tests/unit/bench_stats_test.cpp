// The benchmark's statistics (tests/bench/bench_stats.hpp): quantiles and Mann–Whitney U.
#include <doctest/doctest.h>

#include "tests/bench/bench_stats.hpp"

using namespace hpod::bench;

TEST_CASE("bench stats: numpy-style quantiles") {
  CHECK(median({3, 1, 2}) == 2);
  CHECK(quantile({1, 2, 3, 4}, 0.25) == doctest::Approx(1.75));
  CHECK(quantile({1, 2, 3, 4}, 0.75) == doctest::Approx(3.25));
}

TEST_CASE("bench stats: Mann-Whitney U, normal approximation") {
  // Fully separated samples of 5: U = 0, z = (12.5 - 0.5) / sqrt(25·11/12), p = 0.01219
  // (scipy.stats.mannwhitneyu(..., method="asymptotic")).
  auto r = mann_whitney({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10});
  CHECK(r.u == 0);
  CHECK(r.p == doctest::Approx(0.012186).epsilon(1e-4));
  CHECK(mann_whitney({6, 7, 8, 9, 10}, {1, 2, 3, 4, 5}).u == 25);
  // Identical samples: no evidence at all.
  CHECK(mann_whitney({1, 2, 3}, {1, 2, 3}).p == doctest::Approx(1.0));
  // Ties get mid-ranks: a = {1, 2}, b = {2, 3}: rank sum of a = 1 + 2.5, U = 0.5.
  CHECK(mann_whitney({1, 2}, {2, 3}).u == 0.5);
}
