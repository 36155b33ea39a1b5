// Inputs that once crashed or misled hpod (issue 13): wrong JSON types, deep nesting,
// unbounded durations, oversized study files, trial numbers past int, exceptions in
// handlers, and the descriptor budget.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/json_check.hpp"
#include "daemon/api/api_internal.hpp"
#include "daemon/executors/file_modes.hpp"
#include "daemon/executors/slurm_batch_script.hpp"
#include "daemon/fd_limit.hpp"
#include "daemon/saturating_duration.hpp"
#include "daemon/studies_dir.hpp"
#include "hpod/study.hpp"
#include "tests/support/api_world.hpp"
#include "tests/support/slurm_test_support.hpp"

using namespace hpod;

namespace {

std::string hardening_nested(std::size_t depth, const std::string& inner = "1") {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += "{\"a\":";
  s += inner;
  for (std::size_t i = 0; i < depth; ++i) s += "}";
  return s;
}

std::string hardening_study(const std::string& extra) {
  return R"({"name": "h", "search_space": {"x": {"type": "float", "low": 0, "high": 1}})" + extra + "}";
}

std::string hardening_detail(const testing::CapturedResponse& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("detail") && j["detail"].is_string() ? j["detail"].get<std::string>() : r.body;
}

}  // namespace

