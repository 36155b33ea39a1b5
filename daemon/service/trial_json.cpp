#include "daemon/service/trial_json.hpp"

#include <cmath>
#include <ctime>

#include "core/json_check.hpp"

namespace hpod {

using json = nlohmann::json;

json number_json(double v) {
  if (auto token = non_finite_token(v)) return std::string(*token);
  return v;
}

std::optional<double> number_from_json(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    return parse_non_finite_token(j.get_ref<const std::string&>());
  }
  return std::nullopt;
}

json param_value_to_json(const ParamValue& v) {
  struct V {
    json operator()(std::monostate) const { return nullptr; }
    json operator()(bool b) const { return b; }
    json operator()(std::int64_t i) const { return i; }
    json operator()(double d) const { return number_json(d); }
    json operator()(const std::string& s) const { return s; }
  };
  return std::visit(V{}, v);
}

std::string iso_time(Timestamp t) {
  using namespace std::chrono;
  auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  long frac = static_cast<long>(us % 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

namespace {
json attrs_json(const std::map<std::string, std::string, std::less<>>& m) {
  json out = json::object();
  for (auto& [k, v] : m) out[k] = jc::parse_stored_value(v);
  return out;
}
}  // namespace

json trial_json(const StudyRuntime& s, const FrozenTrial& t, TrialJsonOptions o) {
  json j;
  j["id"] = t.id;
  j["number"] = t.number;
  j["study"] = s.name();
  j["state"] = trial_state_name(t.state);
  json params = json::object();
  for (auto& [name, p] : t.params) params[name] = param_value_to_json(to_external(p.distribution, p.internal));
  j["params"] = params;
  j["value"] = t.values.empty() ? json(nullptr) : number_json(t.values[0]);
  if (auto last = t.last_step()) {
    j["last_step"] = *last;
    j["last_value"] = number_json(*t.intermediate_values.at(*last));
  } else {
    j["last_step"] = nullptr;
  }
  j["n_reports"] = t.intermediate_values.size();
  j["datetime_start"] = t.datetime_start ? json(iso_time(*t.datetime_start)) : json(nullptr);
  j["datetime_complete"] = t.datetime_complete ? json(iso_time(*t.datetime_complete)) : json(nullptr);
  if (t.datetime_start && t.datetime_complete)
    j["duration_s"] = std::chrono::duration<double>(*t.datetime_complete - *t.datetime_start).count();
  if (o.intermediate_values) {
    json iv = json::array();
    for (auto& [step, v] : t.intermediate_values) iv.push_back(json::array({step, number_json(v)}));
    j["intermediate_values"] = iv;
  }
  if (o.attrs) {
    j["user_attrs"] = attrs_json(t.user_attrs);
    j["system_attrs"] = attrs_json(t.system_attrs);
  }
  return j;
}

json study_summary_json(const StudyRuntime& s) {
  json j;
  j["name"] = s.name();
  j["id"] = s.id;
  j["state"] = control_name(s.control);
  j["direction"] = direction_name(s.direction()) == std::string("MAXIMIZE") ? "maximize" : "minimize";
  j["managed"] = s.spec.has_value();
  json counts = json::object();
  for (auto st : {TrialState::kRunning, TrialState::kComplete, TrialState::kPruned, TrialState::kFail, TrialState::kWaiting})
    counts[trial_state_name(st)] = 0;
  for (auto& [st, n] : s.counts_by_state()) counts[trial_state_name(st)] = n;
  j["trials"] = counts;
  j["n_trials"] = s.study.size();
  if (s.spec) {
    j["budget"] = {{"n_trials", s.spec->budget.n_trials ? json(*s.spec->budget.n_trials) : json(nullptr)},
                   {"max_parallel", s.spec->budget.max_parallel},
                   {"timeout_s", s.spec->budget.timeout_s ? json(*s.spec->budget.timeout_s) : json(nullptr)},
                   {"used", s.budget_used()},
                   {"finished", s.finished_count()}};
    j["sampler"] = s.sampler ? s.sampler->name() : "";
    j["pruner"] = s.pruner ? s.pruner->name() : "";
    j["executor"] = s.spec->trial ? (s.spec->executor.type == ExecutorSpec::Type::kSlurm ? "slurm" : "local") : "ask/tell";
  }
  const FrozenTrial* best = best_trial(s.study.trials(), s.direction());
  if (best) {
    json params = json::object();
    for (auto& [name, p] : best->params) params[name] = param_value_to_json(to_external(p.distribution, p.internal));
    j["best_trial"] = {{"number", best->number}, {"id", best->id}, {"value", number_json(best->values[0])}, {"params", params}};
  } else {
    j["best_trial"] = nullptr;
  }
  j["last_error"] = s.last_error.empty() ? json(nullptr) : json(s.last_error);
  json stops = json::array();
  auto now = std::chrono::steady_clock::now();
  for (const auto& [number, p] : s.pending_stops)
    stops.push_back({{"trial", number}, {"job_id", p.job_id}, {"stage", p.stage}, {"failed_attempts", p.failed_attempts},
                     {"last_error", p.last_error.empty() ? json(nullptr) : json(p.last_error)},
                     {"for_s", std::chrono::duration<double>(now - p.since).count()}});
  j["pending_stops"] = stops;
  return j;
}

}  // namespace hpod
