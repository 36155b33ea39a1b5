// Tokens, hashes and credentials in headers (daemon/http/auth.*).
#include <doctest/doctest.h>

#include "daemon/http/auth.hpp"

using namespace hpod;

TEST_CASE("tokens: hashes, randomness, comparison, headers") {
  CHECK(auth::sha256_hex("test") == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  auto a = auth::random_token(), b = auth::random_token();
  CHECK(a.size() == 64);
  CHECK(a != b);
  CHECK(auth::constant_time_equal("abc", "abc"));
  CHECK_FALSE(auth::constant_time_equal("abc", "abd"));
  CHECK_FALSE(auth::constant_time_equal("abc", "abcd"));
  CHECK(auth::bearer_token("Bearer xyz") == "xyz");
  CHECK(auth::bearer_token("bearer  xyz ") == "xyz");
  CHECK_FALSE(auth::bearer_token("Basic xyz"));
  CHECK_FALSE(auth::bearer_token("Bearer "));
  CHECK(auth::cookie_value("a=1; hpod_session=s3cret; b=2", "hpod_session") == "s3cret");
  CHECK_FALSE(auth::cookie_value("a=1", "hpod_session"));
}
