// The HTTP API (README "HTTP API (v1)"): authentication, routing, JSON in and out. Handlers
// translate HTTP to StudyService calls; nothing here touches SQLite.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/api/router.hpp"
#include "daemon/api/sessions.hpp"
#include "daemon/http/http_types.hpp"
#include "daemon/metrics.hpp"
#include "daemon/service/study_service.hpp"

namespace hpod::api {

struct ApiOptions {
  // SHA-256 (hex) of the admin tokens. Empty: admin endpoints need no token (allowed only
  // when listening on loopback; the daemon refuses other addresses).
  std::vector<std::string> admin_token_sha256;
  // Extra Prometheus lines (server, writer and executor figures) appended to /metrics.
  std::function<std::string()> extra_metrics;
  // Static dashboard assets: path → (content type, body). Served at "/" and below.
  std::function<bool(const std::string& path, std::string& content_type, std::string& body)> asset;
  // Absolute runs directory: the dashboard's log endpoint reads trial logs below it only.
  std::string runs_dir;
  // The database file, for GET /api/v1/snapshot (a consistent copy). Empty: no snapshots.
  std::string database_path;
  SessionOptions sessions;
  // Runs a function on the daemon's thread (its io_context). Work done on a background
  // thread hands its result back through it; without it such work runs inline.
  std::function<void(std::function<void()>)> post;
};

class Api {
 public:
  Api(StudyService& service, ApiOptions options);
  void handle(http::Request&& request, std::shared_ptr<http::Responder> out);
  Metrics& metrics() { return metrics_; }

  struct Context;

 private:
  void dispatch(http::Request&& request, std::shared_ptr<http::Responder> out);
  // Admin rights from what a browser sends on its own (no token): the open loopback mode
  // or a dashboard session cookie. Returns why the request is refused, if it is.
  std::optional<std::string> browser_admin(const http::Request& req, bool& admin);

  StudyService& service_;
  ApiOptions options_;
  Metrics metrics_;
  SessionStore sessions_;
  Router router_;
  std::shared_ptr<Context> ctx_;
};

}  // namespace hpod::api
