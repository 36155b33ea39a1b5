// /api/v1/trials/{id}...: report, tell, heartbeat (the trial's own token or admin), show,
// operator kill.
#include <cmath>
#include <limits>

#include "daemon/api/api_internal.hpp"
#include "daemon/service/trial_json.hpp"

namespace hpod::api {

using json = nlohmann::json;

namespace {

std::int64_t trial_id(const PathParams& p) { return parse_int(p.at("id")).value_or(-1); }

// Steps are stored as SQLite integers; beyond this a client is not counting steps.
constexpr std::uint64_t kMaxStep = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

bool check_keys(const json& body, std::initializer_list<const char*> allowed, http::Responder& out) {
  for (auto& [k, _] : body.items()) {
    bool ok = false;
    for (const char* a : allowed) ok |= k == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "\"" : ", \"") + std::string(a) + "\"";
      respond_error(out, 400, "invalid_argument", k + ": unknown key (expected " + list + ")");
      return false;
    }
  }
  return true;
}

}  // namespace

void register_trial_routes(Router& r, Api::Context& c) {
  r.add("POST", "/api/v1/trials/{id}/report", Access::kTrial, [&c](http::Request& req, const PathParams& p, std::shared_ptr<http::Responder> out) {
    auto body = json_body(req);
    if (!body.ok()) return respond_error(*out, body.status());
    if (!check_keys(*body, {"step", "value"}, *out)) return;
    const json& step = (*body)["step"];
    // An unsigned number above INT64_MAX would wrap to a negative step.
    if (!step.is_number_integer() || (step.is_number_unsigned() && step.get<std::uint64_t>() > kMaxStep) ||
        (!step.is_number_unsigned() && step.get<std::int64_t>() < 0))
      return respond_error(*out, 400, "invalid_argument", "step: must be an integer >= 0 (at most 2^63 - 1)");
    auto value = number_from_json((*body)["value"]);
    if (!value)
      return respond_error(*out, 400, "invalid_argument",
                           "value: must be a number or one of \"NaN\", \"Infinity\", \"-Infinity\"");
    std::int64_t id = trial_id(p);
    c.service.report(id, step.get<std::int64_t>(), *value, guarded(out, "report on trial " + std::to_string(id), [out, &c, id](Result<ReportResult> r) {
      if (!r.ok()) {
        // A trial that was pruned learns it from the refusal, too.
        auto [s, t] = c.service.find_trial(id);
        if (r.status().code() == Status::Code::kConflict && t && t->state == TrialState::kPruned) {
          http::Response res;
          res.status = 409;
          res.body = json{{"error", "conflict"}, {"detail", r.status().message()}, {"should_prune", true}, {"state", "PRUNED"}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
          return out->respond(std::move(res));
        }
        return respond_error(*out, r.status());
      }
      respond_json(*out, 200, json{{"should_prune", r->should_prune}, {"state", trial_state_name(r->state)}});
    }));
  });

  r.add("POST", "/api/v1/trials/{id}/tell", Access::kTrial, [&c](http::Request& req, const PathParams& p, std::shared_ptr<http::Responder> out) {
    auto body = json_body(req);
    if (!body.ok()) return respond_error(*out, body.status());
    if (!check_keys(*body, {"state", "value", "reason", "user_attrs"}, *out)) return;
    TellRequest t;
    std::string state = "complete";
    if (auto it = body->find("state"); it != body->end()) {
      if (!it->is_string())
        return respond_error(*out, 400, "invalid_argument", "state: must be \"complete\", \"fail\" or \"pruned\"");
      state = it->get<std::string>();
    }
    if (state == "complete") t.state = TrialState::kComplete;
    else if (state == "fail") t.state = TrialState::kFail;
    else if (state == "pruned") t.state = TrialState::kPruned;
    else return respond_error(*out, 400, "invalid_argument", "state: must be \"complete\", \"fail\" or \"pruned\"");
    if (body->contains("value") && !(*body)["value"].is_null()) {
      t.value = number_from_json((*body)["value"]);
      if (!t.value)
        return respond_error(*out, 400, "invalid_argument",
                             "value: must be a number or one of \"NaN\", \"Infinity\", \"-Infinity\"");
    }
    if (t.state == TrialState::kComplete && !t.value)
      return respond_error(*out, 400, "invalid_argument", "value: required when state is \"complete\"");
    if (body->contains("reason")) {
      if (!(*body)["reason"].is_string()) return respond_error(*out, 400, "invalid_argument", "reason: must be a string");
      t.reason = (*body)["reason"].get<std::string>().substr(0, 4096);
    }
    if (body->contains("user_attrs")) {
      if (!(*body)["user_attrs"].is_object()) return respond_error(*out, 400, "invalid_argument", "user_attrs: must be an object");
      for (auto& [k, v] : (*body)["user_attrs"].items()) t.user_attrs[k] = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    c.service.tell(trial_id(p), std::move(t), guarded(out, "tell on trial " + p.at("id"), [out](Result<TrialState> r) {
      if (!r.ok()) return respond_error(*out, r.status());
      respond_json(*out, 200, json{{"state", trial_state_name(*r)}});
    }));
  });

  r.add("POST", "/api/v1/trials/{id}/heartbeat", Access::kTrial, [&c](http::Request&, const PathParams& p, std::shared_ptr<http::Responder> out) {
    c.service.heartbeat(trial_id(p), [out](const Status& s) {
      if (!s.ok()) return respond_error(*out, s);
      respond_json(*out, 200, json{{"state", "RUNNING"}});
    });
  });

  r.add("GET", "/api/v1/trials/{id}", Access::kTrial, [&c](http::Request&, const PathParams& p, std::shared_ptr<http::Responder> out) {
    auto [s, t] = c.service.find_trial(trial_id(p));
    if (!s) return respond_error(*out, 404, "not_found", "no trial with id " + p.at("id"));
    respond_json(*out, 200, trial_json(*s, *t, {true, true}));
  });

  r.add("DELETE", "/api/v1/trials/{id}", Access::kAdmin, [&c](http::Request& req, const PathParams& p, std::shared_ptr<http::Responder> out) {
    auto found = c.service.find_trial(trial_id(p));
    StudyRuntime* s = found.first;
    const FrozenTrial* t = found.second;
    if (!s) return respond_error(*out, 404, "not_found", "no trial with id " + p.at("id"));
    std::string reason = "killed by the operator";
    if (auto it = req.query.find("reason"); it != req.query.end() && !it->second.empty()) reason += ": " + it->second;
    c.service.kill_trial(*s, t->number, reason, guarded(out, "kill of trial " + p.at("id"), [out, s, number = t->number](const Status& st) {
      if (!st.ok()) return respond_error(*out, st);
      respond_json(*out, 200, trial_json(*s, *s->trial(number), {false, true}));
    }));
  });
}

}  // namespace hpod::api
