// /api/v1/studies...: submit, list, show, operator control, trials, events, ask, enqueue.
#include <algorithm>
#include <limits>

#include "core/json_check.hpp"
#include "daemon/api/api_internal.hpp"
#include "daemon/service/trial_json.hpp"

namespace hpod::api {

using json = nlohmann::json;

namespace {

StudyRuntime* study_or_404(Api::Context& c, const PathParams& p, http::Responder& out) {
  auto it = p.find("name");
  StudyRuntime* s = it == p.end() ? nullptr : c.service.find_study(it->second);
  if (!s) respond_error(out, 404, "not_found", "no study named \"" + (it == p.end() ? "" : it->second) + "\"");
  return s;
}

json study_detail(const StudyRuntime& s) {
  json j = study_summary_json(s);
  if (s.spec) {
    j["definition"] = json::parse(s.spec->canonical_json);
    json space = json::object();
    for (auto& [name, d] : s.spec->search_space) space[name] = json::parse(distribution_to_json(d));
    j["search_space"] = space;
  }
  json ua = json::object();
  for (auto& [k, v] : s.user_attrs) ua[k] = jc::parse_stored_value(v);
  j["user_attrs"] = ua;
  return j;
}

json ask_json(const StudyRuntime& s, const AskResult& r) {
  json params = json::object();
  for (auto& [k, v] : r.params) params[k] = param_value_to_json(v);
  json j{{"study", s.name()}, {"trial_id", r.trial_id}, {"number", r.number}, {"params", params}};
  if (!r.token.empty()) j["token"] = r.token;
  return j;
}

}  // namespace

void register_study_routes(Router& r, Api::Context& c) {
  r.add("POST", "/api/v1/studies", Access::kAdmin, [&c](http::Request& req, const PathParams&, std::shared_ptr<http::Responder> out) {
    auto spec = parse_study_spec(req.body, "request body");
    if (!spec.ok()) return respond_error(*out, spec.status());
    c.service.submit_study(std::move(spec).value(), guarded(out, "study submission", [out](Result<StudyRuntime*> s, bool created) {
      if (!s.ok()) return respond_error(*out, s.status());
      respond_json(*out, created ? 201 : 200, study_detail(**s));
    }));
  });

  r.add("GET", "/api/v1/studies", Access::kAdmin, [&c](http::Request&, const PathParams&, std::shared_ptr<http::Responder> out) {
    json list = json::array();
    for (StudyRuntime* s : c.service.studies()) list.push_back(study_summary_json(*s));
    respond_json(*out, 200, json{{"studies", list}});
  });

  r.add("GET", "/api/v1/studies/{name}", Access::kAdmin, [&c](http::Request&, const PathParams& p, std::shared_ptr<http::Responder> out) {
    if (StudyRuntime* s = study_or_404(c, p, *out)) respond_json(*out, 200, study_detail(*s));
  });

  for (auto [action, control] : {std::pair{"pause", StudyControl::kPaused}, std::pair{"resume", StudyControl::kRunning},
                                 std::pair{"stop", StudyControl::kStopped}}) {
    r.add("POST", std::string("/api/v1/studies/{name}/") + action, Access::kAdmin,
          [&c, control = control](http::Request&, const PathParams& p, std::shared_ptr<http::Responder> out) {
            StudyRuntime* s = study_or_404(c, p, *out);
            if (!s) return;
            if (!s->spec) return respond_error(*out, 409, "failed_precondition", "study " + s->name() + " is not run by hpod");
            c.service.set_control(*s, control, guarded(out, "control of study " + s->name(), [out, s](const Status& st) {
              if (!st.ok()) return respond_error(*out, st);
              respond_json(*out, 200, study_summary_json(*s));
            }));
          });
  }

  r.add("GET", "/api/v1/studies/{name}/trials", Access::kAdmin, [&c](http::Request& req, const PathParams& p, std::shared_ptr<http::Responder> out) {
    StudyRuntime* s = study_or_404(c, p, *out);
    if (!s) return;
    std::optional<TrialState> state;
    if (auto it = req.query.find("state"); it != req.query.end() && !it->second.empty()) {
      std::string up = it->second;
      std::transform(up.begin(), up.end(), up.begin(), ::toupper);
      state = trial_state_from_name(up);
      if (!state)
        return respond_error(*out, 400, "invalid_argument",
                             "state: must be one of RUNNING, COMPLETE, PRUNED, FAIL, WAITING");
    }
    TrialJsonOptions o;
    o.intermediate_values = req.query.count("include") && req.query["include"].find("intermediate") != std::string::npos;
    std::int64_t offset = 0, limit = -1;
    if (auto it = req.query.find("offset"); it != req.query.end()) {
      auto v = parse_int(it->second);
      if (!v) return respond_error(*out, 400, "invalid_argument", "offset: must be an integer >= 0");
      offset = *v;
    }
    if (auto it = req.query.find("limit"); it != req.query.end()) {
      auto v = parse_int(it->second);
      if (!v) return respond_error(*out, 400, "invalid_argument", "limit: must be an integer >= 0");
      limit = *v;
    }
    json list = json::array();
    std::int64_t matched = 0;
    for (const FrozenTrial* t : s->study.trials()) {
      if (state && t->state != *state) continue;
      if (matched++ < offset) continue;
      if (limit >= 0 && static_cast<std::int64_t>(list.size()) >= limit) continue;
      list.push_back(trial_json(*s, *t, o));
    }
    respond_json(*out, 200, json{{"study", s->name()}, {"total", matched}, {"trials", list}});
  });

  r.add("GET", "/api/v1/studies/{name}/trials/{number}", Access::kAdmin, [&c](http::Request&, const PathParams& p, std::shared_ptr<http::Responder> out) {
    StudyRuntime* s = study_or_404(c, p, *out);
    if (!s) return;
    auto n = parse_trial_number(p.at("number"));
    const FrozenTrial* t = n ? s->trial(*n) : nullptr;
    if (!t) return respond_error(*out, 404, "not_found", "study " + s->name() + " has no trial " + p.at("number"));
    json j = trial_json(*s, *t, {true, true});
    json meta = json::object();
    for (auto& [k, v] : s->trials[static_cast<std::size_t>(t->number)].meta)
      if (k != "token_sha256") meta[k] = v;
    j["hpod"] = meta;
    respond_json(*out, 200, j);
  });

  r.add("GET", "/api/v1/studies/{name}/events", Access::kAdmin, [&c](http::Request& req, const PathParams& p, std::shared_ptr<http::Responder> out) {
    StudyRuntime* s = study_or_404(c, p, *out);
    if (!s) return;
    std::optional<std::int64_t> last;
    std::string from = !req.last_event_id.empty() ? req.last_event_id : (req.query.count("after") ? req.query["after"] : "");
    if (!from.empty()) last = parse_int(from);
    std::size_t max_replay = static_cast<std::size_t>(-1);
    if (auto it = req.query.find("tail"); it != req.query.end())
      if (auto n = parse_int(it->second)) max_replay = static_cast<std::size_t>(*n);
    c.service.events().subscribe(s->name(), out, last, max_replay);
  });

  r.add("POST", "/api/v1/studies/{name}/ask", Access::kAdmin, [&c](http::Request&, const PathParams& p, std::shared_ptr<http::Responder> out) {
    StudyRuntime* s = study_or_404(c, p, *out);
    if (!s) return;
    c.service.ask(*s, guarded(out, "ask on study " + s->name(), [out, s](Result<AskResult> r) {
      if (!r.ok()) return respond_error(*out, r.status());
      respond_json(*out, 201, ask_json(*s, *r));
    }));
  });

  r.add("POST", "/api/v1/studies/{name}/enqueue", Access::kAdmin, [&c](http::Request& req, const PathParams& p, std::shared_ptr<http::Responder> out) {
    StudyRuntime* s = study_or_404(c, p, *out);
    if (!s) return;
    auto body = json_body(req);
    if (!body.ok()) return respond_error(*out, body.status());
    std::map<std::string, ParamValue> params;
    std::map<std::string, std::string> user_attrs;
    for (auto& [k, v] : body->items()) {
      if (k != "params" && k != "user_attrs")
        return respond_error(*out, 400, "invalid_argument", k + ": unknown key (expected \"params\", \"user_attrs\")");
    }
    if (body->contains("params")) {
      const json& ps = (*body)["params"];
      if (!ps.is_object()) return respond_error(*out, 400, "invalid_argument", "params: must be an object");
      for (auto& [k, v] : ps.items()) {
        switch (v.type()) {
          case json::value_t::null: params[k] = std::monostate{}; break;
          case json::value_t::boolean: params[k] = v.get<bool>(); break;
          case json::value_t::number_integer: params[k] = v.get<std::int64_t>(); break;
          case json::value_t::number_unsigned:
            if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
              return respond_error(*out, 400, "invalid_argument", "params." + k + ": integer out of range (above 2^63 - 1)");
            params[k] = v.get<std::int64_t>();
            break;
          case json::value_t::number_float: params[k] = v.get<double>(); break;
          case json::value_t::string: params[k] = v.get<std::string>(); break;
          default: return respond_error(*out, 400, "invalid_argument", "params." + k + ": must be a number, string, boolean or null");
        }
      }
    }
    if (body->contains("user_attrs")) {
      const json& ua = (*body)["user_attrs"];
      if (!ua.is_object()) return respond_error(*out, 400, "invalid_argument", "user_attrs: must be an object");
      for (auto& [k, v] : ua.items()) user_attrs[k] = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    c.service.enqueue(*s, params, user_attrs, guarded(out, "enqueue on study " + s->name(), [out, s](Result<AskResult> r) {
      if (!r.ok()) return respond_error(*out, r.status());
      respond_json(*out, 201, ask_json(*s, *r));
    }));
  });
}

}  // namespace hpod::api
