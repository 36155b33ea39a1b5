#include "samplers/random_sampler.hpp"

#include <cmath>
#include <limits>

namespace hpod {

double sample_random_internal(const Distribution& d, NumpyRandom& rng) {
  if (auto* f = std::get_if<FloatDistribution>(&d)) {
    if (f->step) {
      double q = *f->step;
      double x = rng.uniform(f->low - q / 2, f->high + q / 2);
      double v = std::nearbyint((x - f->low) / q) * q + f->low;
      return std::clamp(v, f->low, f->high);
    }
    double lo = f->log ? std::log(f->low) : f->low;
    double hi = f->log ? std::log(f->high) : f->high;
    double x = rng.uniform(lo, hi);
    if (f->log) x = std::exp(x);
    // high itself is never returned (Optuna clips below it).
    return std::min(x, std::nextafter(f->high, -std::numeric_limits<double>::infinity()));
  }
  if (auto* i = std::get_if<IntDistribution>(&d)) {
    double low = static_cast<double>(i->low), high = static_cast<double>(i->high);
    if (i->log) {
      double x = rng.uniform(std::log(low - 0.5), std::log(high + 0.5));
      return std::clamp(std::nearbyint(std::exp(x)), low, high);
    }
    double q = static_cast<double>(i->step);
    double x = rng.uniform(low - q / 2, high + q / 2);
    double v = std::nearbyint((x - low) / q) * q + low;
    return std::trunc(std::clamp(v, low, high));
  }
  auto& c = std::get<CategoricalDistribution>(d);
  std::size_t best = 0;
  double best_u = -1;
  for (std::size_t k = 0; k < c.choices.size(); ++k) {
    double u = rng.random_sample();
    if (u > best_u) {
      best_u = u;
      best = k;
    }
  }
  return static_cast<double>(best);
}

std::map<std::string, double> RandomSampler::sample(const StudyView& study, const FrozenTrial& trial,
                                                    const SearchSpace& space) {
  (void)study;
  NumpyRandom rng = seed_ ? NumpyRandom::for_trial(*seed_, trial.number) : NumpyRandom::from_entropy();
  std::map<std::string, double> out;
  for (auto& [name, dist] : space) {
    if (trial.params.count(name)) continue;
    out[name] = single(dist) ? single_value(dist) : sample_random_internal(dist, rng);
  }
  return out;
}

}  // namespace hpod
