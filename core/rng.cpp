#include "hpod/rng.hpp"

#include <algorithm>

namespace hpod {

NumpyRandom NumpyRandom::from_entropy() {
  std::random_device rd;
  return NumpyRandom(rd());
}

NumpyRandom NumpyRandom::for_trial(std::uint32_t seed, int number, std::uint32_t salt) {
  // splitmix64 of (seed, salt, number): neighbouring numbers give unrelated streams.
  std::uint64_t z = (static_cast<std::uint64_t>(seed) << 32) ^ static_cast<std::uint32_t>(number) ^
                    (static_cast<std::uint64_t>(salt) * 0x9E3779B97F4A7C15ULL);
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return NumpyRandom(static_cast<std::uint32_t>(z ^ (z >> 32)));
}

std::vector<int> NumpyRandom::choice(const std::vector<double>& p, int size) {
  std::vector<double> cdf(p.size());
  double acc = 0;
  for (std::size_t i = 0; i < p.size(); ++i) cdf[i] = (acc += p[i]);
  double last = cdf.back();
  for (auto& c : cdf) c /= last;
  std::vector<int> out(static_cast<std::size_t>(size));
  for (auto& o : out) {
    double u = random_sample();
    o = static_cast<int>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
  }
  return out;
}

}  // namespace hpod
