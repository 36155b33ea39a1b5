#include "core/json_check.hpp"

#include <algorithm>
#include <cmath>

namespace hpod::jc {

namespace {

// Optimal-string-alignment distance: a transposition ("lgo" → "log") costs one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

std::string did_you_mean(std::string_view s, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  std::string ls = lower(s);
  for (auto& c : candidates) {
    std::size_t d = edit_distance(ls, lower(c));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  std::size_t limit = std::max<std::size_t>(2, s.size() / 3);
  if (best.empty() || best_d > limit) return "";
  return " (did you mean \"" + best + "\"?)";
}

std::string describe_parse_error(std::string_view text, const nlohmann::json::parse_error& e) {
  std::size_t pos = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < pos; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  std::string what = e.what();
  // nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..."
  auto p = what.find("syntax error");
  std::string reason = p == std::string::npos ? what : what.substr(p);
  return "line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + reason;
}

std::string describe_json_error(const nlohmann::json::exception& e) {
  std::string what = e.what();
  auto p = what.find("] ");  // "[json.exception.out_of_range.406] number overflow parsing '...'"
  std::string reason = p == std::string::npos ? what : what.substr(p + 2);
  if (reason.size() > 200) reason = reason.substr(0, 200) + "...";
  return reason;
}

std::optional<std::string> nesting_error(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (in_string) {
      if (ch == '\\') ++i;  // the escaped character cannot end the string
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '\n') {
      ++line;
      line_start = i + 1;
    } else if (ch == '[' || ch == '{') {
      if (++depth > max_depth)
        return "nested deeper than " + std::to_string(max_depth) + " levels of arrays and objects (line " +
               std::to_string(line) + ", column " + std::to_string(i - line_start + 1) + ")";
    } else if (ch == ']' || ch == '}') {
      --depth;  // unbalanced text is the parser's to report
    }
  }
  return std::nullopt;
}

Result<nlohmann::json> parse_bounded(std::string_view text, const std::string& what, int max_depth) {
  if (auto e = nesting_error(text, max_depth)) return Status::InvalidArgument(what + ": " + *e);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument(what + ": invalid JSON: " + describe_parse_error(text, e));
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for a double
    return Status::InvalidArgument(what + ": invalid JSON: " + describe_json_error(e));
  }
}

nlohmann::json parse_stored_value(const std::string& text) {
  if (nesting_error(text)) return text;
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json(text) : j;
}

void Checker::error(const std::string& path, const std::string& rule) {
  std::string m;
  if (!source_.empty()) m += source_ + ": ";
  if (!path.empty()) m += path + ": ";
  m += rule;
  errors_.push_back(std::move(m));
}

void Checker::error_raw(const std::string& message) {
  // A nested factory may report several errors, one per line.
  std::size_t start = 0;
  while (start <= message.size()) {
    auto end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    if (end > start) errors_.push_back((source_.empty() ? "" : source_ + ": ") + message.substr(start, end - start));
    start = end + 1;
  }
}

bool Checker::expect_object(const nlohmann::json& j, const std::string& path) {
  if (j.is_object()) return true;
  error(path, "must be a JSON object");
  return false;
}

void Checker::known_keys(const nlohmann::json& obj, const std::string& path,
                         std::initializer_list<const char*> allowed) {
  if (!obj.is_object()) return;
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (auto& [k, _] : obj.items()) {
    if (std::find(names.begin(), names.end(), k) != names.end()) continue;
    error(join(path, k.c_str()), "unknown key" + did_you_mean(k, names));
  }
}

std::optional<double> Checker::number(const nlohmann::json& obj, const std::string& path, const char* key,
                                      bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) error(path, std::string("missing \"") + key + "\"");
    return std::nullopt;
  }
  if (!it->is_number()) {
    error(join(path, key), "must be a number");
    return std::nullopt;
  }
  double v = it->get<double>();
  if (!std::isfinite(v)) {
    error(join(path, key), "must be finite");
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> Checker::integer(const nlohmann::json& obj, const std::string& path, const char* key,
                                             bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) error(path, std::string("missing \"") + key + "\"");
    return std::nullopt;
  }
  if (it->is_number_unsigned()) {
    auto u = it->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      error(join(path, key), "integer out of range");
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  error(join(path, key), "must be an integer");
  return std::nullopt;
}

std::optional<bool> Checker::boolean(const nlohmann::json& obj, const std::string& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) {
    error(join(path, key), "must be true or false");
    return std::nullopt;
  }
  return it->get<bool>();
}

std::optional<std::string> Checker::string(const nlohmann::json& obj, const std::string& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    error(join(path, key), "must be a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

Status Checker::status() const {
  if (errors_.empty()) return Status::OK();
  std::string m;
  for (std::size_t i = 0; i < errors_.size(); ++i) {
    if (i) m += '\n';
    m += errors_[i];
  }
  return Status::InvalidArgument(m);
}

}  // namespace hpod::jc
