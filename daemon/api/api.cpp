#include "daemon/api/api.hpp"

#include <chrono>
#include <limits>

#include "core/json_check.hpp"
#include "daemon/api/api_internal.hpp"
#include "daemon/http/auth.hpp"
#include "daemon/log.hpp"

namespace hpod::api {

using json = nlohmann::json;

int http_status(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return 200;
    case Status::Code::kInvalidArgument: return 400;
    case Status::Code::kUnauthenticated: return 401;
    case Status::Code::kPermissionDenied: return 403;
    case Status::Code::kNotFound: return 404;
    case Status::Code::kConflict: return 409;
    case Status::Code::kFailedPrecondition: return 409;
    case Status::Code::kTooLarge: return 413;
    case Status::Code::kUnavailable: return 503;
    case Status::Code::kIOError: return 500;
    case Status::Code::kInternal: return 500;
  }
  return 500;
}

void respond_json(http::Responder& out, int status, const json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  out.respond(std::move(r));
}

void respond_error(http::Responder& out, int status, const std::string& error, const std::string& detail) {
  http::Response r;
  r.status = status;
  r.body = json{{"error", error}, {"detail", detail}}.dump(-1, ' ', false, json::error_handler_t::replace);
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  out.respond(std::move(r));
}

void respond_error(http::Responder& out, const Status& s) {
  respond_error(out, http_status(s), Status::code_name(s.code()), s.message());
}

Result<json> json_body(const http::Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  auto j = jc::parse_bounded(req.body, "body");
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Status::InvalidArgument("body: must be a JSON object");
  return j;
}

