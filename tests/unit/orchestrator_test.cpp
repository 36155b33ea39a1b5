// The orchestrator's rules with time moved by hand and a scripted executor: a real SQLite
// file and storage writer, executor calls made inline, and the owner thread's queue drained
// by the test. No test sleeps for a timeout; waits are only for the writer's commits.
#include <unistd.h>

#include <deque>
#include <doctest/doctest.h>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "daemon/events/event_hub.hpp"
#include "daemon/orchestrator/orchestrator.hpp"
#include "daemon/service/study_service.hpp"
#include "daemon/storage/storage_writer.hpp"
#include "tests/unit/fake_executor.hpp"

namespace {

using namespace hpod;
using hpod::testing::FakeClock;
using hpod::testing::FakeExecutor;

std::string orch_test_dir() {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("hpod-orch-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// One hpod run on a database file: service, orchestrator, fake executor, fake clock.
struct OrchWorld {
  std::string dir;
  bool owns_dir;
  FakeClock& clock;
  FakeExecutor executor;
  std::unique_ptr<Storage> storage;
  std::mutex mu;
  std::deque<std::function<void()>> posted;
  std::unique_ptr<StorageWriter> writer;
  EventHub events{100};
  std::unique_ptr<StudyService> service;
  std::unique_ptr<Orchestrator> orch;
  std::vector<std::string> warnings;

  // `dir` empty: a fresh directory, removed at the end; else a restart on that directory.
  OrchWorld(FakeClock& c, const std::string& existing_dir = "", int pause_after_refusals = 3)
      : dir(existing_dir.empty() ? orch_test_dir() : existing_dir), owns_dir(existing_dir.empty()), clock(c) {
    StorageOptions o;
    o.path = dir + "/o.db";
    o.synchronous = "NORMAL";
    storage = std::move(Storage::open(o)).value();
    writer = std::make_unique<StorageWriter>(*storage, [this](std::function<void()> f) { post(std::move(f)); });
    ServiceOptions so;
    so.clock = &clock;
    so.warn = [this](const std::string& m) { warnings.push_back(m); };
    so.error = so.warn;
    service = std::make_unique<StudyService>(*writer, events, so);
    REQUIRE(service->load(*storage).ok());
    OrchestratorOptions oo;
    oo.runs_dir = dir + "/runs";
    oo.default_workdir = dir;
    oo.public_url = "http://127.0.0.1:1";
    oo.poll_interval_s = 2;
    oo.local_poll_interval_s = 1;
    oo.kill_after_term_s = 10;
    oo.pause_after_refusals = pause_after_refusals;
    oo.clock = &clock;
    oo.executor_calls_inline = true;
    oo.post = [this](std::function<void()> f) { post(std::move(f)); };
    oo.warn = [this](const std::string& m) { warnings.push_back(m); };
    orch = std::make_unique<Orchestrator>(*service, std::map<std::string, Executor*>{{"local", &executor}}, oo);
    service->set_observer(orch.get());
  }
  ~OrchWorld() {
    settle();
    orch->shutdown();
    writer->stop();
    orch.reset();
    service.reset();
    storage.reset();
    if (owns_dir) std::filesystem::remove_all(dir);
  }
  void post(std::function<void()> f) {
    std::lock_guard l(mu);
    posted.push_back(std::move(f));
  }
  bool drain_once() {
    std::deque<std::function<void()>> now;
    {
      std::lock_guard l(mu);
      now.swap(posted);
    }
    for (auto& f : now) f();
    return !now.empty();
  }
  // Runs posted work until nothing is left and every write committed and was answered.
  // Bounded: waits only for the writer thread.
  void settle() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      bool barrier_done = false;
      writer->barrier([&](const Status&) { barrier_done = true; });
      while (!barrier_done) {
        if (!drain_once()) std::this_thread::yield();
        if (std::chrono::steady_clock::now() > deadline) FAIL("the storage writer did not answer within 10 s");
      }
      if (!drain_once() && writer->pending() == 0) return;
    }
  }
  // Time passes, then one tick of the loop and its consequences.
  void tick_after(double seconds) {
    clock.advance(seconds);
    orch->tick();
    settle();
  }
  StudyRuntime& study(const std::string& definition) {
    auto spec = parse_study_spec(definition, "test");
    REQUIRE(spec.ok());
    StudyRuntime* s = nullptr;
    service->submit_study(std::move(*spec), [&](Result<StudyRuntime*> r, bool) {
      REQUIRE(r.ok());
      s = *r;
    });
    settle();
    REQUIRE(s != nullptr);
    return *s;
  }
  void control(StudyRuntime& s, StudyControl c) {
    service->set_control(s, c, [](const Status& st) { REQUIRE(st.ok()); });
    settle();
  }
  std::int64_t id_of(StudyRuntime& s, int number) { return s.trial(number)->id; }
};

std::string orch_study(const std::string& budget, const std::string& trial_extra, const std::string& pruner = "") {
  return R"({"name": "o", "direction": "minimize",
    "search_space": {"x": {"type": "float", "low": 0, "high": 1}}, "sampler": {"type": "random", "seed": 1},)" +
         (pruner.empty() ? "" : "\"pruner\": " + pruner + ",") + R"("budget": )" + budget +
         R"(, "trial": {"command": ["true"])" + (trial_extra.empty() ? "" : ", " + trial_extra) + "}}";
}

