// /api/v1/session: the dashboard's login (an admin token for a session cookie), its state
// and logout. Public routes: each checks what it needs itself.
#include "daemon/api/api_internal.hpp"
#include "daemon/http/auth.hpp"

#include <cctype>
#include <string_view>

namespace hpod::api {

using json = nlohmann::json;

namespace {

bool admin_token_ok(const Api::Context& c, const std::string& token) {
  std::string hash = auth::sha256_hex(token);
  bool match = false;
  for (const auto& h : c.options.admin_token_sha256) match |= auth::constant_time_equal(h, hash);
  return match;
}

// "application/json", any case, with or without parameters ("; charset=utf-8").
bool json_content_type(std::string_view ct) {
  constexpr std::string_view kJson = "application/json";
  std::string_view media = ct.substr(0, ct.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < kJson.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(media[i])) != kJson[i]) return false;
  return true;
}

// Login CSRF: a page elsewhere must not log this browser into hpod (with the attacker's
// token). A form can post text/plain but not JSON without a CORS preflight, which hpod
// never grants; and browsers send Origin on every POST, so one from another origin (or
// none: not the dashboard) is refused too.
// Answers the refusal and returns true when the login request is not the dashboard's.
bool refuse_login_request(const http::Request& req, http::Responder& out) {
  if (!json_content_type(req.content_type)) {
    respond_error(out, 415, "unsupported_media_type", "Content-Type must be application/json, not \"" + req.content_type + "\"");
    return true;
  }
  bool scheme_ok = req.origin.starts_with(req.secure ? "https://" : "http://");
  if (req.origin.empty() || !scheme_ok || !same_origin(req.origin, req.host)) {
    respond_error(out, 403, "permission_denied",
                  req.origin.empty() ? "login is for the dashboard: the request must carry the page's Origin header"
                                     : "login from another origin (" + req.origin + ") is refused");
    return true;
  }
  return false;
}

void respond_with_cookie(http::Responder& out, int status, const json& body, const std::string& cookie) {
  http::Response r;
  r.status = status;
  r.body = body.dump();
  r.headers.emplace_back("Set-Cookie", cookie);
  out.respond(std::move(r));
}

}  // namespace

void register_session_routes(Router& r, Api::Context& c) {
  // What the page needs to decide between the login form and the dashboard.
  r.add("GET", "/api/v1/session", Access::kPublic, [&c](http::Request& req, const PathParams&, std::shared_ptr<http::Responder> out) {
    json j{{"auth_required", !c.options.admin_token_sha256.empty()}, {"authenticated", false}, {"csrf", nullptr}};
    if (c.options.admin_token_sha256.empty()) {
      j["authenticated"] = loopback_host(req.host);
    } else if (auto sid = c.sessions.find_live(req.cookie, req.secure, SessionStore::Clock::now())) {
      if (auto left = c.sessions.remaining(*sid, SessionStore::Clock::now())) {
        j["authenticated"] = true;
        j["csrf"] = csrf_token_for(*sid);
        j["expires_in_s"] = left->count();
      }
    }
    respond_json(*out, 200, j);
  });

  // Login: {"token": "<admin token>"} → a session cookie. The token travels in the body of
  // a POST, never in a URL.
  r.add("POST", "/api/v1/session", Access::kPublic, [&c](http::Request& req, const PathParams&, std::shared_ptr<http::Responder> out) {
    if (c.options.admin_token_sha256.empty())
      return respond_json(*out, 200, json{{"auth_required", false}, {"authenticated", true}, {"csrf", nullptr}});
    if (refuse_login_request(req, *out)) return;
    auto body = json_body(req);
    if (!body.ok()) return respond_error(*out, body.status());
    const json& token = (*body)["token"];
    if (!token.is_string() || token.get_ref<const std::string&>().empty())
      return respond_error(*out, 400, "invalid_argument", "token: must be a non-empty string (an admin token)");
    if (!admin_token_ok(c, token.get<std::string>()))
      return respond_error(*out, 401, "unauthenticated", "not an admin token");
    auto s = c.sessions.create(SessionStore::Clock::now());
    respond_with_cookie(*out, 200,
                        json{{"auth_required", true}, {"authenticated", true}, {"csrf", s.csrf}, {"expires_in_s", s.max_age.count()}},
                        session_cookie(s.id, s.max_age, req.secure));
  });

  // Logout: ends the session (with its CSRF token: a page elsewhere cannot log you out)
  // and tells the browser to forget the cookie.
  r.add("DELETE", "/api/v1/session", Access::kPublic, [&c](http::Request& req, const PathParams&, std::shared_ptr<http::Responder> out) {
    if (auto sid = c.sessions.find_live(req.cookie, req.secure, SessionStore::Clock::now())) {
      if (!csrf_matches(*sid, req.csrf))
        return respond_error(*out, 403, "permission_denied", "logout needs the session's " + std::string(kCsrfHeader) + " header");
      c.sessions.remove(*sid);
    }
    respond_with_cookie(*out, 200, json{{"authenticated", false}}, session_cookie("", std::chrono::seconds(0), req.secure));
  });
}

}  // namespace hpod::api
