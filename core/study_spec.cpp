#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/json_check.hpp"
#include "hpod/pruner.hpp"
#include "hpod/sampler.hpp"
#include "hpod/shell_quote.hpp"
#include "hpod/study.hpp"

namespace hpod {

using json = nlohmann::json;

bool valid_study_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  if (name[0] == '.' || name[0] == '-') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<std::vector<std::string>> placeholder_names(std::string_view s) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '{') {
      if (i + 1 < s.size() && s[i + 1] == '{') {
        ++i;
        continue;
      }
      auto close = s.find('}', i + 1);
      if (close == std::string_view::npos) return Status::InvalidArgument("unclosed \"{\" (write \"{{\" for a literal brace)");
      auto name = s.substr(i + 1, close - i - 1);
      if (name.empty()) return Status::InvalidArgument("empty placeholder \"{}\"");
      if (name.find('{') != std::string_view::npos) return Status::InvalidArgument("nested \"{\" in a placeholder");
      names.emplace_back(name);
      i = close;
    } else if (s[i] == '}') {
      if (i + 1 < s.size() && s[i + 1] == '}') {
        ++i;
        continue;
      }
      return Status::InvalidArgument("unmatched \"}\" (write \"}}\" for a literal brace)");
    }
  }
  return names;
}

namespace {

using jc::Checker;

// Bounds of the duration options: far beyond any real use, and small enough that the
// daemon's clock arithmetic never comes near overflowing.
constexpr double kMaxPruneGraceS = 86'400;            // 1 day
constexpr double kMaxHeartbeatTimeoutS = 7 * 86'400;  // 1 week
constexpr double kMaxStudyTimeoutS = 366 * 86'400;    // 1 year

std::string seconds_bound(double s) {
  auto whole = static_cast<long long>(s);
  std::string days = whole % 86'400 == 0 ? " (" + std::to_string(whole / 86'400) + (whole == 86'400 ? " day)" : " days)") : "";
  return std::to_string(whole) + " s" + days;
}

Distribution parse_distribution(Checker& c, const json& j, const std::string& path) {
  if (!c.expect_object(j, path)) return FloatDistribution{};
  std::string type;
  if (!j.contains("type")) {
    c.error(path, "missing \"type\" (one of \"float\", \"int\", \"categorical\")");
    return FloatDistribution{};
  }
  if (!j["type"].is_string()) {
    c.error(path + ".type", "must be one of \"float\", \"int\", \"categorical\"");
    return FloatDistribution{};
  }
  type = j["type"].get<std::string>();
  if (type == "float") {
    c.known_keys(j, path, {"type", "low", "high", "log", "step"});
    auto low = c.number(j, path, "low", true);
    auto high = c.number(j, path, "high", true);
    bool log = c.boolean(j, path, "log").value_or(false);
    std::optional<double> step;
    if (j.contains("step") && !j["step"].is_null()) step = c.number(j, path, "step", true);
    if (!low || !high) return FloatDistribution{};
    auto r = make_float_distribution(*low, *high, log, step);
    if (!r.ok()) {
      c.error(path, r.status().message());
      return FloatDistribution{};
    }
    return *r;
  }
  if (type == "int") {
    c.known_keys(j, path, {"type", "low", "high", "log", "step"});
    auto low = c.integer(j, path, "low", true);
    auto high = c.integer(j, path, "high", true);
    bool log = c.boolean(j, path, "log").value_or(false);
    std::int64_t step = c.integer(j, path, "step", false).value_or(1);
    if (!low || !high) return IntDistribution{};
    auto r = make_int_distribution(*low, *high, log, step);
    if (!r.ok()) {
      c.error(path, r.status().message());
      return IntDistribution{};
    }
    return *r;
  }
  if (type == "categorical") {
    c.known_keys(j, path, {"type", "choices"});
    auto it = j.find("choices");
    if (it == j.end()) {
      c.error(path, "missing \"choices\"");
      return CategoricalDistribution{};
    }
    if (!it->is_array()) {
      c.error(path + ".choices", "must be a list");
      return CategoricalDistribution{};
    }
    std::vector<ParamValue> choices;
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& v = (*it)[i];
      std::string p = path + ".choices[" + std::to_string(i) + "]";
      switch (v.type()) {
        case json::value_t::null: choices.emplace_back(std::monostate{}); break;
        case json::value_t::boolean: choices.emplace_back(v.get<bool>()); break;
        case json::value_t::number_integer: choices.emplace_back(v.get<std::int64_t>()); break;
        case json::value_t::number_unsigned:
          if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            c.error(p, "integer out of range");
          } else {
            choices.emplace_back(static_cast<std::int64_t>(v.get<std::uint64_t>()));
          }
          break;
        case json::value_t::number_float: choices.emplace_back(v.get<double>()); break;
        case json::value_t::string: choices.emplace_back(v.get<std::string>()); break;
        default: c.error(p, "a choice must be null, a boolean, a number or a string"); break;
      }
    }
    for (std::size_t a = 0; a < choices.size(); ++a)
      for (std::size_t b = a + 1; b < choices.size(); ++b)
        if (python_equal(choices[a], choices[b]))
          c.error(path + ".choices[" + std::to_string(b) + "]",
                  "duplicate of choice " + std::to_string(a) + " (" + param_value_json(choices[a]) +
                      "; Python equality makes true == 1 == 1.0)");
    auto r = make_categorical_distribution(std::move(choices));
    if (!r.ok()) {
      c.error(path + ".choices", r.status().message());
      return CategoricalDistribution{};
    }
    return *r;
  }
  c.error(path + ".type", "unknown type \"" + type + "\" (one of \"float\", \"int\", \"categorical\")" +
                              jc::did_you_mean(type, {"float", "int", "categorical"}));
  return FloatDistribution{};
}

