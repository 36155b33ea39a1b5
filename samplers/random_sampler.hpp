// Optuna's RandomSampler (optuna/samplers/_random.py, optuna/_transform.py (4.9)): independent
// uniform draws in the internal representation.
#pragma once

#include <cstdint>
#include <optional>

#include "hpod/rng.hpp"
#include "hpod/sampler.hpp"

namespace hpod {

// One draw for one distribution, exactly as Optuna's RandomSampler.sample_independent.
double sample_random_internal(const Distribution& d, NumpyRandom& rng);

class RandomSampler final : public Sampler {
 public:
  explicit RandomSampler(std::optional<std::uint32_t> seed) : seed_(seed) {}

  std::map<std::string, double> sample(const StudyView& study, const FrozenTrial& trial,
                                       const SearchSpace& space) override;
  std::string name() const override { return "random"; }

 private:
  std::optional<std::uint32_t> seed_;
};

}  // namespace hpod
