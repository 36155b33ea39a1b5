// The daemon's small parts on their own: configuration, routing, tokens, command lines,
// job outcomes, the storage writer.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "daemon/api/router.hpp"
#include "daemon/daemon_config.hpp"
#include "daemon/http/auth.hpp"
#include "daemon/http/http_types.hpp"
#include "daemon/orchestrator/command_line.hpp"
#include "daemon/orchestrator/outcome.hpp"
#include "daemon/storage/storage_writer.hpp"
#include "daemon/studies_dir.hpp"

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

TEST_CASE("command lines: placeholders, quoting, environment") {
  FrozenTrial t;
  t.id = 12;
  t.number = 3;
  t.params["lr"] = TrialParam{1e-05, *make_float_distribution(1e-6, 1, true, std::nullopt)};
  t.params["layers"] = TrialParam{4, *make_int_distribution(1, 8, false, 1)};
  t.params["name"] = TrialParam{1, CategoricalDistribution{{std::string("a"), std::string("it's $(rm -rf /)")}}};
  TrialSpec argv_spec;
  argv_spec.argv = {"python3", "train.py", "--lr={lr}", "--layers", "{layers}", "{{literal}}", "{name}"};
  CHECK(trial_argv(argv_spec, t) ==
        std::vector<std::string>{"python3", "train.py", "--lr=1e-05", "--layers", "4", "{literal}", "it's $(rm -rf /)"});
  TrialSpec shell_spec;
  shell_spec.shell = "echo {name} > out-{layers}.txt";
  auto sh = trial_argv(shell_spec, t);
  REQUIRE(sh.size() == 3);
  CHECK(sh[0] == "/bin/sh");
  CHECK(sh[2] == "echo 'it'\"'\"'s $(rm -rf /)' > out-'4'.txt");
  CHECK(placeholder_text(ParamValue{true}) == "true");
  CHECK(placeholder_text(ParamValue{std::monostate{}}) == "null");
  CHECK(placeholder_text(ParamValue{0.1}) == "0.1");
  TrialSpec env_spec;
  env_spec.env = {{"DATA", "/scratch"}};
  auto env = trial_env(env_spec, t, {"http://h:1", "s", "tok", "/runs/s/3"});
  CHECK(env.at("DATA") == "/scratch");
  CHECK(env.at("HPOD_TRIAL_ID") == "12");
  CHECK(env.at("HPOD_TRIAL_NUMBER") == "3");
  CHECK(env.at("HPOD_TOKEN") == "tok");
  CHECK(env.at("HPOD_HEARTBEAT_TIMEOUT_S") == "900.0");  // the client heartbeats at a fraction of it
  CHECK(env.at("HPOD_PARAMS") == R"x({"layers":4,"lr":1e-05,"name":"it's $(rm -rf /)"})x");
}

TEST_CASE("job outcomes become trial states as DESIGN.md says") {
  FrozenTrial t;
  t.intermediate_values.insert(0, 2.0);
  t.intermediate_values.insert(1, 1.5);
  TrialSpec spec;
  auto status = [](std::string state, int code, bool retryable = false, bool by_hpod = false) {
    JobStatus s;
    s.phase = JobPhase::kFinished;
    s.state = std::move(state);
    s.exit_code = code;
    s.retryable = retryable;
    s.cancelled_by_hpod = by_hpod;
    return s;
  };
  auto o = settle_outcome(t, status("COMPLETED", 0), spec);
  CHECK(o.state == TrialState::kFail);
  CHECK(o.reason == "exited without a final value");
  spec.final_value = FinalValueMode::kLastReport;
  o = settle_outcome(t, status("EXITED", 0), spec);
  CHECK(o.state == TrialState::kComplete);
  CHECK(o.values == std::vector<double>{1.5});
  spec.final_value = FinalValueMode::kTell;
  for (const char* s : {"FAILED", "TIMEOUT", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"}) {
    o = settle_outcome(t, status(s, 1), spec);
    CHECK(o.state == TrialState::kFail);
    CHECK_FALSE(o.retry);
    CHECK(o.reason.rfind(s, 0) == 0);
  }
  CHECK(settle_outcome(t, status("FAILED", 2), spec).reason == "FAILED (exit code 2)");
  CHECK(settle_outcome(t, status("CANCELLED", 0), spec).reason == "CANCELLED by someone else (outside hpod)");
  CHECK(settle_outcome(t, status("CANCELLED", 0, false, true), spec).reason == "CANCELLED");
  for (const char* s : {"NODE_FAIL", "PREEMPTED", "LOST"}) {
    o = settle_outcome(t, status(s, -1, true), spec);
    CHECK(o.state == TrialState::kFail);
    CHECK(o.retry);
  }
}

TEST_CASE("the last lines of a file") {
  auto p = std::filesystem::temp_directory_path() / "hpod-tail-test.txt";
  {
    std::ofstream f(p);
    for (int i = 0; i < 50; ++i) f << "line " << i << "\n";
  }
  std::string tail = file_tail(p.string(), 3);
  CHECK(tail == "line 47\nline 48\nline 49");
  CHECK(file_tail(p.string(), 100, 20) == "line 48\nline 49");  // no partial first line
  CHECK(file_tail("/nonexistent/file") == "");
  std::filesystem::remove(p);
}

TEST_CASE("study files: a relative workdir becomes absolute against the file") {
  auto out = with_absolute_workdir(R"({"name": "s", "trial": {"command": ["x"], "workdir": "../run"}})", "/data/studies");
  CHECK(out.find("\"workdir\": \"/data/run\"") != std::string::npos);
  auto dflt = with_absolute_workdir(R"({"name": "s", "trial": {"command": ["x"]}})", "/data/studies");
  CHECK(dflt.find("\"workdir\": \"/data/studies\"") != std::string::npos);
  CHECK(with_absolute_workdir("{not json", "/x") == "{not json");
  std::string abs = R"({"trial": {"workdir": "/abs"}})";
  CHECK(with_absolute_workdir(abs, "/x") == abs);
}

TEST_CASE("the storage writer groups writes, isolates a failing one, and stops cleanly") {
  auto dir = std::filesystem::temp_directory_path() / ("hpod-writer-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  StorageOptions o;
  o.path = (dir / "w.db").string();
  o.synchronous = "NORMAL";
  auto storage = std::move(Storage::open(o)).value();
  std::mutex mu;
  std::vector<std::function<void()>> posted;
  StorageWriter w(*storage, [&](std::function<void()> f) {
    std::lock_guard l(mu);
    posted.push_back(std::move(f));
  });
  auto sid = std::make_shared<std::int64_t>();
  std::atomic<int> done{0};
  std::vector<Status> results(201);
  w.submit([sid](Storage& s) -> Status {
    auto r = s.create_study("w", {StudyDirection::kMinimize});
    if (!r.ok()) return r.status();
    *sid = *r;
    FrozenTrial t;
    return s.create_trial(*sid, t).status();
  }, [&](const Status& st) { results[0] = st; done++; });
  for (int i = 1; i <= 200; ++i) {
    w.submit(
        [i](Storage& s) -> Status {
          if (i == 100) return Status::InvalidArgument("write 100 is bad");
          return s.add_intermediate_value(1, i, i * 0.5);
        },
        [&, i](const Status& st) {
          results[static_cast<std::size_t>(i)] = st;
          done++;
        });
  }
  for (int spins = 0; spins < 10000 && done.load() < 201; ++spins) {
    std::vector<std::function<void()>> now;
    {
      std::lock_guard l(mu);
      now.swap(posted);
    }
    for (auto& f : now) f();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(done.load() == 201);
  for (int i = 0; i <= 200; ++i) CHECK_MESSAGE(results[static_cast<std::size_t>(i)].ok() == (i != 100), i);
  CHECK(results[100].message() == "write 100 is bad");
  auto stats = w.stats();
  CHECK(stats.ops == 201);
  CHECK(stats.batches < 201);                   // grouped
  CHECK(stats.failed_ops >= 1);
  w.stop();
  auto loaded = storage->load_study("w");
  REQUIRE(loaded.ok());
  CHECK(loaded->trials[0].intermediate_values.size() == 199);
  std::filesystem::remove_all(dir);
}
