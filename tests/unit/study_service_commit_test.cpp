// The service's promise about writes, against a real SQLite file and a second connection
// playing "another program": no answer before the commit (retries included), a write the
// database refuses for good stops all further writes, a trial finished by another program
// is adopted and never overwritten, and plans in flight together get distinct numbers.
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <doctest/doctest.h>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "daemon/events/event_hub.hpp"
#include "daemon/service/study_service.hpp"
#include "daemon/storage/storage_writer.hpp"
#include "daemon/worker_pool.hpp"

namespace {

using namespace hpod;

// A second connection to the same file: holds the write lock, plants triggers, or finishes
// a trial as optuna-dashboard would.
class OtherProgram {
 public:
  explicit OtherProgram(const std::string& path) { REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK); }
  ~OtherProgram() { sqlite3_close(db_); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }
  std::string query_one(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out = "<none>";
    if (sqlite3_step(st) == SQLITE_ROW) {
      auto* text = sqlite3_column_text(st, 0);
      out = text ? reinterpret_cast<const char*>(text) : "NULL";
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

struct CommitWorld {
  std::string dir, path;
  std::unique_ptr<Storage> storage;
  std::mutex mu;
  std::deque<std::function<void()>> posted;
  std::unique_ptr<StorageWriter> writer;
  EventHub events{100};
  std::unique_ptr<WorkerPool> pool;
  std::unique_ptr<StudyService> service;
  std::vector<std::string> errors, warnings;

  explicit CommitWorld(bool with_pool = false) {
    static int counter = 0;
    dir = (std::filesystem::temp_directory_path() /
           ("hpod-commit-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
              .string();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path = dir + "/c.db";
    StorageOptions o;
    o.path = path;
    o.synchronous = "NORMAL";
    o.busy_timeout_ms = 20;  // the lock test should retry many times, quickly
    storage = std::move(Storage::open(o)).value();
    StorageWriterOptions wo;
    wo.retry_initial = std::chrono::milliseconds(5);
    wo.retry_max = std::chrono::milliseconds(20);
    wo.stop_retry = std::chrono::milliseconds(100);
    writer = std::make_unique<StorageWriter>(*storage, [this](std::function<void()> f) { post(std::move(f)); }, wo);
    ServiceOptions so;
    so.error = [this](const std::string& m) { errors.push_back(m); };
    so.warn = [this](const std::string& m) { warnings.push_back(m); };
    if (with_pool) {
      pool = std::make_unique<WorkerPool>(2);
      so.sampler_pool = pool.get();
      so.post = [this](std::function<void()> f) { post(std::move(f)); };
    }
    service = std::make_unique<StudyService>(*writer, events, so);
  }
  ~CommitWorld() {
    if (pool) pool->stop();
    writer->stop();
    storage.reset();
    std::filesystem::remove_all(dir);
  }
  void post(std::function<void()> f) {
    std::lock_guard l(mu);
    posted.push_back(std::move(f));
  }
  // Runs posted completions (the io_context's job) until `done` holds; false after ~10 s.
  bool run_until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::deque<std::function<void()>> now;
      {
        std::lock_guard l(mu);
        now.swap(posted);
      }
      for (auto& f : now) f();
      if (now.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }
  StudyRuntime& study(const std::string& definition) {
    auto spec = parse_study_spec(definition, "test");
    REQUIRE(spec.ok());
    StudyRuntime* s = nullptr;
    service->submit_study(std::move(*spec), [&](Result<StudyRuntime*> r, bool) {
      REQUIRE(r.ok());
      s = *r;
    });
    REQUIRE(run_until([&] { return s != nullptr; }));
    return *s;
  }
  AskResult ask(StudyRuntime& s) {
    std::optional<AskResult> out;
    service->ask(s, [&](Result<AskResult> r) {
      REQUIRE(r.ok());
      out = *r;
    });
    REQUIRE(run_until([&] { return out.has_value(); }));
    return *out;
  }
};

const char* kPlainStudy = R"({"name": "c", "direction": "minimize",
  "search_space": {"x": {"type": "float", "low": 0, "high": 1}}, "sampler": {"type": "random", "seed": 1}})";
const char* kPruningStudy = R"({"name": "c", "direction": "minimize",
  "search_space": {"x": {"type": "float", "low": 0, "high": 1}}, "sampler": {"type": "random", "seed": 1},
  "pruner": {"type": "threshold", "upper": 10}})";

}  // namespace

