// The daemon's configuration file (daemon/daemon_config.*).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "daemon/daemon_config.hpp"

using namespace hpod;

TEST_CASE("daemon config: defaults, relative paths, refusals") {
  auto c = parse_daemon_config(R"({"listen": "0.0.0.0:9000", "database": "x.db", "runs_dir": "/abs/runs",
      "admin_tokens_sha256": ["9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"]})", "c.json", "/etc/hpod");
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  CHECK(c->host == "0.0.0.0");
  CHECK(c->port == 9000);
  CHECK(c->database == "/etc/hpod/x.db");
  CHECK(c->runs_dir == "/abs/runs");
  CHECK(c->admin_tokens_sha256.front() == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  CHECK(check_daemon_config(*c).ok());
  auto open = parse_daemon_config(R"({"listen": "0.0.0.0:9000"})", "c.json", "/");
  REQUIRE(open.ok());
  CHECK(check_daemon_config(*open).message().find("refusing to listen on 0.0.0.0 without admin tokens") == 0);
  CHECK(check_daemon_config(*parse_daemon_config("{}", "c.json", "/")).ok());
  struct Bad {
    const char* text;
    const char* message;
  };
  for (auto b : {Bad{R"({"listen": "8470"})", "c.json: listen: must be \"host:port\""},
                 Bad{R"({"listen": "127.0.0.1:99999"})", "c.json: listen: the port must be a number 0-65535"},
                 Bad{R"({"admin_tokens_sha256": ["secret"]})", "c.json: admin_tokens_sha256[0]: must be 64 hex characters"},
                 Bad{R"({"optuna_schema": "v4"})", "c.json: optuna_schema: must be"},
                 Bad{R"({"limits": {"max_body_bytes": 10}})", "c.json: limits.max_body_bytes: must be between 1024"},
                 Bad{R"({"databse": "x"})", "c.json: databse: unknown key (did you mean \"database\"?)"},
                 Bad{R"({"public_url": "ftp://x"})", "c.json: public_url: must start with http:// or https://"}}) {
    auto r = parse_daemon_config(b.text, "c.json", "/");
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.status().message().find(b.message) == 0, r.status().message());
  }
}