TEST_CASE("JSON nesting: 32 levels parse, 33 are refused with where, before the parser recurses") {
  CHECK(jc::parse_bounded(hardening_nested(31), "x").ok());  // 31 objects + nothing deeper
  CHECK(jc::parse_bounded("[" + hardening_nested(31) + "]", "x").ok());
  auto deep = jc::parse_bounded("[" + hardening_nested(32) + "]", "body");
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().message() == "body: nested deeper than 32 levels of arrays and objects (line 1, column 157)");
  // Brackets inside strings are text, escaped quotes do not end a string.
  CHECK(jc::parse_bounded(R"({"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[[[[[[[[[["})", "x").ok());
  CHECK(jc::parse_bounded("{not json", "x").status().message().find("x: invalid JSON: line 1") == 0);
  // 70,000 levels in 140 KB: refused, not a stack overflow.
  CHECK(jc::parse_bounded(hardening_nested(70000), "x").status().message().find("nested deeper than 32") != std::string::npos);
}

TEST_CASE("study definitions nested too deeply are refused with their source") {
  auto r = parse_study_spec(hardening_study(R"(, "user_attrs": {"deep": )" + hardening_nested(70000) + "}"), "deep.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("deep.json: nested deeper than 32 levels") == 0);
  CHECK(parse_study_spec(hardening_study(R"(, "user_attrs": {"ok": )" + hardening_nested(20) + "}"), "ok.json").ok());
}

TEST_CASE("values read back from the database that nest too deeply stay text") {
  std::string deep = hardening_nested(5000);
  auto v = jc::parse_stored_value(deep);
  REQUIRE(v.is_string());
  CHECK(v.get<std::string>().size() == deep.size());
  CHECK(jc::parse_stored_value("{\"a\": [1, 2]}")["a"][1] == 2);
  CHECK(jc::parse_stored_value("not json") == "not json");
}

TEST_CASE("duration options are bounded and the error states the bound") {
  struct Case {
    const char* extra;
    const char* message;
  };
  const std::string trial = R"(, "budget": {"n_trials": 1}, "trial": {"command": ["true"], )";
  for (auto c : {Case{"\"prune_grace_s\": 1e10}", "h.json: trial.prune_grace_s: must be between 0 and 86400 s (1 day)"},
                 Case{"\"heartbeat_timeout_s\": 1e300}",
                      "h.json: trial.heartbeat_timeout_s: must be between 0 (disabled) and 604800 s (7 days)"}}) {
    CAPTURE(c.extra);
    auto r = parse_study_spec(hardening_study(trial + c.extra), "h.json");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == c.message);
  }
  auto t = parse_study_spec(hardening_study(R"(, "budget": {"timeout_s": 1e12})"), "h.json");
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message() == "h.json: budget.timeout_s: must be > 0 and at most 31622400 s (366 days)");
  auto ok = parse_study_spec(hardening_study(trial + R"("prune_grace_s": 86400, "heartbeat_timeout_s": 0})"), "h.json");
  REQUIRE_MESSAGE(ok.ok(), ok.status().message());
  CHECK(ok->trial->prune_grace_s == 86400);
}

TEST_CASE("a Slurm study with an environment name the shell cannot export is refused at submission") {
  const std::string base = R"(, "budget": {"n_trials": 1}, "trial": {"command": ["true"], "env": {"BAD-NAME": "x", "GOOD_1": "y"}})";
  auto slurm = parse_study_spec(hardening_study(base + R"(, "executor": {"type": "slurm", "cpus_per_task": 4294967297})"), "s.json");
  REQUIRE_FALSE(slurm.ok());
  CHECK(slurm.status().message().find("s.json: trial.env.BAD-NAME: the Slurm executor takes only shell identifiers") !=
        std::string::npos);
  CHECK(slurm.status().message().find("GOOD_1") == std::string::npos);
  CHECK(slurm.status().message().find("s.json: executor.cpus_per_task: must be between 1 and 100000") != std::string::npos);
  // A local trial gets its environment through execve: any name without '=' works there.
  CHECK(parse_study_spec(hardening_study(base), "l.json").ok());
  auto nul = parse_study_spec(hardening_study(R"(, "budget": {"n_trials": 1}, "trial": {"command": ["true"], "env": {"A": "x\u0000y"}})"), "n.json");
  REQUIRE_FALSE(nul.ok());
  CHECK(nul.status().message() == "n.json: trial.env.A: must not contain a NUL byte");
}

TEST_CASE("seconds become clock durations without wrapping") {
  using Clock = std::chrono::steady_clock;
  auto now = Clock::now();
  CHECK(now + saturating_seconds<Clock::duration>(1e10) > now + std::chrono::hours(24 * 365 * 100));  // capped at half the range, ~146 years
  CHECK(now + saturating_seconds<Clock::duration>(1e300) > now);
  CHECK(saturating_seconds<Clock::duration>(std::nan("")) == Clock::duration::zero());
  CHECK(saturating_seconds<Clock::duration>(-5) == Clock::duration::zero());
  CHECK(saturating_seconds<Clock::duration>(1.5) == std::chrono::milliseconds(1500));
}

TEST_CASE("the connection cap leaves descriptors for files and commands") {
  CHECK(connection_cap(1 << 20, 20, 4096) == 4096);
  // Debian's default soft limit: 1024 - 20 open - (64 + 64) kept.
  CHECK(connection_cap(1024, 20, 4096) == 876);
  CHECK(fd_reserve(1024) == 128);
  // A tiny limit still serves someone.
  CHECK(connection_cap(64, 20, 4096) == 22);
  CHECK(connection_cap(10, 20, 4096) == 1);
}

TEST_CASE("trial numbers from paths are never truncated to int") {
  CHECK(api::parse_trial_number("5") == 5);
  CHECK(api::parse_trial_number("2147483647") == 2147483647);
  CHECK_FALSE(api::parse_trial_number("2147483648"));
  CHECK_FALSE(api::parse_trial_number("4294967296"));
  CHECK_FALSE(api::parse_trial_number("4294967301"));
  CHECK_FALSE(api::parse_trial_number("-1"));
}

TEST_CASE("studies dir: oversized and deeply nested files are refused by name, the rest submitted, off the caller's thread") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("hpod-hardening-studies-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "good.json") << hardening_study("");
  std::ofstream(dir / "big.json") << hardening_study(R"(, "user_attrs": {"pad": ")" + std::string(2000, 'x') + "\"}");
  std::ofstream(dir / "deep.json") << hardening_study(R"(, "user_attrs": {"deep": )" + hardening_nested(40) + "}");
  std::vector<std::string> submitted, errors;
  std::vector<std::function<void()>> posted;
  std::mutex mu;
  auto caller = std::this_thread::get_id();
  std::thread::id reader;
  StudiesDir sd(
      dir.string(), [&](StudySpec spec, const std::string&) { submitted.push_back(spec.name); },
      [&](const std::string& m) { errors.push_back(m); },
      [&](std::function<void()> f) {
        std::lock_guard l(mu);
        reader = std::this_thread::get_id();
        posted.push_back(std::move(f));
      },
      1000);
  sd.scan();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    {
      std::lock_guard l(mu);
      if (!posted.empty()) break;
    }
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(submitted.empty());  // nothing is submitted from the reading thread
  CHECK(reader != caller);
  for (auto& f : posted) f();
  CHECK(submitted == std::vector<std::string>{"h"});
  REQUIRE(errors.size() == 2);
  std::string all = errors[0] + "\n" + errors[1];
  CHECK(all.find((dir / "big.json").string() + ": ") != std::string::npos);
  CHECK(all.find("a study file may have at most 1000 bytes") != std::string::npos);
  CHECK(all.find((dir / "deep.json").string() + ": nested deeper than 32 levels") != std::string::npos);
  std::ifstream err(dir / "big.json.error");
  std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  CHECK(text.find("at most 1000 bytes") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("API: a field of the wrong type is a 400 naming it, on every trial write") {
  testing::ApiWorld w("hardening-api", {});
  auto submitted = w.call("POST", "/api/v1/studies", hardening_study(R"(, "sampler": {"type": "random"})"));
  REQUIRE_MESSAGE(submitted->status == 201, submitted->body);
  auto asked = w.call("POST", "/api/v1/studies/h/ask", "");
  REQUIRE(asked->status == 201);
  auto a = nlohmann::json::parse(asked->body);
  std::string tell = "/api/v1/trials/" + std::to_string(a["trial_id"].get<std::int64_t>()) + "/tell";
  std::string report = "/api/v1/trials/" + std::to_string(a["trial_id"].get<std::int64_t>()) + "/report";
  std::string auth = "Bearer " + a["token"].get<std::string>();
  struct Case {
    std::string target, body, field;
  };
  std::vector<Case> cases;
  for (const char* v : {"5", "null", "true", "[]", "{}", "1.5"})
    cases.push_back({tell, std::string(R"({"state": )") + v + R"(, "value": 1})", "state: "});
  cases.push_back({tell, R"({"state": "complete", "value": [1]})", "value: "});
  cases.push_back({tell, R"({"state": "fail", "reason": 7})", "reason: "});
  cases.push_back({tell, R"({"state": "fail", "user_attrs": [1]})", "user_attrs: "});
  cases.push_back({tell, R"({"state": "fail", "user_attrs": {"x": )" + hardening_nested(70000) + "}}", "body: nested deeper"});
  cases.push_back({report, R"({"step": 18446744073709551615, "value": 1})", "step: "});
  cases.push_back({report, R"({"step": 1, "value": {}})", "value: "});
  cases.push_back({"/api/v1/studies/h/enqueue", R"({"params": {"x": 18446744073709551615}})", "params.x: "});
  cases.push_back({"/api/v1/studies/h/enqueue", R"({"params": [1]})", "params: "});
  for (auto& c : cases) {
    CAPTURE(c.body.substr(0, 80));
    auto r = w.call("POST", c.target, c.body, c.target.find("/trials/") != std::string::npos ? auth : "");
    CHECK(r->responses == 1);
    CHECK(r->status == 400);
    CHECK(hardening_detail(*r).find(c.field) == 0);
  }
  auto done = w.call("POST", tell, R"({"state": "complete", "value": 0.5})", auth);
  CHECK(done->status == 200);
}

TEST_CASE("API: the trial endpoints that change state need a token even in the open loopback mode") {
  testing::ApiWorld w("hardening-open", {});  // no admin tokens: admin endpoints are open on loopback
  REQUIRE(w.call("POST", "/api/v1/studies", hardening_study(R"(, "sampler": {"type": "random"})"))->status == 201);
  auto a = nlohmann::json::parse(w.call("POST", "/api/v1/studies/h/ask", "")->body);
  std::string base = "/api/v1/trials/" + std::to_string(a["trial_id"].get<std::int64_t>());
  struct Write {
    std::string path, body;
  };
  for (const Write& x : {Write{"/report", R"({"step": 0, "value": 1})"}, Write{"/heartbeat", ""},
                         Write{"/tell", R"({"state": "complete", "value": 1})"}}) {
    CAPTURE(x.path);
    auto r = w.call("POST", base + x.path, x.body);
    CHECK(r->status == 401);
    CHECK(hardening_detail(*r).find("the trial's token is required") == 0);
  }
  CHECK(w.call("GET", base, "")->status == 200);  // reading stays open, like the admin endpoints
  auto other = w.call("POST", base + "/report", R"({"step": 0, "value": 1})", "Bearer not-a-token");
  CHECK(other->status == 401);
  CHECK(w.call("POST", base + "/report", R"({"step": 0, "value": 1})", "Bearer " + a["token"].get<std::string>())->status == 200);
}

TEST_CASE("API: an exception in a handler is a 500 with a log line, never the daemon's end") {
  api::ApiOptions o;
  o.asset = [](const std::string&, std::string&, std::string&) -> bool { throw std::runtime_error("asset table broken"); };
  testing::ApiWorld w("hardening-barrier", std::move(o));
  auto r = w.call("GET", "/index.html", "");
  CHECK(r->responses == 1);
  CHECK(r->status == 500);
  CHECK(hardening_detail(*r) == "internal error while handling GET /index.html (logged)");
  // And one thrown later, in a completion callback.
  auto out = std::make_shared<testing::CapturedResponse>();
  auto cb = api::guarded(out, "tell on trial 3", [](int) { throw std::logic_error("bug"); });
  cb(1);
  CHECK(out->status == 500);
  CHECK(hardening_detail(*out) == "internal error while handling tell on trial 3 (logged)");
}

TEST_CASE("the daemon's umask is 077; trials (local wrapper, Slurm script) get the one it was started with") {
  mode_t started = ::umask(022);  // what the test process had, restored below
  make_daemon_files_private();
  mode_t now = ::umask(077);
  CHECK(now == 077);
  REQUIRE(trial_umask());
  CHECK(*trial_umask() == 022);
  CHECK(umask_text(022) == "0022");
  auto script = make_batch_script(testing::slurm_launch_spec("/r", "/w"));
  REQUIRE(script.ok());
  auto at = script->find("umask 0022\n");
  REQUIRE(at != std::string::npos);
  CHECK(at < script->find("cd -- '/w'"));  // before the trial's command, after the job's own files
  ::umask(started);
}