TEST_CASE("a report and its retry are answered only after the write commits, while another program holds the lock") {
  CommitWorld w;
  StudyRuntime& s = w.study(kPlainStudy);
  AskResult t = w.ask(s);
  OtherProgram other(w.path);
  other.exec("BEGIN IMMEDIATE");

  std::optional<Status> first, retry;
  w.service->report(t.trial_id, 0, 0.5, [&](Result<ReportResult> r) { first = r.status(); });
  w.service->report(t.trial_id, 0, 0.5, [&](Result<ReportResult> r) { retry = r.status(); });
  // Wait until the writer has met the lock several times: neither may be answered yet.
  REQUIRE(w.run_until([&] { return w.writer->stats().retried_commits >= 3; }));
  CHECK_FALSE(first.has_value());
  CHECK_FALSE(retry.has_value());
  CHECK(w.writer->health().code() == Status::Code::kUnavailable);
  // Meanwhile new writes are refused at once rather than queued in memory.
  std::optional<Status> fresh;
  w.service->report(t.trial_id, 1, 0.4, [&](Result<ReportResult> r) { fresh = r.status(); });
  REQUIRE(fresh.has_value());
  CHECK(fresh->code() == Status::Code::kUnavailable);

  other.exec("COMMIT");
  REQUIRE(w.run_until([&] { return first.has_value() && retry.has_value(); }));
  CHECK(first->ok());
  CHECK(retry->ok());
  CHECK(w.writer->health().ok());
  CHECK(w.service->writable().ok());
  CHECK(other.query_one("SELECT intermediate_value FROM trial_intermediate_values WHERE step = 0") == "0.5");
  CHECK(other.query_one("SELECT COUNT(*) FROM trial_intermediate_values") == "1");
}

TEST_CASE("a write the database refuses for good: no acknowledgement, not even for the retry, and no more writes") {
  CommitWorld w;
  StudyRuntime& s = w.study(kPlainStudy);
  AskResult t = w.ask(s);
  OtherProgram other(w.path);
  other.exec("CREATE TRIGGER refuse BEFORE INSERT ON trial_intermediate_values BEGIN SELECT RAISE(ABORT, 'refused by test'); END");

  std::optional<Status> first, retry, later;
  w.service->report(t.trial_id, 0, 0.5, [&](Result<ReportResult> r) { first = r.status(); });
  w.service->report(t.trial_id, 0, 0.5, [&](Result<ReportResult> r) { retry = r.status(); });
  REQUIRE(w.run_until([&] { return first.has_value() && retry.has_value(); }));
  CHECK_FALSE(first->ok());
  CHECK_FALSE(retry->ok());
  CHECK(w.service->writable().code() == Status::Code::kUnavailable);
  CHECK(w.service->writable().message().find("restart hpod") != std::string::npos);
  REQUIRE(w.errors.size() == 1);
  CHECK(w.errors[0].find("refused by test") != std::string::npos);

  w.service->report(t.trial_id, 1, 0.4, [&](Result<ReportResult> r) { later = r.status(); });
  REQUIRE(later.has_value());
  CHECK(later->code() == Status::Code::kUnavailable);
  TellRequest tell;
  tell.value = 0.3;
  std::optional<Status> told;
  w.service->tell(t.trial_id, tell, [&](Result<TrialState> r) { told = r.status(); });
  REQUIRE(told.has_value());
  CHECK(told->code() == Status::Code::kUnavailable);
  CHECK(other.query_one("SELECT state FROM trials") == "RUNNING");
}