TrialState orch_state(StudyRuntime& s, int number) { return s.trial(number)->state; }

std::string orch_attr(StudyRuntime& s, int number, const std::string& key) {
  const auto& a = s.trial(number)->system_attrs;
  auto it = a.find(key);
  return it == a.end() ? "<none>" : it->second;
}

}  // namespace

TEST_CASE("orchestrator: only trials that sent a heartbeat are held to heartbeat_timeout_s") {
  FakeClock clock;
  OrchWorld w(clock);
  StudyRuntime& s = w.study(orch_study(R"({"n_trials": 2, "max_parallel": 2})", R"("heartbeat_timeout_s": 60)"));
  w.tick_after(0);
  REQUIRE(w.executor.launched_ids.size() == 2);
  w.service->heartbeat(w.id_of(s, 0), [](const Status& st) { REQUIRE(st.ok()); });
  w.settle();

  w.tick_after(59);
  CHECK(orch_state(s, 0) == TrialState::kRunning);
  w.tick_after(2);
  CHECK(orch_state(s, 0) == TrialState::kFail);
  CHECK(orch_attr(s, 0, "fail_reason").find("heartbeat_timeout_s") != std::string::npos);
  CHECK(orch_state(s, 1) == TrialState::kRunning);  // never sent one
  CHECK(w.orch->stats().heartbeat_timeouts == 1);
  w.tick_after(0);  // the stop has no grace period
  CHECK(w.executor.terminated == std::vector<std::string>{"job-0"});
}

TEST_CASE("orchestrator: progress_timeout_s fails a trial without new reports; heartbeats do not count") {
  FakeClock clock;
  OrchWorld w(clock);
  StudyRuntime& s = w.study(orch_study(R"({"n_trials": 1, "max_parallel": 1})", R"("progress_timeout_s": 30)"));
  w.tick_after(0);
  REQUIRE(w.executor.launched_ids.size() == 1);
  w.tick_after(20);
  w.service->report(w.id_of(s, 0), 1, 0.5, [](Result<ReportResult> r) { REQUIRE(r.ok()); });
  w.service->heartbeat(w.id_of(s, 0), [](const Status& st) { REQUIRE(st.ok()); });
  w.settle();
  w.tick_after(29);
  CHECK(orch_state(s, 0) == TrialState::kRunning);
  w.service->heartbeat(w.id_of(s, 0), [](const Status& st) { REQUIRE(st.ok()); });
  w.settle();
  w.tick_after(2);
  CHECK(orch_state(s, 0) == TrialState::kFail);
  CHECK(orch_attr(s, 0, "fail_reason").find("progress_timeout_s") != std::string::npos);
}

