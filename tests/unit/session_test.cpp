// Dashboard sessions: random ids stored only as hashes, expiry, logout, the session cap,
// the CSRF token, the cookie's attributes, and the checks on tokenless browser requests.
#include <doctest/doctest.h>

#include "daemon/api/sessions.hpp"
#include "daemon/http/auth.hpp"

using namespace hpod;
using namespace hpod::api;
using namespace std::chrono_literals;

TEST_CASE("a session is valid until it expires, and only its hash is stored") {
  SessionStore store(SessionOptions{std::chrono::seconds(3600), 10});
  auto t0 = SessionStore::Clock::time_point{} + 1000h;
  auto s = store.create(t0);
  CHECK(s.id.size() == 64);
  CHECK(s.max_age == 3600s);
  CHECK(store.valid(s.id, t0));
  CHECK(store.valid(s.id, t0 + 3599s));
  CHECK(store.remaining(s.id, t0 + 3000s) == std::chrono::seconds(600));
  CHECK(store.stores_key(auth::sha256_hex(s.id)));
  CHECK_FALSE(store.stores_key(s.id));
  CHECK_FALSE(store.valid(s.id, t0 + 3600s));
  CHECK(store.size() == 0);  // dropped once seen expired
  CHECK_FALSE(store.valid(s.id, t0));
}

TEST_CASE("ids are random, unknown or empty ids are refused, logout ends a session") {
  SessionStore store;
  auto now = SessionStore::Clock::now();
  auto a = store.create(now), b = store.create(now);
  CHECK(a.id != b.id);
  CHECK(a.csrf != b.csrf);
  CHECK_FALSE(store.valid("", now));
  CHECK_FALSE(store.valid(auth::sha256_hex(a.id), now));  // the stored hash is not a key to get in
  CHECK_FALSE(store.valid(a.id + "0", now));
  CHECK(store.remove(a.id));
  CHECK_FALSE(store.valid(a.id, now));
  CHECK(store.valid(b.id, now));
  CHECK_FALSE(store.remove(a.id));
}

TEST_CASE("beyond the cap the session closest to expiry goes; expired ones go first") {
  SessionStore store(SessionOptions{std::chrono::seconds(100), 3});
  auto t0 = SessionStore::Clock::time_point{} + 1000h;
  auto s1 = store.create(t0);
  auto s2 = store.create(t0 + 10s);
  auto s3 = store.create(t0 + 20s);
  auto s4 = store.create(t0 + 30s);
  CHECK(store.size() == 3);
  CHECK_FALSE(store.valid(s1.id, t0 + 30s));
  CHECK(store.valid(s2.id, t0 + 30s));
  auto s5 = store.create(t0 + 115s);  // s2 has expired by now: no live session is pushed out
  CHECK(store.valid(s3.id, t0 + 115s));
  CHECK(store.valid(s4.id, t0 + 115s));
  CHECK(store.valid(s5.id, t0 + 115s));
}

TEST_CASE("the CSRF token belongs to its session and does not reveal the id") {
  SessionStore store;
  auto s = store.create(SessionStore::Clock::now());
  CHECK(s.csrf == csrf_token_for(s.id));
  CHECK(csrf_matches(s.id, s.csrf));
  CHECK_FALSE(csrf_matches(s.id, ""));
  CHECK_FALSE(csrf_matches(s.id, "1"));
  CHECK_FALSE(csrf_matches(s.id, s.id));
  CHECK(s.csrf.find(s.id) == std::string::npos);
  auto other = store.create(SessionStore::Clock::now());
  CHECK_FALSE(csrf_matches(other.id, s.csrf));
}

TEST_CASE("the cookie is HttpOnly and SameSite=Strict, Secure over TLS, and ends with Max-Age=0") {
  std::string c = session_cookie("abc", 3600s, false);
  CHECK(c == "hpod_session=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict");
  CHECK(session_cookie("abc", 3600s, true) == "__Host-" + c + "; Secure");
  CHECK(session_cookie("", 0s, false).find("Max-Age=0") != std::string::npos);
  CHECK(auth::cookie_value("a=1; " + c.substr(0, c.find(';')) + "; b=2", kSessionCookie) == std::optional<std::string>("abc"));
}

TEST_CASE("every session cookie value is tried: a planted one locks nobody out; over TLS only the __Host- name counts") {
  SessionStore store;
  auto now = SessionStore::Clock::now();
  auto s = store.create(now);
  CHECK(auth::cookie_values("hpod_session=junk; a=1; hpod_session=" + s.id + "; hpod_session=", kSessionCookie) ==
        std::vector<std::string>{"junk", s.id, ""});
  CHECK(store.find_live("hpod_session=junk; hpod_session=" + s.id, false, now) == s.id);
  CHECK(store.find_live("hpod_session=" + s.id + "; hpod_session=junk", false, now) == s.id);
  CHECK_FALSE(store.find_live("hpod_session=junk; hpod_session=" + std::string(64, '0'), false, now));
  CHECK_FALSE(store.find_live("hpod_session=" + s.id, true, now));
  CHECK(store.find_live("hpod_session=junk; __Host-hpod_session=" + s.id, true, now) == s.id);
  CHECK_FALSE(store.find_live("__Host-hpod_session=" + s.id, false, now));
  store.remove(s.id);
  CHECK_FALSE(store.find_live("hpod_session=" + s.id, false, now));
}

TEST_CASE("tokenless requests: loopback host names only, and no cross-origin state changes") {
  for (const char* h : {"127.0.0.1:8470", "localhost:8470", "LOCALHOST", "[::1]:8470", "127.1.2.3", "app.localhost:1", ""})
    CHECK_MESSAGE(loopback_host(h), h);
  for (const char* h : {"evil.example:8470", "127.0.0.1.evil.example", "128.0.0.1", "localhost.evil.example", "[::2]:80",
                        "127.0.0.1x", "0x7f.0.0.1"})
    CHECK_MESSAGE(!loopback_host(h), h);
  CHECK(same_origin("http://127.0.0.1:8470", "127.0.0.1:8470"));
  CHECK(same_origin("https://Localhost:8470", "localhost:8470"));
  CHECK_FALSE(same_origin("http://evil.example", "127.0.0.1:8470"));
  CHECK_FALSE(same_origin("http://127.0.0.1:8471", "127.0.0.1:8470"));
  CHECK_FALSE(same_origin("null", "127.0.0.1:8470"));
  CHECK_FALSE(same_origin("http://127.0.0.1:8470", ""));
  CHECK(safe_method("GET"));
  CHECK(safe_method("HEAD"));
  CHECK_FALSE(safe_method("POST"));
  CHECK_FALSE(safe_method("DELETE"));
}
