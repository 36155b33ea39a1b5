// Access to tests/data/optuna-test-vectors.json (numbers produced by running Optuna).
#pragma once

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace hpod::testing {

inline const nlohmann::json& vectors() {
  static const nlohmann::json v = [] {
    std::ifstream in(HPOD_TEST_VECTORS);
    if (!in) throw std::runtime_error("cannot open " HPOD_TEST_VECTORS);
    return nlohmann::json::parse(in);
  }();
  return v;
}

// The vectors write NaN and infinities as the strings "nan", "inf", "-inf".
inline double num(const nlohmann::json& j) {
  if (j.is_string()) {
    auto s = j.get<std::string>();
    if (s == "nan") return NAN;
    if (s == "inf") return INFINITY;
    if (s == "-inf") return -INFINITY;
    throw std::runtime_error("not a number: " + s);
  }
  return j.get<double>();
}

// |a - b| <= rel * max(|a|, |b|), with NaN == NaN and equal infinities equal.
inline bool close(double a, double b, double rel = 1e-9, double abs = 0.0) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= std::max(abs, rel * std::max(std::fabs(a), std::fabs(b)));
}

}  // namespace hpod::testing
