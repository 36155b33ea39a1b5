// Test functions for the sampler benchmark. tests/bench/optuna_sampler_bench.py defines
// the same functions (same names, search spaces and formulas) for Optuna.
#pragma once

#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "hpod/search_space.hpp"

namespace hpod::bench {

using Params = std::map<std::string, double>;  // internal values (categorical: index)

struct BenchFunction {
  std::string name;
  SearchSpace space;
  std::function<double(const Params&)> f;
  double optimum;  // the global minimum, for the report
};

inline Distribution uniform(double lo, double hi) { return FloatDistribution{lo, hi, false, std::nullopt}; }

// "x" + index, appended rather than concatenated (GCC 12 warns wrongly on operator+ here).
inline std::string indexed(const std::string& prefix, int i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

inline SearchSpace box(const std::string& prefix, int d, double lo, double hi) {
  SearchSpace s;
  for (int i = 0; i < d; ++i) s.emplace(indexed(prefix, i), uniform(lo, hi));
  return s;
}

inline std::vector<double> xs(const Params& p, int d) {
  std::vector<double> v;
  for (int i = 0; i < d; ++i) v.push_back(p.at(indexed("x", i)));
  return v;
}

inline double branin(const Params& p) {
  const double x1 = p.at("x0"), x2 = p.at("x1");
  const double pi = std::numbers::pi;
  const double b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}

inline double hartmann6(const Params& p) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double pm[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                  {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                  {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                  {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  const auto x = xs(p, 6);
  double s = 0;
  for (int i = 0; i < 4; ++i) {
    double e = 0;
    for (int j = 0; j < 6; ++j) e += a[i][j] * std::pow(x[static_cast<std::size_t>(j)] - pm[i][j], 2);
    s += alpha[i] * std::exp(-e);
  }
  return -s;
}

inline double rosenbrock4(const Params& p) {
  const auto x = xs(p, 4);
  double s = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) s += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(1 - x[i], 2);
  return s;
}

// Styblinski–Tang in d dimensions (x0..x{d-1}); minimum −39.166·d.
inline double styblinski_tang(const Params& p, int d) {
  double s = 0;
  for (double v : xs(p, d)) s += v * v * v * v - 16 * v * v + 5 * v;
  return s / 2;
}

inline double styblinski_tang8(const Params& p) { return styblinski_tang(p, 8); }

// Mixed: a float, a log float, a log int, a stepped int and a categorical.
inline double mixed(const Params& p) {
  static const double penalty[4] = {0.0, 0.5, 1.0, 2.0};  // relu, tanh, sigmoid, linear
  return std::pow(p.at("x") - 1.3, 2) + std::pow(std::log10(p.at("lr")) + 3, 2) +
         std::pow(std::log2(p.at("units")) - 5, 2) / 4 + std::abs(p.at("layers") - 12) / 2 +
         penalty[static_cast<int>(p.at("act"))];
}

inline std::vector<BenchFunction> bench_functions() {
  SearchSpace mixed_space{{"x", uniform(-5, 5)},
                          {"lr", FloatDistribution{1e-5, 1.0, true, std::nullopt}},
                          {"units", IntDistribution{1, 256, true, 1}},
                          {"layers", IntDistribution{0, 20, false, 2}},
                          {"act", CategoricalDistribution{{std::string("relu"), std::string("tanh"),
                                                           std::string("sigmoid"), std::string("linear")}}}};
  return {
      {"branin", {{"x0", uniform(-5, 10)}, {"x1", uniform(0, 15)}}, branin, 0.397887},
      {"hartmann6", box("x", 6, 0, 1), hartmann6, -3.32237},
      {"rosenbrock4", box("x", 4, -5, 10), rosenbrock4, 0.0},
      {"styblinski_tang8", box("x", 8, -5, 5), styblinski_tang8, -39.16617 * 8},
      {"mixed", mixed_space, mixed, 0.0},
  };
}

}  // namespace hpod::bench
