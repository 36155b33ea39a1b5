// Validation of JSON input with errors that name the source, the JSON path and the rule
// ("mnist.json: search_space.lr: \"low\" must be > 0 when \"log\" is true"). Used by the
// study parser and by the sampler and pruner factories. Internal to hpo_core.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hpod/status.hpp"

namespace hpod::jc {

// " (did you mean \"x\"?)" when a candidate is a near miss of `s`, else "".
std::string did_you_mean(std::string_view s, const std::vector<std::string>& candidates);
// "line 3, column 14: <nlohmann's reason>"
std::string describe_parse_error(std::string_view text, const nlohmann::json::parse_error& e);
// Other JSON errors while parsing (a number out of range): the reason without the prefix.
std::string describe_json_error(const nlohmann::json::exception& e);

// Collects every error instead of stopping at the first.
class Checker {
 public:
  explicit Checker(std::string source = "") : source_(std::move(source)) {}

  void error(const std::string& path, const std::string& rule);
  // A message that already carries its path (from a nested factory).
  void error_raw(const std::string& message);

  bool expect_object(const nlohmann::json& j, const std::string& path);
  // An error per key of `obj` not in `allowed`, with a suggestion for near misses.
  void known_keys(const nlohmann::json& obj, const std::string& path, std::initializer_list<const char*> allowed);

  // Typed optional members. A missing (or null) key gives nullopt, and an error if
  // `required`; a key of the wrong type gives nullopt and an error.
  std::optional<double> number(const nlohmann::json& obj, const std::string& path, const char* key, bool required);
  std::optional<std::int64_t> integer(const nlohmann::json& obj, const std::string& path, const char* key, bool required);
  std::optional<bool> boolean(const nlohmann::json& obj, const std::string& path, const char* key);
  std::optional<std::string> string(const nlohmann::json& obj, const std::string& path, const char* key);

  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  // InvalidArgument with one error per line.
  Status status() const;

  static std::string join(const std::string& path, const char* key) {
    return path.empty() ? std::string(key) : path + "." + key;
  }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

}  // namespace hpod::jc