TEST_CASE("orchestrator: a pruned trial's job gets SIGTERM after the grace period, retried until delivered, then SIGKILL") {
  FakeClock clock;
  OrchWorld w(clock);
  StudyRuntime& s = w.study(orch_study(R"({"n_trials": 1, "max_parallel": 1})", R"("prune_grace_s": 10)",
                                       R"({"type": "threshold", "upper": 10})"));
  w.tick_after(0);
  REQUIRE(w.executor.launched_ids.size() == 1);
  bool pruned = false;
  w.service->report(w.id_of(s, 0), 1, 100.0, [&](Result<ReportResult> r) {
    REQUIRE(r.ok());
    pruned = r->should_prune;
  });
  w.settle();
  REQUIRE(pruned);
  CHECK(orch_state(s, 0) == TrialState::kPruned);
  REQUIRE(s.pending_stops.count(0));
  CHECK(s.pending_stops.at(0).stage == "grace period (prune_grace_s)");

  w.tick_after(9.9);
  CHECK(w.executor.terminated.empty());
  w.executor.terminate_results.push_back(Status::Unavailable("slurmctld does not answer"));
  w.tick_after(0.2);
  CHECK(w.executor.terminated.size() == 1);
  CHECK(s.pending_stops.at(0).failed_attempts == 1);
  CHECK(s.pending_stops.at(0).last_error == "slurmctld does not answer");
  w.tick_after(1.5);  // retried after max(1 s, poll_interval_s) = 2 s
  CHECK(w.executor.terminated.size() == 1);
  w.tick_after(0.6);
  CHECK(w.executor.terminated.size() == 2);
  CHECK(s.pending_stops.at(0).stage == "SIGTERM sent; kill follows after kill_after_term_s");
  CHECK(s.pending_stops.at(0).failed_attempts == 0);

  w.tick_after(9.9);
  CHECK(w.executor.killed.empty());
  w.tick_after(0.2);
  CHECK(w.executor.killed == std::vector<std::string>{"job-0"});
  CHECK(w.orch->stats().terminated == 1);
  CHECK(w.orch->stats().killed == 1);

  w.executor.end_job("job-0", 137, "KILLED");
  w.tick_after(1);
  CHECK(s.pending_stops.empty());
  CHECK(w.orch->jobs_in_flight() == 0);
  CHECK(s.trials[0].meta.count("job_ended") == 1);
  CHECK(orch_state(s, 0) == TrialState::kPruned);  // the job's end does not change the outcome
}

TEST_CASE("orchestrator: a job whose command already ended is left to end, not signalled") {
  FakeClock clock;
  OrchWorld w(clock);
  StudyRuntime& s = w.study(orch_study(R"({"n_trials": 1, "max_parallel": 1})", R"("prune_grace_s": 5)"));
  w.tick_after(0);
  TellRequest tell;
  tell.value = 0.25;
  w.service->tell(w.id_of(s, 0), tell, [](Result<TrialState> r) { REQUIRE(r.ok()); });
  w.settle();
  w.executor.commands_ended.insert("job-0");
  w.tick_after(6);
  CHECK(w.executor.terminated.empty());
  CHECK(s.pending_stops.at(0).stage == "its command has ended; waiting for the job's end");
  w.executor.end_job("job-0", 0);
  w.tick_after(1);
  CHECK(w.orch->jobs_in_flight() == 0);
  CHECK(orch_state(s, 0) == TrialState::kComplete);
}

TEST_CASE("orchestrator: refused launches keep the planned trial, back off per round, and pause the study") {
  FakeClock clock;
  OrchWorld w(clock, "", /*pause_after_refusals=*/3);
  for (int i = 0; i < 3; ++i) w.executor.launch_results.push_back(Status::InvalidArgument("partition gpu does not exist"));
  StudyRuntime& s = w.study(orch_study(R"({"n_trials": 5, "max_parallel": 1})", ""));  // launches at once
  w.tick_after(0);
  REQUIRE(w.executor.launches.size() == 1);
  CHECK(s.study.size() == 1);
  CHECK(orch_state(s, 0) == TrialState::kRunning);  // kept, with its parameters
  CHECK(s.last_error.find("launch refused") != std::string::npos);

  w.tick_after(4.9);  // back-off of the first round: 5 s
  CHECK(w.executor.launches.size() == 1);
  w.tick_after(0.2);
  REQUIRE(w.executor.launches.size() == 2);
  CHECK(w.executor.launches[1].trial_number == 0);  // the same trial again, no new one
  CHECK(s.study.size() == 1);
  w.tick_after(9.9);  // second round: 10 s
  CHECK(w.executor.launches.size() == 2);
  w.tick_after(0.2);
  CHECK(w.executor.launches.size() == 3);
  CHECK(s.control == StudyControl::kPaused);
  CHECK(s.last_error.find("study paused") != std::string::npos);
  CHECK(w.orch->stats().launch_failures == 3);

  w.tick_after(600);  // paused: no launch however long
  CHECK(w.executor.launches.size() == 3);

  w.control(s, StudyControl::kRunning);  // the cause was fixed: the script has no refusals left
  w.tick_after(0);
  w.tick_after(1.1);
  REQUIRE(w.executor.launched_ids.size() == 1);
  CHECK(w.executor.launches.back().trial_number == 0);
  CHECK(w.orch->stats().launched == 1);
  CHECK(s.last_error.empty());
}

