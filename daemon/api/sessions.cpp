#include "daemon/api/sessions.hpp"

#include <algorithm>
#include <cctype>

#include "daemon/http/auth.hpp"

namespace hpod::api {

SessionStore::Created SessionStore::create(Clock::time_point now) {
  drop_expired(now);
  while (sessions_.size() >= std::max<std::size_t>(options_.max_sessions, 1)) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    sessions_.erase(oldest);
  }
  Created c;
  c.id = auth::random_token();
  c.csrf = csrf_token_for(c.id);
  c.max_age = options_.ttl;
  sessions_[auth::sha256_hex(c.id)] = now + options_.ttl;
  return c;
}

bool SessionStore::valid(std::string_view id, Clock::time_point now) { return remaining(id, now).has_value(); }

std::optional<std::chrono::seconds> SessionStore::remaining(std::string_view id, Clock::time_point now) {
  if (id.empty()) return std::nullopt;
  // The lookup is by hash: timing reveals nothing about ids that are stored.
  auto it = sessions_.find(auth::sha256_hex(id));
  if (it == sessions_.end()) return std::nullopt;
  if (it->second <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::seconds>(it->second - now);
}

std::optional<std::string> SessionStore::find_live(std::string_view cookie_header, bool secure, Clock::time_point now) {
  for (auto& id : auth::cookie_values(cookie_header, session_cookie_name(secure)))
    if (valid(id, now)) return id;
  return std::nullopt;
}

bool SessionStore::remove(std::string_view id) { return sessions_.erase(auth::sha256_hex(id)) > 0; }

void SessionStore::drop_expired(Clock::time_point now) {
  std::erase_if(sessions_, [now](const auto& kv) { return kv.second <= now; });
}

std::string csrf_token_for(std::string_view session_id) {
  return auth::sha256_hex("hpod-csrf:" + std::string(session_id));
}

bool csrf_matches(std::string_view session_id, std::string_view header_value) {
  return auth::constant_time_equal(csrf_token_for(session_id), header_value);
}

std::string_view session_cookie_name(bool secure) { return secure ? kSecureSessionCookie : kSessionCookie; }

std::string session_cookie(std::string_view id, std::chrono::seconds max_age, bool secure) {
  std::string c = std::string(session_cookie_name(secure)) + "=" + std::string(id) + "; Path=/; Max-Age=" +
                  std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  return c;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return out;
}

// "host:port", "[v6]:port" or "host" → the host part.
std::string_view host_part(std::string_view h) {
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    return close == std::string_view::npos ? h : h.substr(0, close + 1);
  }
  auto colon = h.rfind(':');
  return colon == std::string_view::npos ? h : h.substr(0, colon);
}

}  // namespace

bool loopback_host(std::string_view host_header) {
  if (host_header.empty()) return true;  // HTTP/1.0 clients; browsers always send Host
  std::string h = lower(host_part(host_header));
  if (h == "localhost" || h == "[::1]" || h.ends_with(".localhost")) return true;
  // 127.0.0.0/8, in dotted decimal only.
  if (!h.starts_with("127.")) return false;
  int dots = 0;
  for (char ch : h) {
    if (ch == '.') ++dots;
    else if (ch < '0' || ch > '9') return false;
  }
  return dots == 3;
}

bool same_origin(std::string_view origin, std::string_view host_header) {
  // Origin is "scheme://host[:port]"; the comparison ignores the scheme (hpod serves one).
  auto sep = origin.find("://");
  if (sep == std::string_view::npos || host_header.empty()) return false;
  return lower(origin.substr(sep + 3)) == lower(host_header);
}

bool safe_method(std::string_view m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

}  // namespace hpod::api
