// The simulated training runs of the pruner benchmark, bit for bit the model in
// optuna_pruner_bench.py: deterministic per (seed, trial, step) through a splitmix64 hash,
// so both sides see the same curve for the same parameters.
//
// loss(step) = final + 1.5·exp(−(step+1)/tau) + 0.03·noise; final depends on lr (best near
// 3e-3), dropout (best 0.2) and layers (best 5) plus 0.02·noise; deep nets and small
// learning rates learn slowly (large tau), so early values mislead a little.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace hpod::bench {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline double uniform01(std::uint64_t seed, std::uint64_t trial, std::uint64_t slot) {
  std::uint64_t h = splitmix64(splitmix64(splitmix64(seed) ^ trial) ^ slot);
  return (static_cast<double>(h >> 11) + 0.5) / 9007199254740992.0;
}

inline double normal(std::uint64_t seed, std::uint64_t trial, std::uint64_t slot) {
  double u1 = uniform01(seed, trial, 2 * slot), u2 = uniform01(seed, trial, 2 * slot + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

struct CurveParams {
  double lr;
  double dropout;
  std::int64_t layers;
};

// Parameters drawn from the hash instead of a sampler ("--sampler hash"): both sides then
// run identical trials, and any difference in the figures is a difference in the pruner.
inline CurveParams hashed_params(std::uint64_t seed, std::uint64_t trial) {
  CurveParams p;
  p.lr = std::pow(10.0, -4.0 + 4.0 * uniform01(seed, trial, 5000));
  p.dropout = 0.5 * uniform01(seed, trial, 5001);
  p.layers = std::min<std::int64_t>(8, 1 + static_cast<std::int64_t>(std::floor(8.0 * uniform01(seed, trial, 5002))));
  return p;
}

inline double final_loss(const CurveParams& p, std::uint64_t seed, std::uint64_t trial) {
  double a = (std::log10(p.lr) + 2.5) / 1.5;
  double d = p.dropout - 0.2;
  return 0.1 + 0.3 * a * a + 1.5 * d * d + 0.03 * std::fabs(static_cast<double>(p.layers) - 5.0) +
         0.02 * normal(seed, trial, 1000);
}

inline double curve_value(std::int64_t step, const CurveParams& p, double final, std::uint64_t seed, std::uint64_t trial) {
  double tau = 4.0 + 3.0 * static_cast<double>(p.layers) + 8.0 * std::max(0.0, -std::log10(p.lr) - 2.0);
  return final + 1.5 * std::exp(-(static_cast<double>(step) + 1.0) / tau) +
         0.03 * normal(seed, trial, static_cast<std::uint64_t>(step));
}

}  // namespace hpod::bench