TEST_CASE("orchestrator: a lost job is re-run once as a new trial linked by retry_of/retried_as") {
  FakeClock clock;
  OrchWorld w(clock);
  StudyRuntime& s = w.study(orch_study(R"({"n_trials": 3, "max_parallel": 1})", R"("max_retries": 1)"));
  w.tick_after(0);
  REQUIRE(w.executor.launched_ids.size() == 1);
  w.executor.end_job("job-0", -1, "LOST", /*retryable=*/true);
  w.tick_after(1);
  CHECK(orch_state(s, 0) == TrialState::kFail);
  REQUIRE(s.study.size() == 2);
  CHECK(s.trials[0].meta.at("retried_as") == "1");
  CHECK(s.trials[1].meta.at("retry_of") == "0");
  CHECK(s.trials[1].meta.at("attempt") == "2");
  CHECK(orch_attr(s, 0, "retried_as") == "1");
  CHECK(orch_attr(s, 1, "retry_of") == "0");
  CHECK(s.trial(1)->params.at("x").internal == s.trial(0)->params.at("x").internal);
  REQUIRE(w.executor.launched_ids.size() == 2);
  CHECK(w.executor.launches[1].trial_number == 1);
  CHECK(w.orch->stats().retries == 1);

  w.executor.end_job("job-1", -1, "LOST", true);
  w.tick_after(1);
  CHECK(orch_state(s, 1) == TrialState::kFail);
  CHECK(s.trials[1].meta.count("retried_as") == 0);  // max_retries used up
  CHECK(w.orch->stats().retries == 1);
  // The superseded trial 0 does not count: trial 2 is a fresh one, not a retry.
  REQUIRE(s.study.size() == 3);
  CHECK(s.trials[2].meta.count("retry_of") == 0);
}

