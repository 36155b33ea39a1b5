#include "hpod/json_float.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "hpod/distributions.hpp"

namespace hpod {

std::optional<std::string_view> non_finite_token(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return std::nullopt;
}

std::optional<double> parse_non_finite_token(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

std::string python_json_float(double v) {
  if (auto token = non_finite_token(v)) return std::string(*token);
  return python_float_repr(v);
}

std::optional<double> parse_python_json_float(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (auto v = parse_non_finite_token(text)) return v;
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace hpod
