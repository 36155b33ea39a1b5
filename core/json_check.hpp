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

// How deeply arrays and objects may nest in a request body, a study file or the daemon's
// configuration: nlohmann's dump and Python's json module both recurse once per level,
// so a value nested thousands deep would crash hpod or make the study unreadable for
// Optuna. 32 is far beyond any real study or attribute.
inline constexpr int kMaxJsonDepth = 32;
// Checks the nesting of JSON text before it is parsed (strings are skipped, so brackets
// inside them do not count). nullopt when it nests at most `max_depth` levels, else
// "nested deeper than 32 levels (line 3, column 14)".
std::optional<std::string> nesting_error(std::string_view text, int max_depth = kMaxJsonDepth);
// Parses `text` with the nesting check first; InvalidArgument "<what>: invalid JSON: ..."
// or "<what>: nested deeper than ...".
Result<nlohmann::json> parse_bounded(std::string_view text, const std::string& what, int max_depth = kMaxJsonDepth);
// A JSON value read back from the database (attributes are stored as JSON text): the
// value, or the text itself as a string when it is not JSON or nests deeper than
// kMaxJsonDepth (another writer's; hpod's own dump would recurse through it).
nlohmann::json parse_stored_value(const std::string& text);

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
