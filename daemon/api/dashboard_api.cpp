// What the dashboard reads beyond the study API: a study as columns (the first load of a
// big study), parameter importance, and the tail of a trial's stdout/stderr.
#include <chrono>
#include <memory>
#include <unordered_map>

#include "daemon/api/api_internal.hpp"
#include "daemon/api/log_tail.hpp"
#include "daemon/worker_pool.hpp"
#include "daemon/service/importance.hpp"
#include "daemon/service/study_columns.hpp"

namespace hpod::api {

using json = nlohmann::json;

namespace {

StudyRuntime* find_or_404(Api::Context& c, const PathParams& p, http::Responder& out) {
  StudyRuntime* s = c.service.find_study(p.at("name"));
  if (!s) respond_error(out, 404, "not_found", "no study named \"" + p.at("name") + "\"");
  return s;
}

// Importance per study, recomputed when the study has finished more trials, but at most
// every few seconds however many pages ask. The forest is fitted on the background
// worker from a copy of the data; the result comes back to the daemon's thread.
struct ImportanceCache {
  struct Entry {
    bool has = false, computing = false;
    bool usable = false;       // `body` has importances (a refusal is cheap to redo at once)
    std::size_t finished = 0;  // finished trials when `body` was computed
    std::chrono::steady_clock::time_point at;
    json body;
    std::vector<std::shared_ptr<http::Responder>> waiting;
  };
  std::unordered_map<std::string, Entry> by_study;
  WorkerPool worker{1};  // last: joined before the entries go
};

constexpr auto kImportanceMinAge = std::chrono::seconds(5);

json importance_json(const StudyImportance& r) {
  json params = json::array();
  for (auto& p : r.params) params.push_back({{"name", p.name}, {"importance", p.importance}});
  return {{"method", "fanova"}, {"n_trials", r.n_trials}, {"n_completed", r.n_completed}, {"params", params}};
}

void importance_done(ImportanceCache& cache, const std::string& study, std::size_t finished, json body) {
  auto& e = cache.by_study[study];
  e.has = true;
  e.computing = false;
  e.finished = finished;
  e.at = std::chrono::steady_clock::now();
  e.body = std::move(body);
  e.usable = !e.body["params"].empty();
  auto waiting = std::move(e.waiting);
  e.waiting.clear();
  for (auto& w : waiting) respond_json(*w, 200, e.body);
}

constexpr std::size_t kDefaultLogBytes = 64 * 1024;
constexpr std::size_t kMaxLogBytes = 4 * 1024 * 1024;

}  // namespace

void register_dashboard_routes(Router& r, Api::Context& c) {
  r.add("GET", "/api/v1/studies/{name}/columns", Access::kAdmin, [&c](http::Request&, const PathParams& p, std::shared_ptr<http::Responder> out) {
    StudyRuntime* s = find_or_404(c, p, *out);
    if (!s) return;
    http::Response res;
    res.content_type = "application/octet-stream";
    res.body = study_columns(*s, c.service.events().last_id(s->name()));
    out->respond(std::move(res));
  });

  auto cache = std::make_shared<ImportanceCache>();
  r.add("GET", "/api/v1/studies/{name}/importance", Access::kAdmin, [&c, cache](http::Request&, const PathParams& p, std::shared_ptr<http::Responder> out) {
    StudyRuntime* s = find_or_404(c, p, *out);
    if (!s) return;
    std::string name = s->name();
    std::size_t finished = s->study.finished_order().size();
    auto& e = cache->by_study[name];
    if (e.has && (e.finished == finished || (e.usable && std::chrono::steady_clock::now() - e.at < kImportanceMinAge)))
      return respond_json(*out, 200, e.body);
    e.waiting.push_back(std::move(out));
    if (e.computing) return;
    e.computing = true;
    ImportanceOptions options;
    auto input = importance_input(s->study, options);
    if (!input.ok()) {
      return importance_done(*cache, name, finished,
                             {{"method", "fanova"}, {"n_trials", 0}, {"params", json::array()}, {"detail", input.status().message()}});
    }
    if (!c.options.post) return importance_done(*cache, name, finished, importance_json(compute_importance(*input, options)));
    // The job holds no strong reference to the cache: the worker must never be the one
    // that destroys it (and so joins itself).
    std::weak_ptr<ImportanceCache> weak = cache;
    auto post = c.options.post;
    cache->worker.run([weak, post, name, finished, options, in = std::move(input).value()] {
      json body = importance_json(compute_importance(in, options));
      post([weak, name, finished, body = std::move(body)]() mutable {
        if (auto strong = weak.lock()) importance_done(*strong, name, finished, std::move(body));
      });
    });
  });

  r.add("GET", "/api/v1/studies/{name}/trials/{number}/log", Access::kAdmin, [&c](http::Request& req, const PathParams& p, std::shared_ptr<http::Responder> out) {
    StudyRuntime* s = find_or_404(c, p, *out);
    if (!s) return;
    auto n = parse_trial_number(p.at("number"));
    const FrozenTrial* t = n ? s->trial(*n) : nullptr;
    if (!t) return respond_error(*out, 404, "not_found", "study " + s->name() + " has no trial " + p.at("number"));
    std::string stream = req.query.count("stream") ? req.query["stream"] : "stdout";
    std::size_t bytes = kDefaultLogBytes;
    if (auto it = req.query.find("bytes"); it != req.query.end()) {
      auto v = parse_int(it->second);
      if (!v || *v < 1 || static_cast<std::size_t>(*v) > kMaxLogBytes)
        return respond_error(*out, 400, "invalid_argument", "bytes: must be between 1 and " + std::to_string(kMaxLogBytes));
      bytes = static_cast<std::size_t>(*v);
    }
    const std::string* attr = t->system_attr("run_dir");
    json run_dir = attr ? json::parse(*attr, nullptr, false) : json();
    if (!run_dir.is_string())
      return respond_error(*out, 404, "not_found", "trial " + std::to_string(t->number) + " has no run directory (not launched by hpod)");
    auto path = trial_log_path(c.options.runs_dir, run_dir.get<std::string>(), stream);
    if (!path.ok()) return respond_error(*out, path.status());
    auto tail = read_log_tail(*path, bytes);
    if (!tail.ok()) return respond_error(*out, tail.status());
    respond_json(*out, 200, json{{"stream", stream}, {"size", tail->size}, {"offset", tail->offset}, {"text", tail->text}});
  });
}

}  // namespace hpod::api
