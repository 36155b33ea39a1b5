// Floats in JSON text as Python's json module writes and reads them: repr for finite
// values, the non-standard tokens NaN, Infinity and -Infinity otherwise (docs/architecture.md
// "Stored encodings"). Optuna's attribute values and hpod's API use these tokens; this is
// the one place that spells them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hpod {

// "NaN", "Infinity" or "-Infinity" for a non-finite v; nullopt for a finite one.
std::optional<std::string_view> non_finite_token(double v);
// The value of one of those tokens (exact match); nullopt for any other text.
std::optional<double> parse_non_finite_token(std::string_view text);

// json.dumps(float): python_float_repr, or the token.
std::string python_json_float(double v);
// A JSON number or one of the tokens, surrounding whitespace allowed; nullopt otherwise.
std::optional<double> parse_python_json_float(std::string_view text);

}  // namespace hpod
