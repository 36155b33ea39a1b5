// Parameter distributions with Optuna's semantics (optuna/distributions.py (4.9)).
//
// A parameter has an *external* value (what the trial sees: a double, an integer, or a
// categorical choice) and an *internal* value, a double, which is what samplers work on
// and what Optuna stores in trial_params.param_value (categoricals: the choice index).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hpod/status.hpp"

namespace hpod {

// An external parameter value / a categorical choice: JSON null, bool, integer, float or
// string. Python equality applies when comparing (True == 1 == 1.0, NaN equals NaN).
using ParamValue = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

bool python_equal(const ParamValue& a, const ParamValue& b);
// The value as Python's json.dumps writes it ("adam" → "\"adam\"", 1.0 → "1.0").
std::string param_value_json(const ParamValue& v);
// Numeric view of a value (bool and int widen); nullopt for null and strings.
std::optional<double> param_value_number(const ParamValue& v);

struct FloatDistribution {
  double low = 0.0;
  double high = 0.0;
  bool log = false;
  std::optional<double> step;
  bool operator==(const FloatDistribution&) const = default;
};

struct IntDistribution {
  std::int64_t low = 0;
  std::int64_t high = 0;
  bool log = false;
  std::int64_t step = 1;
  bool operator==(const IntDistribution&) const = default;
};

struct CategoricalDistribution {
  std::vector<ParamValue> choices;
  // Exact equality with NaN == NaN (Optuna's compatibility rule for categoricals).
  bool operator==(const CategoricalDistribution& o) const;
};

using Distribution = std::variant<FloatDistribution, IntDistribution, CategoricalDistribution>;

// Constructors that apply Optuna's validation in Optuna's order and adjust `high` to the
// step grid (decimal arithmetic for floats as Optuna). `adjusted` (if given) is set when high
// moved, so callers can warn as Optuna does.
Result<FloatDistribution> make_float_distribution(double low, double high, bool log,
                                                  std::optional<double> step,
                                                  bool* adjusted = nullptr);
Result<IntDistribution> make_int_distribution(std::int64_t low, std::int64_t high, bool log,
                                              std::int64_t step, bool* adjusted = nullptr);
Result<CategoricalDistribution> make_categorical_distribution(std::vector<ParamValue> choices);

bool is_categorical(const Distribution& d);
bool is_log(const Distribution& d);
// Float with step, Int: values lie on a grid.
bool is_discrete_numeric(const Distribution& d);

// A single distribution is never handed to a sampler (optuna/samplers/_base.py).
bool single(const Distribution& d);
// The one value of a single distribution (internal).
double single_value(const Distribution& d);
bool contains(const Distribution& d, double internal);

// internal ↔ external (to_internal_repr / to_external_repr). to_internal fails when the value is
// of the wrong kind, not a choice, or NaN.
ParamValue to_external(const Distribution& d, double internal);
Result<double> to_internal(const Distribution& d, const ParamValue& external);

// Same class, same log flag, and for categoricals the same choices
// (optuna/distributions.py check_distribution_compatibility).
bool compatible(const Distribution& a, const Distribution& b);

// Byte-identical to what Optuna writes into trial_params.distribution_json
// (docs/architecture.md "Stored encodings").
std::string distribution_to_json(const Distribution& d);
// Every form a reader must accept: current, legacy class names, abbreviated {"type": ...}.
Result<Distribution> distribution_from_json(std::string_view json);

// Python repr of a double ("10.0", "1e-05", "0.1", "inf", "nan").
std::string python_float_repr(double v);

// Decimal arithmetic on shortest round-trip strings (Python's Decimal(str(x)), 28 digits).
// Exposed for tests.
namespace decimal {
// (high - low) / step floored, times step, plus low; i.e. high adjusted to the grid.
double adjust_high(double low, double high, double step);
// (D(high) - D(low)) % D(step) == 0.
bool is_multiple(double low, double high, double step);
// D(high) - D(low) < D(step).
bool range_less_than_step(double low, double high, double step);
}  // namespace decimal

}  // namespace hpod