TEST_CASE("a trial another program finished is adopted, never overwritten") {
  CommitWorld w;
  StudyRuntime& s = w.study(kPruningStudy);
  AskResult t = w.ask(s);
  OtherProgram other(w.path);
  // What optuna-dashboard's "tell" does to a RUNNING trial.
  other.exec("UPDATE trials SET state = 'COMPLETE', datetime_complete = '2026-01-01 00:00:00.000000' WHERE trial_id = " +
             std::to_string(t.trial_id));
  other.exec("INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (" + std::to_string(t.trial_id) +
             ", 0, 0.25, 'FINITE')");

  // A report above the threshold would prune the trial: it must not overwrite COMPLETE.
  std::optional<Status> reported;
  w.service->report(t.trial_id, 0, 50.0, [&](Result<ReportResult> r) { reported = r.status(); });
  REQUIRE(w.run_until([&] { return reported.has_value(); }));
  CHECK(reported->code() == Status::Code::kConflict);
  CHECK(reported->message().find("another program") != std::string::npos);
  CHECK(other.query_one("SELECT state FROM trials") == "COMPLETE");
  CHECK(other.query_one("SELECT value FROM trial_values") == "0.25");
  CHECK(other.query_one("SELECT COUNT(*) FROM trial_system_attributes WHERE key = 'pruned_at_step'") == "0");
  const FrozenTrial* mem = s.trial(t.number);
  CHECK(mem->state == TrialState::kComplete);
  REQUIRE(mem->values.size() == 1);
  CHECK(mem->values[0] == 0.25);
  CHECK(w.service->writable().ok());  // an adopted outcome is not a storage failure
  REQUIRE(w.warnings.size() == 1);
  CHECK(w.warnings[0].find("another program") != std::string::npos);

  // The trial's own late tell is refused, not applied.
  TellRequest tell;
  tell.value = 0.9;
  std::optional<Status> told;
  w.service->tell(t.trial_id, tell, [&](Result<TrialState> r) { told = r.status(); });
  REQUIRE(w.run_until([&] { return told.has_value(); }));
  CHECK(told->code() == Status::Code::kConflict);
  CHECK(other.query_one("SELECT value FROM trial_values") == "0.25");
}

TEST_CASE("a tell of PRUNED after a report pruned the trial stores its attributes") {
  CommitWorld w;
  StudyRuntime& s = w.study(kPruningStudy);
  AskResult t = w.ask(s);
  std::optional<Result<ReportResult>> reported;
  w.service->report(t.trial_id, 3, 50.0, [&](Result<ReportResult> r) { reported = std::move(r); });
  REQUIRE(w.run_until([&] { return reported.has_value(); }));
  REQUIRE(reported->ok());
  REQUIRE((*reported)->should_prune);

  TellRequest tell;
  tell.state = TrialState::kPruned;
  tell.user_attrs["note"] = "\"stopped by the pruner\"";
  std::optional<Result<TrialState>> told;
  w.service->tell(t.trial_id, tell, [&](Result<TrialState> r) { told = std::move(r); });
  REQUIRE(w.run_until([&] { return told.has_value(); }));
  REQUIRE(told->ok());
  CHECK(**told == TrialState::kPruned);
  OtherProgram other(w.path);
  CHECK(other.query_one("SELECT value_json FROM trial_user_attributes WHERE key = 'note'") == "\"stopped by the pruner\"");
  CHECK(s.trial(t.number)->user_attrs.at("note") == "\"stopped by the pruner\"");
}

TEST_CASE("asks planned together get distinct trial numbers, so a seeded study gives them distinct parameters") {
  CommitWorld w(/*with_pool=*/true);
  StudyRuntime& s = w.study(kPlainStudy);
  std::vector<AskResult> asked;
  for (int i = 0; i < 8; ++i)
    w.service->ask(s, [&](Result<AskResult> r) {
      REQUIRE(r.ok());
      asked.push_back(*r);
    });
  REQUIRE(w.run_until([&] { return asked.size() == 8; }));
  std::set<double> xs;
  std::set<int> numbers;
  for (auto& a : asked) {
    numbers.insert(a.number);
    xs.insert(std::get<double>(a.params.at("x")));
  }
  CHECK(numbers.size() == 8);
  CHECK(xs.size() == 8);
  CHECK(s.numbers_reserved == 0);
}

TEST_CASE("writes still waiting for the lock when hpod stops are reported failed, never acknowledged") {
  CommitWorld w;
  StudyRuntime& s = w.study(kPlainStudy);
  AskResult t = w.ask(s);
  OtherProgram other(w.path);
  other.exec("BEGIN IMMEDIATE");
  std::optional<Status> reported;
  w.service->report(t.trial_id, 0, 0.5, [&](Result<ReportResult> r) { reported = r.status(); });
  REQUIRE(w.run_until([&] { return w.writer->stats().retried_commits >= 2; }));
  w.writer->stop();  // gives up after stop_retry (100 ms here)
  REQUIRE(w.run_until([&] { return reported.has_value(); }));
  CHECK(reported->code() == Status::Code::kUnavailable);
  CHECK(reported->message().find("stopping") != std::string::npos);
  other.exec("COMMIT");
  CHECK(other.query_one("SELECT COUNT(*) FROM trial_intermediate_values") == "0");
}
