// Request targets and percent-decoding (daemon/http/http_types.*).
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "daemon/http/http_types.hpp"

using namespace hpod;

TEST_CASE("request targets are decoded") {
  std::string path;
  std::map<std::string, std::string> q;
  REQUIRE(http::parse_target("/api/v1/studies/my%20study%2Fx/trials?state=COMPLETE&x=a+b&flag", path, q));
  CHECK(path == "/api/v1/studies/my%20study%2Fx/trials");  // decoded by the router, per segment
  CHECK(q.at("state") == "COMPLETE");
  CHECK(q.at("x") == "a b");
  CHECK(q.count("flag") == 1);
  CHECK_FALSE(http::parse_target("/bad%zz", path, q));
  CHECK_FALSE(http::parse_target("/trunc%2", path, q));
  CHECK_FALSE(http::parse_target("relative", path, q));
  CHECK_FALSE(http::parse_target("/nul%00byte", path, q));
  std::string out;
  CHECK(http::percent_decode("a%2Fb+c", out));
  CHECK(out == "a/b+c");
  CHECK_FALSE(http::percent_decode("%00", out));
}