void check_placeholders(Checker& c, const std::string& text, const std::string& path,
                        const SearchSpace& space) {
  auto names = placeholder_names(text);
  if (!names.ok()) {
    c.error(path, names.status().message());
    return;
  }
  for (auto& n : *names) {
    if (space.find(n) == space.end()) {
      std::vector<std::string> known;
      for (auto& [k, _] : space) known.push_back(k);
      c.error(path, "placeholder {" + n + "} is not a parameter of search_space" + jc::did_you_mean(n, known));
    }
  }
}

TrialSpec parse_trial(Checker& c, const json& j, const SearchSpace& space) {
  TrialSpec t;
  const std::string path = "trial";
  if (!c.expect_object(j, path)) return t;
  c.known_keys(j, path, {"command", "workdir", "env", "prune_grace_s", "heartbeat_timeout_s",
                         "progress_timeout_s", "max_retries", "final_value"});
  auto cmd = j.find("command");
  if (cmd == j.end()) {
    c.error(path, "missing \"command\" (a list of arguments, or a string run by /bin/sh -c)");
  } else if (cmd->is_string()) {
    t.shell = cmd->get<std::string>();
    if (t.shell->find_first_not_of(" \t\n") == std::string::npos) c.error(path + ".command", "must not be empty");
    check_placeholders(c, *t.shell, path + ".command", space);
  } else if (cmd->is_array()) {
    if (cmd->empty()) c.error(path + ".command", "must not be empty");
    for (std::size_t i = 0; i < cmd->size(); ++i) {
      std::string p = path + ".command[" + std::to_string(i) + "]";
      if (!(*cmd)[i].is_string()) {
        c.error(p, "must be a string");
        continue;
      }
      t.argv.push_back((*cmd)[i].get<std::string>());
      check_placeholders(c, t.argv.back(), p, space);
    }
    if (!t.argv.empty() && t.argv[0].empty()) c.error(path + ".command[0]", "the program must not be empty");
  } else {
    c.error(path + ".command", "must be a list of strings or a string");
  }
  if (auto w = c.string(j, path, "workdir")) {
    if (w->empty()) c.error(path + ".workdir", "must not be empty");
    t.workdir = *w;
  }
  if (auto e = j.find("env"); e != j.end()) {
    if (!e->is_object()) {
      c.error(path + ".env", "must be an object of strings");
    } else {
      for (auto& [k, v] : e->items()) {
        std::string p = path + ".env." + k;
        if (k.empty() || k.find('=') != std::string::npos) c.error(p, "not a valid environment variable name");
        else if (k.rfind("HPOD_", 0) == 0) c.error(p, "HPOD_* variables are set by hpod");
        if (!v.is_string()) {
          c.error(p, "must be a string");
          continue;
        }
        if (v.get_ref<const std::string&>().find('\0') != std::string::npos) c.error(p, "must not contain a NUL byte");
        t.env[k] = v.get<std::string>();
      }
    }
  }
  if (auto g = c.number(j, path, "prune_grace_s", false)) {
    if (*g < 0 || *g > kMaxPruneGraceS)
      c.error(path + ".prune_grace_s", "must be between 0 and " + seconds_bound(kMaxPruneGraceS));
    else t.prune_grace_s = *g;
  }
  if (auto h = c.number(j, path, "heartbeat_timeout_s", false)) {
    if (*h < 0 || *h > kMaxHeartbeatTimeoutS)
      c.error(path + ".heartbeat_timeout_s", "must be between 0 (disabled) and " + seconds_bound(kMaxHeartbeatTimeoutS));
    else t.heartbeat_timeout_s = *h;
  }
  if (auto p = c.number(j, path, "progress_timeout_s", false)) {
    if (*p < 0) c.error(path + ".progress_timeout_s", "must be >= 0 (0 disables it)");
    t.progress_timeout_s = *p;
  }
  if (auto m = c.integer(j, path, "max_retries", false)) {
    if (*m < 0 || *m > 100) c.error(path + ".max_retries", "must be between 0 and 100");
    t.max_retries = static_cast<int>(*m);
  }
  if (auto f = c.string(j, path, "final_value")) {
    if (*f == "tell") t.final_value = FinalValueMode::kTell;
    else if (*f == "last_report") t.final_value = FinalValueMode::kLastReport;
    else c.error(path + ".final_value", "must be \"tell\" or \"last_report\"" + jc::did_you_mean(*f, {"tell", "last_report"}));
  }
  return t;
}

