#include <doctest/doctest.h>

#include "hpod/rng.hpp"
#include "test_vectors.hpp"

using namespace hpod;
using hpod::testing::vectors;

TEST_CASE("NumpyRandom reproduces numpy.random.RandomState") {
  auto& ref = vectors()["numpy_rng_reference"];
  NumpyRandom r0(0);
  for (auto& v : ref["RandomState(0).random_sample(5)"]) CHECK(r0.random_sample() == v.get<double>());
  NumpyRandom r42(42);
  for (auto& v : ref["RandomState(42).random_sample(3)"]) CHECK(r42.random_sample() == v.get<double>());
  NumpyRandom u(0);
  for (auto& v : ref["RandomState(0).uniform(-10,10,size=3)"]) CHECK(u.uniform(-10, 10) == v.get<double>());
  NumpyRandom c(0);
  auto got = c.choice({0.1, 0.2, 0.3, 0.4}, 6);
  std::vector<int> want = ref["RandomState(0).choice(4, size=6, p=[0.1,0.2,0.3,0.4])"].get<std::vector<int>>();
  CHECK(got == want);
}

TEST_CASE("per-trial generators are deterministic and distinct") {
  auto a = NumpyRandom::for_trial(7, 3).random_sample();
  CHECK(a == NumpyRandom::for_trial(7, 3).random_sample());
  CHECK(a != NumpyRandom::for_trial(7, 4).random_sample());
  CHECK(a != NumpyRandom::for_trial(8, 3).random_sample());
}
