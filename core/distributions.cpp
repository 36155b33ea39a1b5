#include "hpod/distributions.hpp"
#include "hpod/json_float.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace hpod {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------
// Values

std::optional<double> param_value_number(const ParamValue& v) {
  if (auto* b = std::get_if<bool>(&v)) return *b ? 1.0 : 0.0;
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

bool python_equal(const ParamValue& a, const ParamValue& b) {
  if (std::holds_alternative<std::monostate>(a) || std::holds_alternative<std::monostate>(b))
    return a.index() == b.index();
  if (auto* sa = std::get_if<std::string>(&a)) {
    auto* sb = std::get_if<std::string>(&b);
    return sb != nullptr && *sa == *sb;
  }
  if (std::holds_alternative<std::string>(b)) return false;
  // Both numeric. Integers compare exactly; anything with a float compares as doubles,
  // NaN equal to NaN (Optuna's choice lookup).
  auto* ia = std::get_if<std::int64_t>(&a);
  auto* ib = std::get_if<std::int64_t>(&b);
  if (ia && ib) return *ia == *ib;
  double x = *param_value_number(a), y = *param_value_number(b);
  if (std::isnan(x) && std::isnan(y)) return true;
  return x == y;
}

std::string python_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  // s = [-]d[.ddd]e[+-]XX
  bool neg = s[0] == '-';
  std::size_t epos = s.find('e');
  std::string mant = s.substr(neg ? 1 : 0, epos - (neg ? 1 : 0));
  int exp10 = std::stoi(s.substr(epos + 1));
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  // value = 0.d1d2... * 10^decpt
  int decpt = exp10 + 1;
  std::string out = neg ? "-" : "";
  if (decpt <= -4 || decpt > 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    int e = decpt - 1;
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    out += eb;
  } else if (decpt <= 0) {
    out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
  } else if (static_cast<std::size_t>(decpt) >= digits.size()) {
    out += digits + std::string(static_cast<std::size_t>(decpt) - digits.size(), '0') + ".0";
  } else {
    out += digits.substr(0, static_cast<std::size_t>(decpt)) + "." +
           digits.substr(static_cast<std::size_t>(decpt));
  }
  return out;
}

std::string param_value_json(const ParamValue& v) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return python_json_float(d); }
    std::string operator()(const std::string& s) const {
      // Python's json.dumps escapes non-ASCII (ensure_ascii=True), as does this dump.
      return json(s).dump(-1, ' ', true);
    }
  };
  return std::visit(Visitor{}, v);
}