ExecutorSpec parse_executor(Checker& c, const json& j) {
  ExecutorSpec e;
  const std::string path = "executor";
  if (!c.expect_object(j, path)) return e;
  std::string type = c.string(j, path, "type").value_or("local");
  if (type == "local") {
    e.type = ExecutorSpec::Type::kLocal;
    c.known_keys(j, path, {"type", "gpus"});
    if (auto g = j.find("gpus"); g != j.end()) {
      if (!g->is_array()) {
        c.error(path + ".gpus", "must be a list of GPU ids, e.g. [0, 1]");
      } else {
        std::set<std::int64_t> seen;
        for (std::size_t i = 0; i < g->size(); ++i) {
          std::string p = path + ".gpus[" + std::to_string(i) + "]";
          if (!(*g)[i].is_number_integer() || (*g)[i].get<std::int64_t>() < 0 || (*g)[i].get<std::int64_t>() > 1024) {
            c.error(p, "must be a GPU id (an integer 0-1024)");
            continue;
          }
          auto id = (*g)[i].get<std::int64_t>();
          if (!seen.insert(id).second) c.error(p, "GPU " + std::to_string(id) + " is listed twice");
          e.local.gpus.push_back(static_cast<int>(id));
        }
      }
    }
  } else if (type == "slurm") {
    e.type = ExecutorSpec::Type::kSlurm;
    c.known_keys(j, path, {"type", "partition", "account", "qos", "time", "gres", "gpus", "mem",
                           "constraint", "cpus_per_task", "extra_args"});
    auto& s = e.slurm;
    s.partition = c.string(j, path, "partition");
    s.account = c.string(j, path, "account");
    s.qos = c.string(j, path, "qos");
    s.time = c.string(j, path, "time");
    s.gres = c.string(j, path, "gres");
    s.mem = c.string(j, path, "mem");
    s.constraint = c.string(j, path, "constraint");
    if (j.contains("gpus")) {
      if (j["gpus"].is_number_integer() && j["gpus"].get<std::int64_t>() > 0) s.gpus = std::to_string(j["gpus"].get<std::int64_t>());
      else s.gpus = c.string(j, path, "gpus");
    }
    for (auto* f : {&s.partition, &s.account, &s.qos, &s.time, &s.gres, &s.gpus, &s.mem, &s.constraint}) {
      if (*f && (f->value().empty() || f->value().find_first_of("\n\r") != std::string::npos))
        c.error(path, "Slurm options must be non-empty single-line strings");
    }
    if (auto n = c.integer(j, path, "cpus_per_task", false)) {
      if (*n < 1 || *n > 100'000) c.error(path + ".cpus_per_task", "must be between 1 and 100000");
      else s.cpus_per_task = static_cast<int>(*n);
    }
    if (auto x = j.find("extra_args"); x != j.end()) {
      if (!x->is_array()) {
        c.error(path + ".extra_args", "must be a list of strings, e.g. [\"--exclusive\"]");
      } else {
        for (std::size_t i = 0; i < x->size(); ++i) {
          std::string p = path + ".extra_args[" + std::to_string(i) + "]";
          if (!(*x)[i].is_string()) {
            c.error(p, "must be a string");
            continue;
          }
          auto a = (*x)[i].get<std::string>();
          if (a.rfind("-", 0) != 0) c.error(p, "must be an sbatch option starting with \"-\"");
          if (a.find_first_of("\n\r") != std::string::npos) c.error(p, "must be a single line");
          s.extra_args.push_back(a);
        }
      }
    }
  } else {
    c.error(path + ".type", "unknown executor \"" + type + "\" (one of \"local\", \"slurm\")" +
                                jc::did_you_mean(type, {"local", "slurm"}));
  }
  return e;
}

}  // namespace