TEST_CASE("orchestrator: after a restart, running jobs are re-attached, jobs ended while down settled, planned trials launched") {
  FakeClock clock;
  std::string dir = orch_test_dir();
  {
    OrchWorld before(clock, dir);
    before.executor.launch_results.push_back(JobRef{"local", "job-a", "", "{}"});
    before.executor.launch_results.push_back(JobRef{"local", "job-b", "", "{}"});
    before.executor.launch_results.push_back(Status::Unavailable("no free slot"));  // trial 2: planned, not launched
    before.study(orch_study(R"({"n_trials": 3, "max_parallel": 3})", ""));
    before.tick_after(0);
    REQUIRE(before.executor.launched_ids.size() == 2);
  }
  OrchWorld after(clock, dir);
  StudyRuntime& s = *after.service->find_study("o");
  REQUIRE(s.study.size() == 3);
  after.executor.end_job("job-a", 1);  // ended while hpod was down
  after.orch->start();
  after.settle();
  CHECK(after.orch->jobs_in_flight() == 3);
  CHECK(after.executor.recovery_queries == std::vector<int>{2});  // only the trial without a job
  REQUIRE(after.executor.launches.size() == 1);                   // not the re-attached ones
  CHECK(after.executor.launches[0].trial_number == 2);
  CHECK(after.executor.launches[0].env.at("HPOD_TOKEN").size() > 0);  // a fresh token

  after.tick_after(1);
  CHECK(orch_state(s, 0) == TrialState::kFail);
  CHECK(orch_attr(s, 0, "fail_reason").find("exited with code 1") != std::string::npos);
  CHECK(orch_state(s, 1) == TrialState::kRunning);
  CHECK(orch_state(s, 2) == TrialState::kRunning);
  CHECK(after.executor.polls >= 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("orchestrator: a job found by find_unrecorded after a restart is adopted, not launched twice") {
  FakeClock clock;
  std::string dir = orch_test_dir();
  {
    OrchWorld before(clock, dir);
    before.executor.launch_results.push_back(Status::Unavailable("no free slot"));
    before.study(orch_study(R"({"n_trials": 1, "max_parallel": 1})", ""));
    before.tick_after(0);
  }
  OrchWorld after(clock, dir);
  StudyRuntime& s = *after.service->find_study("o");
  after.executor.answer_unrecorded(0, Status::Unavailable("squeue timed out"));
  after.orch->start();
  after.settle();
  CHECK(after.executor.launches.empty());  // cannot tell: no twin
  after.executor.answer_unrecorded(0, std::optional<JobRef>(JobRef{"local", "job-found", "", "{}"}));
  after.tick_after(5.1);
  CHECK(after.executor.recovery_queries.size() == 2);
  CHECK(after.executor.launches.empty());
  CHECK(s.trials[0].meta.at("job").find("job-found") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("orchestrator: budget.n_trials and budget.timeout_s stop new launches") {
  FakeClock clock;
  OrchWorld w(clock);
  StudyRuntime& s = w.study(orch_study(R"({"n_trials": 2, "max_parallel": 1, "timeout_s": 100})", ""));
  w.tick_after(0);
  TellRequest tell;
  tell.value = 1.0;
  w.service->tell(w.id_of(s, 0), tell, [](Result<TrialState> r) { REQUIRE(r.ok()); });
  w.settle();
  CHECK(w.executor.launched_ids.size() == 2);  // the slot freed at once
  w.service->tell(w.id_of(s, 1), tell, [](Result<TrialState> r) { REQUIRE(r.ok()); });
  w.settle();
  w.tick_after(1);
  CHECK(w.executor.launched_ids.size() == 2);  // n_trials reached
  CHECK(s.study.size() == 2);

  StudyRuntime& t = w.study(R"({"name": "t", "direction": "minimize",
    "search_space": {"x": {"type": "float", "low": 0, "high": 1}}, "sampler": {"type": "random", "seed": 1},
    "budget": {"n_trials": 50, "max_parallel": 1, "timeout_s": 100}, "trial": {"command": ["true"]}})");
  w.tick_after(0);
  CHECK(t.study.size() == 1);
  w.tick_after(101);
  w.service->tell(w.id_of(t, 0), tell, [](Result<TrialState> r) { REQUIRE(r.ok()); });
  w.settle();
  w.tick_after(1);
  CHECK(t.study.size() == 1);  // timed out: no new trial
}

TEST_CASE("orchestrator: pause holds new launches, resume fills the slots, stop fails running trials and stops their jobs") {
  FakeClock clock;
  OrchWorld w(clock);
  StudyRuntime& s = w.study(orch_study(R"({"n_trials": 10, "max_parallel": 2})", ""));
  w.tick_after(0);
  REQUIRE(w.executor.launched_ids.size() == 2);
  w.control(s, StudyControl::kPaused);
  TellRequest tell;
  tell.value = 1.0;
  w.service->tell(w.id_of(s, 0), tell, [](Result<TrialState> r) { REQUIRE(r.ok()); });
  w.settle();
  w.tick_after(60);
  CHECK(w.executor.launched_ids.size() == 2);
  CHECK(orch_state(s, 1) == TrialState::kRunning);  // a pause lets running trials run

  w.control(s, StudyControl::kRunning);
  w.tick_after(0);
  CHECK(w.executor.launched_ids.size() == 3);

  w.control(s, StudyControl::kStopped);
  CHECK(orch_state(s, 1) == TrialState::kFail);
  CHECK(orch_state(s, 2) == TrialState::kFail);
  CHECK(orch_attr(s, 2, "fail_reason").find("the study was stopped") != std::string::npos);
  w.tick_after(0);
  CHECK(w.executor.terminated.size() >= 2);
  w.tick_after(60);
  CHECK(w.executor.launched_ids.size() == 3);
}
