// /healthz and /metrics.
#include "daemon/api/api_internal.hpp"

namespace hpod::api {

using json = nlohmann::json;

namespace {

std::string label_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

}  // namespace

void register_system_routes(Router& r, Api::Context& c) {
  r.add("GET", "/healthz", Access::kPublic, [&c](http::Request&, const PathParams&, std::shared_ptr<http::Responder> out) {
    // 503 while writes cannot commit, so a monitor sees what clients see.
    Status w = c.service.writable();
    json body{{"status", w.ok() ? "ok" : c.service.sticky_error().ok() ? "degraded" : "failed"},
              {"studies", c.service.studies().size()}};
    if (!w.ok()) body["error"] = w.message();
    respond_json(*out, w.ok() ? 200 : 503, body);
  });

  r.add("GET", "/metrics", Access::kAdmin, [&c](http::Request&, const PathParams&, std::shared_ptr<http::Responder> out) {
    std::string m;
    m += "# HELP hpod_trials Trials by study and state.\n# TYPE hpod_trials gauge\n";
    for (StudyRuntime* s : c.service.studies()) {
      auto counts = s->counts_by_state();
      for (auto st : {TrialState::kRunning, TrialState::kComplete, TrialState::kPruned, TrialState::kFail, TrialState::kWaiting})
        m += "hpod_trials{study=\"" + label_escape(s->name()) + "\",state=\"" + trial_state_name(st) + "\"} " +
             std::to_string(counts[st]) + "\n";
    }
    const auto& k = c.service.counters();
    m += "# HELP hpod_reports_total Intermediate values reported.\n# TYPE hpod_reports_total counter\n";
    m += "hpod_reports_total " + std::to_string(k.reports) + "\n";
    m += "# TYPE hpod_prunes_total counter\nhpod_prunes_total " + std::to_string(k.prunes) + "\n";
    m += "# TYPE hpod_asks_total counter\nhpod_asks_total " + std::to_string(k.asks) + "\n";
    m += "# TYPE hpod_tells_total counter\nhpod_tells_total " + std::to_string(k.tells) + "\n";
    m += "# HELP hpod_sampler_seconds Time spent planning trials.\n# TYPE hpod_sampler_seconds summary\n";
    m += "hpod_sampler_seconds_sum " + std::to_string(k.sampler_seconds_total) + "\n";
    m += "hpod_sampler_seconds_count " + std::to_string(k.sampler_calls) + "\n";
    m += "# HELP hpod_http_request_seconds Request latency by route.\n# TYPE hpod_http_request_seconds histogram\n";
    for (auto& [route, h] : c.metrics.request_seconds) h.render(m, "hpod_http_request_seconds", "route=\"" + label_escape(route) + "\"");
    m += "# TYPE hpod_http_responses_total counter\n";
    for (auto& [code, n] : c.metrics.responses_by_status)
      m += "hpod_http_responses_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
    m += "# TYPE hpod_event_streams gauge\nhpod_event_streams " + std::to_string(c.service.events().subscribers()) + "\n";
    if (c.options.extra_metrics) m += c.options.extra_metrics();
    http::Response res;
    res.content_type = "text/plain; version=0.0.4";
    res.body = std::move(m);
    out->respond(std::move(res));
  });
}

}  // namespace hpod::api