Result<StudySpec> parse_study_spec(std::string_view text, std::string_view source) {
  Checker c{std::string(source)};
  auto parsed = jc::parse_bounded(text, std::string(source));
  if (!parsed.ok()) return parsed.status();
  json j = std::move(parsed).value();
  StudySpec spec;
  if (!j.is_object()) return Status::InvalidArgument(std::string(source) + ": the study definition must be a JSON object");
  c.known_keys(j, "", {"name", "direction", "directions", "search_space", "sampler", "pruner", "budget",
                       "trial", "executor", "user_attrs"});

  if (auto name = c.string(j, "", "name")) {
    if (!valid_study_name(*name))
      c.error("name", "must be 1-128 characters of letters, digits, '.', '_' or '-', not starting with '.' or '-'");
    spec.name = *name;
  } else if (!j.contains("name")) {
    c.error("name", "missing (every study needs a name)");
  }

  auto parse_direction = [&](const json& d, const std::string& p) -> std::optional<StudyDirection> {
    if (!d.is_string()) {
      c.error(p, "must be \"minimize\" or \"maximize\"");
      return std::nullopt;
    }
    auto s = d.get<std::string>();
    if (s == "minimize") return StudyDirection::kMinimize;
    if (s == "maximize") return StudyDirection::kMaximize;
    c.error(p, "must be \"minimize\" or \"maximize\"" + jc::did_you_mean(s, {"minimize", "maximize"}));
    return std::nullopt;
  };
  if (j.contains("direction") && j.contains("directions")) {
    c.error("directions", "give either \"direction\" or \"directions\", not both");
  } else if (j.contains("direction")) {
    if (auto d = parse_direction(j["direction"], "direction")) spec.directions = {*d};
  } else if (j.contains("directions")) {
    const json& ds = j["directions"];
    if (!ds.is_array() || ds.empty()) {
      c.error("directions", "must be a non-empty list of \"minimize\"/\"maximize\"");
    } else if (ds.size() > 1) {
      c.error("directions", "multi-objective studies are not supported yet (give one direction)");
    } else if (auto d = parse_direction(ds[0], "directions[0]")) {
      spec.directions = {*d};
    }
  }

  if (!j.contains("search_space")) {
    c.error("search_space", "missing (an object of parameter name → distribution)");
  } else if (!j["search_space"].is_object() || j["search_space"].empty()) {
    c.error("search_space", "must be a non-empty object of parameter name → distribution");
  } else {
    for (auto& [name, d] : j["search_space"].items()) {
      std::string p = "search_space." + name;
      if (name.empty() || name.size() > 512) c.error(p, "parameter names must have 1-512 characters");
      if (name.find_first_of("{}") != std::string::npos) c.error(p, "parameter names must not contain braces");
      spec.search_space.emplace(name, parse_distribution(c, d, p));
    }
  }

  // Sampler and pruner blocks are validated by their own factories, which know the options.
  if (j.contains("sampler") && !j["sampler"].is_null()) {
    auto s = make_sampler(j["sampler"], "sampler");
    if (!s.ok()) c.error_raw(s.status().message());
    spec.sampler_json = j["sampler"].dump();
  }
  if (j.contains("pruner") && !j["pruner"].is_null()) {
    auto p = make_pruner(j["pruner"], "pruner");
    if (!p.ok()) c.error_raw(p.status().message());
    spec.pruner_json = j["pruner"].dump();
  }

  if (j.contains("budget")) {
    const json& b = j["budget"];
    if (c.expect_object(b, "budget")) {
      c.known_keys(b, "budget", {"n_trials", "max_parallel", "timeout_s"});
      if (auto n = c.integer(b, "budget", "n_trials", false)) {
        if (*n < 1 || *n > 10'000'000) c.error("budget.n_trials", "must be between 1 and 10000000");
        else spec.budget.n_trials = static_cast<int>(*n);
      }
      if (auto m = c.integer(b, "budget", "max_parallel", false)) {
        if (*m < 1 || *m > 100'000) c.error("budget.max_parallel", "must be between 1 and 100000");
        else spec.budget.max_parallel = static_cast<int>(*m);
      }
      if (auto t = c.number(b, "budget", "timeout_s", false)) {
        if (!(*t > 0) || *t > kMaxStudyTimeoutS)
          c.error("budget.timeout_s", "must be > 0 and at most " + seconds_bound(kMaxStudyTimeoutS));
        else spec.budget.timeout_s = *t;
      }
    }
  }

  if (j.contains("trial") && !j["trial"].is_null()) spec.trial = parse_trial(c, j["trial"], spec.search_space);
  if (j.contains("executor") && !j["executor"].is_null()) {
    spec.executor = parse_executor(c, j["executor"]);
    if (!spec.trial) c.error("executor", "an executor needs a \"trial\" block with the command to run");
  }
  // A batch script exports the environment through the shell, which only takes shell
  // identifiers: refused now rather than at every launch of the study.
  if (spec.trial && spec.executor.type == ExecutorSpec::Type::kSlurm)
    for (auto& [k, _] : spec.trial->env)
      if (!shell_identifier(k))
        c.error("trial.env." + k, "the Slurm executor takes only shell identifiers as variable names ([A-Za-z_][A-Za-z0-9_]*)");
  if (spec.trial && !spec.budget.n_trials && !spec.budget.timeout_s)
    c.error("budget", "a study that runs trials needs \"n_trials\" or \"timeout_s\" so that it ends");

  if (j.contains("user_attrs")) {
    if (!j["user_attrs"].is_object()) c.error("user_attrs", "must be an object");
    else
      for (auto& [k, v] : j["user_attrs"].items()) spec.user_attrs[k] = v.dump();
  }

  if (!c.ok()) return c.status();
  spec.canonical_json = j.dump();  // nlohmann's json keeps object keys sorted
  return spec;
}

Result<StudySpec> load_study_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the study file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError(path + ": read error");
  return parse_study_spec(ss.str(), path);
}

}  // namespace hpod
