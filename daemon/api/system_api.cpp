// /healthz and /metrics.
#include "daemon/api/api_internal.hpp"

namespace hpod::api {

using json = nlohmann::json;

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
    PrometheusText p;
    p.family("hpod_trials", "gauge", "Trials by study and state.");
    for (StudyRuntime* s : c.service.studies()) {
      auto counts = s->counts_by_state();
      for (auto st : {TrialState::kRunning, TrialState::kComplete, TrialState::kPruned, TrialState::kFail, TrialState::kWaiting})
        p.sample("hpod_trials", counts[st], {{"study", s->name()}, {"state", trial_state_name(st)}});
    }
    const auto& k = c.service.counters();
    p.counter("hpod_reports_total", k.reports, "Intermediate values reported.");
    p.counter("hpod_prunes_total", k.prunes);
    p.counter("hpod_asks_total", k.asks);
    p.counter("hpod_tells_total", k.tells);
    p.summary("hpod_sampler_seconds", k.sampler_seconds_total, k.sampler_calls, "Time spent planning trials.");
    p.family("hpod_http_request_seconds", "histogram", "Request latency by route.");
    for (auto& [route, h] : c.metrics.request_seconds) p.histogram("hpod_http_request_seconds", h, {{"route", route}});
    p.family("hpod_http_responses_total", "counter");
    for (auto& [code, n] : c.metrics.responses_by_status)
      p.sample("hpod_http_responses_total", n, {{"code", std::to_string(code)}});
    p.gauge("hpod_event_streams", c.service.events().subscribers());
    std::string m = p.take();
    if (c.options.extra_metrics) m += c.options.extra_metrics();
    http::Response res;
    res.content_type = "text/plain; version=0.0.4";
    res.body = std::move(m);
    out->respond(std::move(res));
  });
}

}  // namespace hpod::api
