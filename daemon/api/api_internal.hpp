// Shared by the API's handler files.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "daemon/api/api.hpp"

namespace hpod::api {

struct Api::Context {
  StudyService& service;
  ApiOptions& options;
  Metrics& metrics;
  SessionStore& sessions;
};

int http_status(const Status& s);
void respond_json(http::Responder& out, int status, const nlohmann::json& body);
void respond_error(http::Responder& out, const Status& s);
void respond_error(http::Responder& out, int status, const std::string& error, const std::string& detail);
// The body as a JSON object; InvalidArgument naming the problem otherwise. An empty body
// is an empty object.
Result<nlohmann::json> json_body(const http::Request& req);
std::optional<std::int64_t> parse_int(const std::string& s);

void register_study_routes(Router& r, Api::Context& c);
void register_trial_routes(Router& r, Api::Context& c);
void register_system_routes(Router& r, Api::Context& c);
void register_session_routes(Router& r, Api::Context& c);
void register_dashboard_routes(Router& r, Api::Context& c);
void register_snapshot_routes(Router& r, Api::Context& c);

}  // namespace hpod::api