bool CategoricalDistribution::operator==(const CategoricalDistribution& o) const {
  if (choices.size() != o.choices.size()) return false;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    // Same JSON type and value: Optuna compares the lists with ==, where True == 1; we
    // follow Python.
    if (!python_equal(choices[i], o.choices[i])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Construction and validation (optuna/distributions.py (4.9), the classes' __init__)

Result<FloatDistribution> make_float_distribution(double low, double high, bool log,
                                                  std::optional<double> step, bool* adjusted) {
  if (adjusted) *adjusted = false;
  if (std::isnan(low) || std::isnan(high)) return Status::InvalidArgument("\"low\" and \"high\" must be numbers, not NaN");
  if (log && step) return Status::InvalidArgument("\"step\" is not supported when \"log\" is true");
  if (low > high)
    return Status::InvalidArgument("\"low\" must be <= \"high\" (low " + python_float_repr(low) +
                                   ", high " + python_float_repr(high) + ")");
  if (log && low <= 0.0) return Status::InvalidArgument("\"low\" must be > 0 when \"log\" is true");
  if (step && !(*step > 0.0)) return Status::InvalidArgument("\"step\" must be > 0");
  if (std::isinf(low) || std::isinf(high)) return Status::InvalidArgument("\"low\" and \"high\" must be finite");
  FloatDistribution d{low, high, log, step};
  if (step && !decimal::is_multiple(low, high, *step)) {
    d.high = decimal::adjust_high(low, high, *step);
    if (adjusted) *adjusted = true;
  }
  return d;
}

Result<IntDistribution> make_int_distribution(std::int64_t low, std::int64_t high, bool log,
                                              std::int64_t step, bool* adjusted) {
  if (adjusted) *adjusted = false;
  if (log && step != 1) return Status::InvalidArgument("\"step\" must be 1 when \"log\" is true");
  if (low > high)
    return Status::InvalidArgument("\"low\" must be <= \"high\" (low " + std::to_string(low) +
                                   ", high " + std::to_string(high) + ")");
  if (log && low < 1) return Status::InvalidArgument("\"low\" must be >= 1 when \"log\" is true");
  if (step <= 0) return Status::InvalidArgument("\"step\" must be > 0");
  IntDistribution d{low, high, log, step};
  std::int64_t r = high - low;
  if (r % step != 0) {
    d.high = (r / step) * step + low;
    if (adjusted) *adjusted = true;
  }
  return d;
}

Result<CategoricalDistribution> make_categorical_distribution(std::vector<ParamValue> choices) {
  if (choices.empty()) return Status::InvalidArgument("\"choices\" must not be empty");
  return CategoricalDistribution{std::move(choices)};
}

// ---------------------------------------------------------------------------------------
// Properties

bool is_categorical(const Distribution& d) { return std::holds_alternative<CategoricalDistribution>(d); }

bool is_log(const Distribution& d) {
  if (auto* f = std::get_if<FloatDistribution>(&d)) return f->log;
  if (auto* i = std::get_if<IntDistribution>(&d)) return i->log;
  return false;
}

bool is_discrete_numeric(const Distribution& d) {
  if (auto* f = std::get_if<FloatDistribution>(&d)) return f->step.has_value();
  return std::holds_alternative<IntDistribution>(d);
}

bool single(const Distribution& d) {
  if (auto* f = std::get_if<FloatDistribution>(&d)) {
    if (f->low == f->high) return true;
    if (!f->step) return false;
    return decimal::range_less_than_step(f->low, f->high, *f->step);
  }
  if (auto* i = std::get_if<IntDistribution>(&d)) {
    if (i->log) return i->low == i->high;
    return i->low == i->high || i->high - i->low < i->step;
  }
  return std::get<CategoricalDistribution>(d).choices.size() == 1;
}

double single_value(const Distribution& d) {
  if (auto* f = std::get_if<FloatDistribution>(&d)) return f->low;
  if (auto* i = std::get_if<IntDistribution>(&d)) return static_cast<double>(i->low);
  return 0.0;
}

bool contains(const Distribution& d, double v) {
  if (std::isnan(v)) return false;
  if (auto* f = std::get_if<FloatDistribution>(&d)) {
    if (!(f->low <= v && v <= f->high)) return false;
    if (!f->step) return true;
    double k = (v - f->low) / *f->step;
    return std::fabs(k - std::nearbyint(k)) < 1e-8;
  }
  if (auto* i = std::get_if<IntDistribution>(&d)) {
    // Optuna: value = int(v); low <= value <= high and (value - low) % step == 0
    if (!(v >= -9.2e18 && v <= 9.2e18)) return false;
    auto iv = static_cast<std::int64_t>(v);
    if (iv < i->low || iv > i->high) return false;
    return (iv - i->low) % i->step == 0;
  }
  auto& c = std::get<CategoricalDistribution>(d);
  if (!(v > -1.0 && v < static_cast<double>(c.choices.size()))) return false;
  auto idx = static_cast<std::int64_t>(v);  // int() truncates toward zero
  return idx >= 0 && idx < static_cast<std::int64_t>(c.choices.size());
}

ParamValue to_external(const Distribution& d, double internal) {
  if (std::holds_alternative<FloatDistribution>(d)) return internal;
  if (std::holds_alternative<IntDistribution>(d)) return static_cast<std::int64_t>(internal);
  auto& c = std::get<CategoricalDistribution>(d);
  auto idx = static_cast<std::size_t>(internal);
  if (idx >= c.choices.size()) return std::monostate{};
  return c.choices[idx];
}

Result<double> to_internal(const Distribution& d, const ParamValue& v) {
  if (std::holds_alternative<CategoricalDistribution>(d)) {
    auto& c = std::get<CategoricalDistribution>(d);
    for (std::size_t i = 0; i < c.choices.size(); ++i)
      if (python_equal(c.choices[i], v)) return static_cast<double>(i);
    return Status::InvalidArgument(param_value_json(v) + " is not one of the choices");
  }
  if (std::holds_alternative<std::string>(v) || std::holds_alternative<std::monostate>(v))
    return Status::InvalidArgument("expected a number, got " + param_value_json(v));
  double x = *param_value_number(v);
  if (std::isnan(x)) return Status::InvalidArgument("value must not be NaN");
  if (std::holds_alternative<IntDistribution>(d)) {
    if (x != std::trunc(x)) return Status::InvalidArgument("expected an integer, got " + param_value_json(v));
  }
  if (is_log(d) && x <= 0.0) return Status::InvalidArgument("value must be > 0 for a log distribution");
  return x;
}

bool compatible(const Distribution& a, const Distribution& b) {
  if (a.index() != b.index()) return false;
  if (is_log(a) != is_log(b)) return false;
  if (is_categorical(a)) return std::get<CategoricalDistribution>(a) == std::get<CategoricalDistribution>(b);
  return true;
}

// ---------------------------------------------------------------------------------------
// JSON (optuna/distributions.py (4.9), distribution_to_json / json_to_distribution)

std::string distribution_to_json(const Distribution& d) {
  std::string out;
  if (auto* f = std::get_if<FloatDistribution>(&d)) {
    out = "{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": ";
    out += f->step ? python_json_float(*f->step) : "null";
    out += ", \"low\": " + python_json_float(f->low);
    out += ", \"high\": " + python_json_float(f->high);
    out += std::string(", \"log\": ") + (f->log ? "true" : "false") + "}}";
  } else if (auto* i = std::get_if<IntDistribution>(&d)) {
    out = std::string("{\"name\": \"IntDistribution\", \"attributes\": {\"log\": ") +
          (i->log ? "true" : "false");
    out += ", \"step\": " + std::to_string(i->step);
    out += ", \"low\": " + std::to_string(i->low);
    out += ", \"high\": " + std::to_string(i->high) + "}}";
  } else {
    auto& c = std::get<CategoricalDistribution>(d);
    out = "{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [";
    for (std::size_t k = 0; k < c.choices.size(); ++k) {
      if (k) out += ", ";
      out += param_value_json(c.choices[k]);
    }
    out += "]}}";
  }
  return out;
}

namespace {

Result<double> get_double(const json& attrs, const char* key, bool required = true,
                          double fallback = 0.0) {
  auto it = attrs.find(key);
  if (it == attrs.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(std::string("missing \"") + key + "\"");
    return fallback;
  }
  if (!it->is_number()) return Status::InvalidArgument(std::string("\"") + key + "\" must be a number");
  return it->get<double>();
}

Result<std::int64_t> get_int(const json& attrs, const char* key, bool required, std::int64_t fallback) {
  auto it = attrs.find(key);
  if (it == attrs.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(std::string("missing \"") + key + "\"");
    return fallback;
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (std::trunc(d) == d && std::fabs(d) < 9e18) return static_cast<std::int64_t>(d);
  }
  return Status::InvalidArgument(std::string("\"") + key + "\" must be an integer");
}

Result<bool> get_bool(const json& attrs, const char* key) {
  auto it = attrs.find(key);
  if (it == attrs.end() || it->is_null()) return false;
  if (!it->is_boolean()) return Status::InvalidArgument(std::string("\"") + key + "\" must be true or false");
  return it->get<bool>();
}

Result<ParamValue> choice_from_json(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return ParamValue{std::monostate{}};
    case json::value_t::boolean: return ParamValue{j.get<bool>()};
    case json::value_t::number_integer: return ParamValue{j.get<std::int64_t>()};
    case json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return Status::InvalidArgument("integer choice out of range");
      return ParamValue{static_cast<std::int64_t>(u)};
    }
    case json::value_t::number_float: return ParamValue{j.get<double>()};
    case json::value_t::string: return ParamValue{j.get<std::string>()};
    default: return Status::InvalidArgument("choices must be null, booleans, numbers or strings");
  }
}

Result<Distribution> float_from(const json& a, bool log, std::optional<double> step) {
  HPOD_ASSIGN_OR_RETURN(auto low, get_double(a, "low"));
  HPOD_ASSIGN_OR_RETURN(auto high, get_double(a, "high"));
  HPOD_ASSIGN_OR_RETURN(auto d, make_float_distribution(low, high, log, step));
  return Distribution{d};
}

Result<Distribution> int_from(const json& a, bool log, std::int64_t step) {
  HPOD_ASSIGN_OR_RETURN(auto low, get_int(a, "low", true, 0));
  HPOD_ASSIGN_OR_RETURN(auto high, get_int(a, "high", true, 0));
  HPOD_ASSIGN_OR_RETURN(auto d, make_int_distribution(low, high, log, step));
  return Distribution{d};
}

Result<Distribution> categorical_from(const json& a) {
  auto it = a.find("choices");
  if (it == a.end() || !it->is_array()) return Status::InvalidArgument("\"choices\" must be a list");
  std::vector<ParamValue> choices;
  for (auto& c : *it) {
    HPOD_ASSIGN_OR_RETURN(auto v, choice_from_json(c));
    choices.push_back(std::move(v));
  }
  HPOD_ASSIGN_OR_RETURN(auto d, make_categorical_distribution(std::move(choices)));
  return Distribution{d};
}

Result<Distribution> from_json_object(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("a distribution must be a JSON object");
  if (j.contains("type")) {  // abbreviated form
    const auto& t = j["type"];
    if (!t.is_string()) return Status::InvalidArgument("\"type\" must be a string");
    auto type = t.get<std::string>();
    if (type == "float") {
      HPOD_ASSIGN_OR_RETURN(auto log, get_bool(j, "log"));
      std::optional<double> step;
      if (j.contains("step") && !j["step"].is_null()) {
        HPOD_ASSIGN_OR_RETURN(auto s, get_double(j, "step"));
        step = s;
      }
      return float_from(j, log, step);
    }
    if (type == "int") {
      HPOD_ASSIGN_OR_RETURN(auto log, get_bool(j, "log"));
      HPOD_ASSIGN_OR_RETURN(auto step, get_int(j, "step", false, 1));
      return int_from(j, log, step);
    }
    if (type == "categorical") return categorical_from(j);
    return Status::InvalidArgument("unknown distribution type \"" + type + "\"");
  }
  auto n = j.find("name");
  auto a = j.find("attributes");
  if (n == j.end() || !n->is_string() || a == j.end() || !a->is_object())
    return Status::InvalidArgument("expected {\"name\": ..., \"attributes\": {...}}");
  auto name = n->get<std::string>();
  const json& at = *a;
  if (name == "FloatDistribution") {
    HPOD_ASSIGN_OR_RETURN(auto log, get_bool(at, "log"));
    std::optional<double> step;
    if (at.contains("step") && !at["step"].is_null()) {
      HPOD_ASSIGN_OR_RETURN(auto s, get_double(at, "step"));
      step = s;
    }
    return float_from(at, log, step);
  }
  if (name == "IntDistribution") {
    HPOD_ASSIGN_OR_RETURN(auto log, get_bool(at, "log"));
    HPOD_ASSIGN_OR_RETURN(auto step, get_int(at, "step", false, 1));
    return int_from(at, log, step);
  }
  if (name == "CategoricalDistribution") return categorical_from(at);
  if (name == "UniformDistribution") return float_from(at, false, std::nullopt);
  if (name == "LogUniformDistribution") return float_from(at, true, std::nullopt);
  if (name == "DiscreteUniformDistribution") {
    HPOD_ASSIGN_OR_RETURN(auto q, get_double(at, "q"));
    return float_from(at, false, q);
  }
  if (name == "IntUniformDistribution") {
    HPOD_ASSIGN_OR_RETURN(auto step, get_int(at, "step", false, 1));
    return int_from(at, false, step);
  }
  if (name == "IntLogUniformDistribution") {
    // Legacy "step" is ignored for log ints, as Optuna's conversion does.
    return int_from(at, true, 1);
  }
  return Status::InvalidArgument("unknown distribution class \"" + name + "\"");
}

}  // namespace

Result<Distribution> distribution_from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("distribution_json is not valid JSON");
  return from_json_object(j);
}

}  // namespace hpod
