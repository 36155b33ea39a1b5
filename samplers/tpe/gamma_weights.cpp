#include "samplers/tpe/gamma_weights.hpp"

#include <algorithm>
#include <cmath>

namespace hpod::tpe {

int default_gamma(int n) { return std::min(static_cast<int>(std::ceil(0.1 * n)), 25); }

int hyperopt_default_gamma(int n) {
  return std::min(static_cast<int>(std::ceil(0.25 * std::sqrt(static_cast<double>(n)))), 25);
}

std::vector<double> default_weights(int n) {
  if (n <= 0) return {};
  if (n < 25) return std::vector<double>(static_cast<std::size_t>(n), 1.0);
  const int ramp = n - 25;
  std::vector<double> w(static_cast<std::size_t>(n), 1.0);
  // numpy.linspace(1/n, 1, ramp): start + i·step, the last one exactly 1.
  const double start = 1.0 / n;
  const double step = ramp > 1 ? (1.0 - start) / (ramp - 1) : 0.0;
  for (int i = 0; i < ramp - 1; ++i) w[static_cast<std::size_t>(i)] = i * step + start;
  if (ramp == 1) w[0] = start;
  return w;
}

std::optional<GammaPreset> gamma_preset_from_name(std::string_view name) {
  if (name == "default") return GammaPreset::kDefault;
  if (name == "hyperopt") return GammaPreset::kHyperopt;
  return std::nullopt;
}

std::optional<WeightsPreset> weights_preset_from_name(std::string_view name) {
  if (name == "default") return WeightsPreset::kDefault;
  if (name == "hyperopt") return WeightsPreset::kHyperopt;
  return std::nullopt;
}

int gamma(GammaPreset preset, int n) {
  return preset == GammaPreset::kHyperopt ? hyperopt_default_gamma(n) : default_gamma(n);
}

std::vector<double> weights(WeightsPreset preset, int n) {
  (void)preset;  // both presets are default_weights (see the enum)
  return default_weights(n);
}

}  // namespace hpod::tpe
