// The API's router (daemon/api/router.*): captures, methods, per-segment decoding.
#include <doctest/doctest.h>

#include "daemon/api/router.hpp"

using namespace hpod;

TEST_CASE("router: captures, methods, 404 and 405") {
  api::Router r;
  int hit = 0;
  r.add("GET", "/api/v1/studies/{name}", api::Access::kAdmin, [&](http::Request&, const api::PathParams&, auto) { hit = 1; });
  r.add("POST", "/api/v1/studies/{name}/ask", api::Access::kAdmin, [&](http::Request&, const api::PathParams&, auto) { hit = 2; });
  const api::Route* route = nullptr;
  api::PathParams p;
  CHECK(r.find("GET", "/api/v1/studies/mnist", route, p) == api::Router::Match::kFound);
  CHECK(p.at("name") == "mnist");
  CHECK(r.find("HEAD", "/api/v1/studies/mnist", route, p) == api::Router::Match::kFound);
  CHECK(r.find("DELETE", "/api/v1/studies/mnist", route, p) == api::Router::Match::kNoMethod);
  CHECK(r.methods_for("/api/v1/studies/x/ask") == std::vector<std::string>{"POST"});
  CHECK(r.find("GET", "/api/v1/studies/mnist/extra/x", route, p) == api::Router::Match::kNoPath);
  CHECK(r.find("GET", "/api/v1/studies//", route, p) == api::Router::Match::kNoPath);
}

TEST_CASE("router: paths are split at their real slashes, then each segment is decoded") {
  api::Router r;
  r.add("GET", "/api/v1/studies/{name}", api::Access::kAdmin, [](http::Request&, const api::PathParams&, auto) {});
  r.add("GET", "/api/v1/studies/{name}/columns", api::Access::kAdmin, [](http::Request&, const api::PathParams&, auto) {});
  const api::Route* route = nullptr;
  api::PathParams p;
  // An Optuna study named "group/run 1": one segment, decoded after the split.
  REQUIRE(r.find("GET", "/api/v1/studies/group%2Frun%201/columns", route, p) == api::Router::Match::kFound);
  CHECK(route->segments.back() == "columns");
  CHECK(p.at("name") == "group/run 1");
  REQUIRE(r.find("GET", "/api/v1/studies/a%2Fcolumns", route, p) == api::Router::Match::kFound);
  CHECK(route->segments.back() == "{name}");
  CHECK(p.at("name") == "a/columns");
  CHECK(r.find("GET", "/api/v1/studies/%2E%2E", route, p) == api::Router::Match::kFound);
  CHECK(p.at("name") == "..");
  CHECK(r.find("GET", "/api/v1/studies/bad%zz", route, p) == api::Router::Match::kNoPath);
  CHECK(r.methods_for("/api/v1/studies/x%2Fy").size() == 1);
}
