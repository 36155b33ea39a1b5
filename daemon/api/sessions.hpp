// Dashboard sessions: an admin logs in once with a token and the browser keeps an
// HttpOnly, SameSite=Strict cookie with a random session id. Only the SHA-256 of the id is
// kept (a copy of this table, e.g. a core dump, does not let anyone in), and every session
// expires. State-changing requests that carry only the cookie must also carry the
// session's CSRF token in the X-Hpod-Csrf header (derived from the id, so nothing else is
// stored); a page on another origin can neither read that token nor send the header
// without a CORS preflight, which hpod never grants. Owner thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hpod::api {

inline constexpr std::string_view kSessionCookie = "hpod_session";
// Over TLS the cookie carries the __Host- prefix: browsers accept it only with Secure,
// Path=/ and no Domain, so neither a sibling domain nor a plain-HTTP page can set one.
inline constexpr std::string_view kSecureSessionCookie = "__Host-hpod_session";
inline constexpr std::string_view kCsrfHeader = "X-Hpod-Csrf";

struct SessionOptions {
  std::chrono::seconds ttl{12 * 3600};  // a session ends this long after the login
  std::size_t max_sessions = 1000;       // beyond: the session closest to expiry is dropped
};

class SessionStore {
 public:
  using Clock = std::chrono::steady_clock;

  explicit SessionStore(SessionOptions options = {}) : options_(options) {}

  struct Created {
    std::string id;    // the cookie's value: shown once, never stored
    std::string csrf;  // what the page sends in X-Hpod-Csrf
    std::chrono::seconds max_age;
  };
  Created create(Clock::time_point now);
  // True when `id` names a live session; an expired one is dropped on the way.
  bool valid(std::string_view id, Clock::time_point now);
  // Seconds left of a live session.
  std::optional<std::chrono::seconds> remaining(std::string_view id, Clock::time_point now);
  bool remove(std::string_view id);
  // The id of a live session among the session cookies of a Cookie header. Every value
  // is tried: a page on another port of this host can plant a cookie of the same name
  // (with a longer Path, so browsers send it first), and reading only the first value
  // would lock the admin out.
  std::optional<std::string> find_live(std::string_view cookie_header, bool secure, Clock::time_point now);
  std::size_t size() const { return sessions_.size(); }
  // What is stored for `id` (its SHA-256), for tests that check no id is kept in clear.
  bool stores_key(std::string_view key) const { return sessions_.count(std::string(key)) > 0; }
  const SessionOptions& options() const { return options_; }

 private:
  void drop_expired(Clock::time_point now);
  SessionOptions options_;
  std::unordered_map<std::string, Clock::time_point> sessions_;  // sha256(id) → expiry
};

// The CSRF token of a session: a hash of its id under a fixed label, so it needs no
// storage and does not reveal the id.
std::string csrf_token_for(std::string_view session_id);
bool csrf_matches(std::string_view session_id, std::string_view header_value);

std::string_view session_cookie_name(bool secure);
// The Set-Cookie value that starts (or, with max_age 0, ends) a session.
std::string session_cookie(std::string_view id, std::chrono::seconds max_age, bool secure);

// Requests that authenticate with nothing (no token, no cookie) are admin only when hpod
// has no admin tokens, i.e. listens on loopback. A browser on the same machine must not
// become a confused deputy there: the Host header must be a loopback name (a page whose
// DNS name was rebound to 127.0.0.1 sends its own name) and a state-changing request from
// a page must come from hpod's own origin.
bool loopback_host(std::string_view host_header);
bool same_origin(std::string_view origin_header, std::string_view host_header);
bool safe_method(std::string_view method);

}  // namespace hpod::api
