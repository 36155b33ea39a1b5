// numpy.random.RandomState emulation (docs/architecture.md "Random numbers"): MT19937 seeded with
// init_genrand and numpy's 53-bit double construction, so seeded samplers draw Optuna's numbers.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace hpod {

class NumpyRandom {
 public:
  explicit NumpyRandom(std::uint32_t seed) : mt_(seed) {}
  // A generator seeded from the OS (a study without a seed).
  static NumpyRandom from_entropy();
  // The generator a seeded sampler uses for trial `number`: a pure function of (seed,
  // number), so a seeded study repeats exactly, and a daemon restart never replays the
  // numbers of earlier trials (a single stream re-created from the seed would).
  static NumpyRandom for_trial(std::uint32_t seed, int number, std::uint32_t salt = 0);

  // random_sample(): [0, 1) with 53 random bits, numpy's construction.
  double random_sample() {
    std::uint32_t a = static_cast<std::uint32_t>(mt_()) >> 5;
    std::uint32_t b = static_cast<std::uint32_t>(mt_()) >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }
  double uniform(double low, double high) { return low + (high - low) * random_sample(); }
  // choice(n, size, p) with replacement: cdf / cdf[-1], right-side binary search.
  std::vector<int> choice(const std::vector<double>& p, int size);
  std::uint32_t next_u32() { return static_cast<std::uint32_t>(mt_()); }

 private:
  std::mt19937 mt_;
};

}  // namespace hpod
