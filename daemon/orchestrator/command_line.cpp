#include "daemon/orchestrator/command_line.hpp"

#include <functional>
#include <nlohmann/json.hpp>

#include "daemon/service/trial_json.hpp"

namespace hpod {

std::string placeholder_text(const ParamValue& v) {
  struct V {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return python_float_repr(d); }
    std::string operator()(const std::string& s) const { return s; }
  };
  return std::visit(V{}, v);
}

std::string fill_placeholders(const std::string& t, const std::function<std::string(const std::string&)>& text) {
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '{' && i + 1 < t.size() && t[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (t[i] == '}' && i + 1 < t.size() && t[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (t[i] == '{') {
      auto close = t.find('}', i);
      out += text(t.substr(i + 1, close - i - 1));  // validated when the study was parsed
      i = close;
    } else {
      out += t[i];
    }
  }
  return out;
}

std::vector<std::string> trial_argv(const TrialSpec& spec, const FrozenTrial& trial) {
  auto value = [&](const std::string& name) { return placeholder_text(trial.external_param(name)); };
  if (spec.shell) {
    auto quoted = [&](const std::string& name) { return shell_quote(value(name)); };
    return {"/bin/sh", "-c", fill_placeholders(*spec.shell, quoted)};
  }
  std::vector<std::string> argv;
  for (const auto& a : spec.argv) argv.push_back(fill_placeholders(a, value));
  return argv;
}

std::map<std::string, std::string> trial_env(const TrialSpec& spec, const FrozenTrial& trial, const TrialEnvInput& in) {
  std::map<std::string, std::string> env = spec.env;
  nlohmann::json params = nlohmann::json::object();
  for (auto& [name, p] : trial.params) params[name] = param_value_to_json(to_external(p.distribution, p.internal));
  env["HPOD_URL"] = in.url;
  env["HPOD_STUDY"] = in.study;
  env["HPOD_TRIAL_ID"] = std::to_string(trial.id);
  env["HPOD_TRIAL_NUMBER"] = std::to_string(trial.number);
  env["HPOD_TOKEN"] = in.token;
  env["HPOD_PARAMS"] = params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  env["HPOD_RUN_DIR"] = in.run_dir;
  // The client sends heartbeats at a fraction of this (0: none are needed).
  env["HPOD_HEARTBEAT_TIMEOUT_S"] = python_float_repr(spec.heartbeat_timeout_s);
  return env;
}

}  // namespace hpod
