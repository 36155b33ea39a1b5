// How many trials count as "good" (gamma) and how old observations are down-weighted
// (weights) — Optuna's default_gamma, hyperopt_default_gamma and default_weights
// (optuna/samplers/_tpe/sampler.py (4.9)).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace hpod::tpe {

// min(ceil(0.1·n), 25)
int default_gamma(int n);
// min(ceil(0.25·√n), 25)
int hyperopt_default_gamma(int n);
// n = 0: empty; n < 25: ones; else linspace(1/n, 1, n − 25) followed by 25 ones
// (observations oldest first, so old ones weigh less).
std::vector<double> default_weights(int n);

// The study file names these functions by preset (Python callables cannot be passed).
enum class GammaPreset { kDefault, kHyperopt };
// Optuna's hyperopt_parameters() keeps default_weights, so both presets give it.
enum class WeightsPreset { kDefault, kHyperopt };

std::optional<GammaPreset> gamma_preset_from_name(std::string_view name);
std::optional<WeightsPreset> weights_preset_from_name(std::string_view name);
int gamma(GammaPreset preset, int n);
std::vector<double> weights(WeightsPreset preset, int n);

}  // namespace hpod::tpe
