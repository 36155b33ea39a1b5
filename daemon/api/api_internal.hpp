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
// A trial number from a path segment: nullopt for anything that is not a number a trial
// can have (never truncated, so "4294967296" is no trial rather than trial 0).
std::optional<int> parse_trial_number(const std::string& s);

// What a handler threw (a bug, never the client's fault): a log line naming the request
// and a 500, instead of the exception unwinding the daemon's thread.
void answer_exception(http::Responder& out, const std::string& where, const char* what);

// Wraps a completion callback of a handler so that an exception thrown in it is answered
// by answer_exception too (the callback runs later, outside Api::handle's barrier).
template <class F>
auto guarded(std::shared_ptr<http::Responder> out, std::string where, F f) {
  return [out = std::move(out), where = std::move(where), f = std::move(f)](auto&&... args) mutable {
    try {
      f(std::forward<decltype(args)>(args)...);
    } catch (const std::exception& e) {
      answer_exception(*out, where, e.what());
    } catch (...) {
      answer_exception(*out, where, "an exception that is not a std::exception");
    }
  };
}

void register_study_routes(Router& r, Api::Context& c);
void register_trial_routes(Router& r, Api::Context& c);
void register_system_routes(Router& r, Api::Context& c);
void register_session_routes(Router& r, Api::Context& c);
void register_dashboard_routes(Router& r, Api::Context& c);
void register_snapshot_routes(Router& r, Api::Context& c);

}  // namespace hpod::api