std::optional<std::int64_t> parse_int(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<int> parse_trial_number(const std::string& s) {
  auto v = parse_int(s);
  if (!v || *v > std::numeric_limits<int>::max()) return std::nullopt;
  return static_cast<int>(*v);
}

void answer_exception(http::Responder& out, const std::string& where, const char* what) {
  log::error(where + ": internal error: " + what);
  respond_error(out, 500, "internal", "internal error while handling " + where + " (logged)");
}

namespace {

// Records the request's latency when it is answered.
class TimedResponder final : public http::Responder {
 public:
  TimedResponder(std::shared_ptr<http::Responder> inner, Metrics& m, std::string route)
      : inner_(std::move(inner)), metrics_(m), route_(std::move(route)), t0_(std::chrono::steady_clock::now()) {}
  void respond(http::Response r) override {
    metrics_.request_seconds[route_].observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count());
    metrics_.responses_by_status[r.status]++;
    inner_->respond(std::move(r));
  }
  void start_stream(http::Response head) override {
    metrics_.responses_by_status[head.status]++;
    inner_->start_stream(std::move(head));
  }
  bool write(std::string chunk) override { return inner_->write(std::move(chunk)); }
  void end() override { inner_->end(); }
  bool closed() const override { return inner_->closed(); }

 private:
  std::shared_ptr<http::Responder> inner_;
  Metrics& metrics_;
  std::string route_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace

Api::Api(StudyService& service, ApiOptions options)
    : service_(service), options_(std::move(options)), sessions_(options_.sessions),
      ctx_(std::make_shared<Context>(Context{service_, options_, metrics_, sessions_})) {
  register_system_routes(router_, *ctx_);
  register_session_routes(router_, *ctx_);
  register_dashboard_routes(router_, *ctx_);
  register_snapshot_routes(router_, *ctx_);
  register_study_routes(router_, *ctx_);
  register_trial_routes(router_, *ctx_);
}

void Api::handle(http::Request&& req, std::shared_ptr<http::Responder> out) {
  // The barrier: whatever a handler throws is answered and logged here, never unwinds the
  // daemon's thread (the responder answers once, so a handler that already answered is
  // not answered twice).
  std::string where = req.method + " " + req.path;
  auto keep = out;
  try {
    dispatch(std::move(req), std::move(out));
  } catch (const std::exception& e) {
    answer_exception(*keep, where, e.what());
  } catch (...) {
    answer_exception(*keep, where, "an exception that is not a std::exception");
  }
}

void Api::dispatch(http::Request&& req, std::shared_ptr<http::Responder> out) {
  const Route* route = nullptr;
  PathParams params;
  auto m = router_.find(req.method, req.path, route, params);
  if (m == Router::Match::kNoPath) {
    std::string type, body;
    if (req.method == "GET" && options_.asset && options_.asset(req.path, type, body)) {
      http::Response r;
      r.content_type = type;
      r.body = std::move(body);
      // The page loads only its own scripts and talks only to hpod; nobody may frame it.
      r.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                             "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
      r.headers.emplace_back("X-Content-Type-Options", "nosniff");
      r.headers.emplace_back("Referrer-Policy", "no-referrer");
      return out->respond(std::move(r));
    }
    return respond_error(*out, 404, "not_found", "no such endpoint: " + req.path);
  }
  if (m == Router::Match::kNoMethod) {
    std::string allowed;
    for (auto& x : router_.methods_for(req.path)) allowed += (allowed.empty() ? "" : ", ") + x;
    http::Response r;
    r.status = 405;
    r.body = json{{"error", "method_not_allowed"}, {"detail", req.method + " is not allowed here; use " + allowed}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    r.headers.emplace_back("Allow", allowed);
    return out->respond(std::move(r));
  }
  std::string route_name = route->method;
  for (auto& s : route->segments) route_name += "/" + s;
  auto timed = std::make_shared<TimedResponder>(std::move(out), metrics_, route_name);

  if (route->access != Access::kPublic) {
    auto token = auth::bearer_token(req.authorization);
    std::string hash = token ? auth::sha256_hex(*token) : std::string();
    bool admin = false;
    if (!token) {
      if (auto refused = browser_admin(req, admin)) return respond_error(*timed, 403, "permission_denied", *refused);
      // The open loopback mode lets anyone on the machine act as admin, but a trial's
      // report, tell and heartbeat still need the trial's own token: one process cannot
      // decide another trial's outcome by guessing its id.
      if (admin && route->access == Access::kTrial && !safe_method(req.method) && options_.admin_token_sha256.empty())
        admin = false;
    } else {
      // Compare with every admin hash, without an early exit.
      bool match = false;
      for (const auto& h : options_.admin_token_sha256) match |= auth::constant_time_equal(h, hash);
      admin = match;
    }
    if (!admin) {
      if (route->access == Access::kAdmin) {
        if (!token)
          return respond_error(*timed, 401, "unauthenticated",
                               "an admin token is required (Authorization: Bearer <token>, or the dashboard's session cookie)");
        if (service_.trial_access(-1, hash) == TrialAccess::kOtherTrial)
          return respond_error(*timed, 403, "permission_denied", "a trial token is good for its own trial's endpoints only");
        return respond_error(*timed, 401, "unauthenticated", "unknown token");
      }
      // Access::kTrial
      auto id = parse_int(params["id"]);
      if (!token) return respond_error(*timed, 401, "unauthenticated", "the trial's token is required (Authorization: Bearer <token>)");
      switch (id ? service_.trial_access(*id, hash) : service_.trial_access(-1, hash)) {
        case TrialAccess::kThisTrial: break;
        case TrialAccess::kOtherTrial:
          return respond_error(*timed, 403, "permission_denied", "this token belongs to another trial");
        default: return respond_error(*timed, 401, "unauthenticated", "unknown token");
      }
    }
  }
  route->handler(req, params, timed);
}

std::optional<std::string> Api::browser_admin(const http::Request& req, bool& admin) {
  if (options_.admin_token_sha256.empty()) {
    if (!loopback_host(req.host))
      return "Host \"" + req.host + "\" is not a loopback name: without admin tokens hpod serves 127.0.0.1/localhost only";
    if (!safe_method(req.method) && !req.origin.empty() && !same_origin(req.origin, req.host))
      return "a state-changing request from another origin (" + req.origin + ") is refused";
    admin = true;
    return std::nullopt;
  }
  auto sid = sessions_.find_live(req.cookie, req.secure, SessionStore::Clock::now());
  if (!sid) return std::nullopt;
  if (!safe_method(req.method) && !csrf_matches(*sid, req.csrf))
    return "a state-changing request with the session cookie needs the session's " + std::string(kCsrfHeader) + " header";
  admin = true;
  return std::nullopt;
}

}  // namespace hpod::api
