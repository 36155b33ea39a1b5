// gamma and weights tables against tpe.gamma_and_weights.
#include <doctest/doctest.h>

#include "samplers/tpe/gamma_weights.hpp"
#include "test_vectors.hpp"

using namespace hpod::tpe;
using hpod::testing::close;
using hpod::testing::vectors;

TEST_CASE("tpe gamma: default_gamma and hyperopt_default_gamma equal Optuna's tables") {
  auto& v = vectors()["tpe"]["gamma_and_weights"];
  for (auto& [n, want] : v["default_gamma"].items()) {
    const std::string key = n;  // clang 14 cannot CAPTURE a structured binding
    CAPTURE(key);
    CHECK(default_gamma(std::stoi(n)) == want.get<int>());
    CHECK(gamma(GammaPreset::kDefault, std::stoi(n)) == want.get<int>());
  }
  for (auto& [n, want] : v["hyperopt_default_gamma"].items()) {
    const std::string key = n;  // clang 14 cannot CAPTURE a structured binding
    CAPTURE(key);
    CHECK(hyperopt_default_gamma(std::stoi(n)) == want.get<int>());
    CHECK(gamma(GammaPreset::kHyperopt, std::stoi(n)) == want.get<int>());
  }
}

TEST_CASE("tpe weights: default_weights equals Optuna's table") {
  auto& v = vectors()["tpe"]["gamma_and_weights"]["default_weights"];
  for (auto& [n, want] : v.items()) {
    const std::string key = n;  // clang 14 cannot CAPTURE a structured binding
    CAPTURE(key);
    auto got = default_weights(std::stoi(n));
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(close(got[i], want[i].get<double>(), 1e-12));
  }
}

TEST_CASE("tpe gamma/weights presets by name") {
  CHECK(gamma_preset_from_name("default") == GammaPreset::kDefault);
  CHECK(gamma_preset_from_name("hyperopt") == GammaPreset::kHyperopt);
  CHECK_FALSE(gamma_preset_from_name("linear").has_value());
  CHECK(weights_preset_from_name("hyperopt") == WeightsPreset::kHyperopt);
  CHECK(weights(WeightsPreset::kHyperopt, 40) == default_weights(40));
}
