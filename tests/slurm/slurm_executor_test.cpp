// SlurmExecutor against a real Slurm cluster: the one-node cluster with 4 fake GPUs that
// scripts/slurm-local.sh starts (SLURM_CONF must point at it; main() skips otherwise).
// Each test cancels whatever it launched and leaves no job in the queue; the node-failure
// test puts the node back.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <functional>
#include <set>
#include <thread>

#include "daemon/executors/slurm_executor.hpp"
#include "tests/support/slurm_test_support.hpp"

using namespace hpod;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using hpod::testing::CountingRunner;
using hpod::testing::ScratchDir;
using hpod::testing::slurp;

namespace {

CommandResult run(std::vector<std::string> argv) { return ProcessRunner().run(Command{std::move(argv), 30s}); }

// A scratch directory the jobs write to (slurmd runs on this machine, as root).
class RunsDir : public ScratchDir {
 public:
  RunsDir() : ScratchDir("hpod-slurm-test") {}
  std::string make(const std::string& name) const {
    std::string p = *this / name;
    fs::create_directories(p);
    return p;
  }
};

// Launches through an executor and, at scope exit, cancels every job it launched and
// waits (bounded) until none of them is pending or running any more.
class Jobs {
 public:
  explicit Jobs(std::string study) : study_(std::move(study)) {}
  ~Jobs() { sweep(); }

  Result<JobRef> launch(SlurmExecutor& ex, const std::string& run_dir, std::vector<std::string> argv,
                        SlurmExecutorSpec slurm = {}, std::map<std::string, std::string> env = {}) {
    LaunchSpec spec;
    spec.study = study_;
    spec.trial_number = next_number_++;
    spec.trial_id = 1000 + spec.trial_number;
    spec.argv = std::move(argv);
    spec.workdir = run_dir;
    spec.run_dir = run_dir;
    spec.env = std::move(env);
    spec.executor.type = ExecutorSpec::Type::kSlurm;
    spec.executor.slurm = std::move(slurm);
    auto ref = ex.launch(spec);
    if (ref.ok()) ids_.push_back(ref->id);
    return ref;
  }

  // Ids of our jobs still pending, running or completing.
  std::vector<std::string> active() const {
    if (ids_.empty()) return {};
    std::string list;
    for (const auto& id : ids_) list += (list.empty() ? "" : ",") + id;
    auto r = run({"squeue", "-h", "-t", "PD,R,CG,CF,S", "-j", list, "-o", "%i"});
    std::vector<std::string> left;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) left.push_back(line);
    return left;
  }

  void sweep() {
    if (ids_.empty()) return;
    std::vector<std::string> argv = {"scancel"};
    argv.insert(argv.end(), ids_.begin(), ids_.end());
    run(argv);
    auto deadline = Clock::now() + 60s;
    while (!active().empty() && Clock::now() < deadline) std::this_thread::sleep_for(200ms);
  }

 private:
  std::string study_;
  int next_number_ = 0;
  std::vector<std::string> ids_;
};

using Done = std::function<bool(const JobStatus&)>;
bool finished(const JobStatus& s) { return s.phase == JobPhase::kFinished; }
bool running(const JobStatus& s) { return s.phase == JobPhase::kRunning; }

// Polls every 200 ms until `done` holds for every job or `limit` passes; the last answer.
std::map<std::string, JobStatus> wait_for(SlurmExecutor& ex, const std::vector<JobRef>& refs, const Done& done,
                                          std::chrono::seconds limit) {
  auto deadline = Clock::now() + limit;
  for (;;) {
    auto st = ex.poll(refs);
    bool all = std::all_of(refs.begin(), refs.end(), [&](const JobRef& r) { return done(st[r.id]); });
    if (all || Clock::now() > deadline) return st;
    std::this_thread::sleep_for(200ms);
  }
}

bool wait_for_file(const std::string& path, std::chrono::seconds limit) {
  auto deadline = Clock::now() + limit;
  while (!fs::exists(path)) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

std::string json_string(const std::string& text) { return "\"" + text + "\""; }

// "NodeName=vm Arch=... State=IDLE ..." → the value of `key`.
std::string node_field(const std::string& key) {
  auto r = run({"scontrol", "-o", "show", "node"});
  auto p = r.out.find(key + "=");
  if (p == std::string::npos) return "";
  p += key.size() + 1;
  return r.out.substr(p, r.out.find_first_of(" \n", p) - p);
}

// Slurm's KillWait (seconds between SIGTERM and SIGKILL on cancel), from `scontrol show config`.
int kill_wait_seconds() {
  auto r = run({"scontrol", "show", "config"});
  auto p = r.out.find("KillWait");
  if (p == std::string::npos) return 30;
  p = r.out.find('=', p);
  return std::atoi(r.out.c_str() + p + 1);
}

SlurmExecutorSpec gres(const std::string& g) {
  SlurmExecutorSpec s;
  s.gres = g;
  return s;
}

}  // namespace

TEST_CASE("slurm: four concurrent gpu:1 jobs each see their own GPU") {
  RunsDir runs;
  SlurmExecutor ex;
  Jobs jobs("slurmtest-gpus");
  std::string meet = runs.make("meet");
  // Each job announces itself and waits (bounded) until all four run at once.
  const std::string body =
      "touch \"$1/$SLURM_JOB_ID\"; n=0; "
      "while [ \"$(ls \"$1\" | wc -l)\" -lt 4 ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done; "
      "printf '%s' \"$CUDA_VISIBLE_DEVICES\"";
  std::vector<JobRef> refs;
  for (int i = 0; i < 4; ++i) {
    auto ref = jobs.launch(ex, runs.make("t" + std::to_string(i)), {"/bin/sh", "-c", body, "sh", meet}, gres("gpu:1"));
    REQUIRE(ref.ok());
    refs.push_back(*ref);
  }
  auto st = wait_for(ex, refs, finished, 120s);
  std::set<std::string> gpus;
  for (const auto& ref : refs) {
    const JobStatus& s = st[ref.id];
    CAPTURE(ref.id);
    CAPTURE(s.reason);
    REQUIRE(s.phase == JobPhase::kFinished);
    CHECK(s.state == "COMPLETED");
    CHECK(s.exit_code == 0);
    CHECK(s.attrs.at("slurm_job_id") == json_string(ref.id));
    CHECK(s.attrs.at("node") == json_string(node_field("NodeName")));
    std::string seen = slurp(ref.run_dir + "/stdout");
    CHECK(s.attrs.at("gpus") == json_string(seen));
    gpus.insert(seen);
  }
  CHECK(gpus == std::set<std::string>{"0", "1", "2", "3"});
  CHECK(jobs.active().empty());
}

TEST_CASE("slurm: exit status, environment and an odd run directory reach the trial and hpod") {
  RunsDir runs;
  SlurmExecutor ex;
  Jobs jobs("slurmtest-outcome");
  std::string run_dir = runs.make("run dir %j #7 'q\"");
  const std::string odd = "it's \"quoted\" $HOME `x` \\ #";
  auto ref = jobs.launch(ex, run_dir, {"/bin/sh", "-c", "printf '%s|%s|%s' \"$HPOD_ODD\" \"$1\" \"$(pwd)\"; exit 3", "sh",
                                       "two words"},
                         {}, {{"HPOD_ODD", odd}});
  REQUIRE(ref.ok());
  auto st = wait_for(ex, {*ref}, finished, 60s);
  const JobStatus& s = st[ref->id];
  CAPTURE(s.reason);
  REQUIRE(s.phase == JobPhase::kFinished);
  CHECK(s.state == "FAILED");
  CHECK(s.exit_code == 3);
  CHECK_FALSE(s.retryable);
  CHECK_FALSE(s.cancelled_by_hpod);
  CHECK(s.attrs.at("exit_code") == "3");
  CHECK(s.attrs.count("elapsed") == 1);
  CHECK(s.attrs.count("gpus") == 0);  // no GPUs asked for: Slurm unsets CUDA_VISIBLE_DEVICES
  CHECK(slurp(run_dir + "/stdout") == odd + "|two words|" + run_dir);
  CHECK(slurp(run_dir + "/exit_status") == "3\n");
  CHECK(jobs.active().empty());
}

TEST_CASE("slurm: many jobs are polled with one squeue call and kill cancels held jobs") {
  RunsDir runs;
  auto counter = std::make_shared<CountingRunner>();
  SlurmExecutorOptions options;
  options.runner = counter;
  SlurmExecutor ex(options);
  Jobs jobs("slurmtest-held");
  SlurmExecutorSpec held;
  held.extra_args = {"--hold"};
  std::vector<JobRef> refs;
  for (int i = 0; i < 20; ++i) {
    auto ref = jobs.launch(ex, runs.make("t" + std::to_string(i)), {"/bin/true"}, held);
    REQUIRE(ref.ok());
    refs.push_back(*ref);
  }
  auto st = ex.poll(refs);
  CHECK(counter->calls("squeue") == 1);
  CHECK(counter->calls("sacct") == 0);
  for (const auto& ref : refs) {
    CAPTURE(ref.id);
    CHECK(st[ref.id].phase == JobPhase::kPending);
    CHECK(st[ref.id].reason == "JobHeldUser");
  }
  for (const auto& ref : refs) CHECK(ex.kill(ref).ok());
  st = wait_for(ex, refs, finished, 30s);
  for (const auto& ref : refs) {
    CAPTURE(ref.id);
    CHECK(st[ref.id].state == "CANCELLED");
    CHECK(st[ref.id].cancelled_by_hpod);
  }
  CHECK(jobs.active().empty());
}

TEST_CASE("slurm: terminate reaches the command and kill ends a job that ignores SIGTERM") {
  RunsDir runs;
  SlurmExecutor ex;
  Jobs jobs("slurmtest-cancel");
  auto polite = jobs.launch(ex, runs.make("polite"), {"/bin/sh", "-c", "touch started; exec sleep 300"});
  auto stubborn = jobs.launch(ex, runs.make("stubborn"),
                              {"/bin/sh", "-c", "trap '' TERM; touch started; while :; do sleep 1; done"});
  REQUIRE(polite.ok());
  REQUIRE(stubborn.ok());
  REQUIRE(wait_for_file(polite->run_dir + "/started", 60s));
  REQUIRE(wait_for_file(stubborn->run_dir + "/started", 60s));

  // A trial that obeys SIGTERM is gone by the next poll or so.
  auto t0 = Clock::now();
  REQUIRE(ex.terminate(*polite).ok());
  auto st = wait_for(ex, {*polite}, finished, 30s);
  double polite_s = std::chrono::duration<double>(Clock::now() - t0).count();
  MESSAGE("terminate → finished: " << polite_s << " s, state " << st[polite->id].state);
  CHECK(st[polite->id].phase == JobPhase::kFinished);
  CHECK(st[polite->id].exit_code == 143);
  CHECK(st[polite->id].cancelled_by_hpod);
  CHECK(polite_s < 5);

  // One that ignores it keeps running through the grace; kill ends it after Slurm's KillWait.
  const int kill_wait = kill_wait_seconds();
  REQUIRE(ex.terminate(*stubborn).ok());
  st = ex.poll({*stubborn});
  CHECK(st[stubborn->id].phase == JobPhase::kRunning);
  t0 = Clock::now();
  REQUIRE(ex.kill(*stubborn).ok());
  st = wait_for(ex, {*stubborn}, finished, 60s);
  double stubborn_s = std::chrono::duration<double>(Clock::now() - t0).count();
  MESSAGE("kill → finished: " << stubborn_s << " s, state " << st[stubborn->id].state);
  CHECK(st[stubborn->id].state == "CANCELLED");
  CHECK(st[stubborn->id].cancelled_by_hpod);
  CHECK(stubborn_s < kill_wait + 5);
  CHECK(jobs.active().empty());
}

TEST_CASE("slurm: a node going down ends its job NODE_FAIL, retryable") {
  RunsDir runs;
  SlurmExecutor ex;
  Jobs jobs("slurmtest-nodefail");
  const std::string node = node_field("NodeName");
  REQUIRE_FALSE(node.empty());
  auto ref = jobs.launch(ex, runs.make("t"), {"/bin/sh", "-c", "touch started; exec sleep 300"}, gres("gpu:1"));
  REQUIRE(ref.ok());
  REQUIRE(wait_for_file(ref->run_dir + "/started", 60s));

  struct Resume {
    std::string node;
    ~Resume() {
      run({"scontrol", "update", "nodename=" + node, "state=resume"});
      auto deadline = Clock::now() + 60s;
      while (node_field("State").rfind("IDLE", 0) != 0 && Clock::now() < deadline) std::this_thread::sleep_for(200ms);
    }
  } resume{node};
  auto down = run({"scontrol", "update", "nodename=" + node, "state=down", "reason=hpod-test"});
  REQUIRE(down.ok());
  auto st = wait_for(ex, {*ref}, finished, 60s);
  const JobStatus& s = st[ref->id];
  CAPTURE(s.reason);
  CHECK(s.state == "NODE_FAIL");
  CHECK(s.retryable);
  CHECK_FALSE(s.cancelled_by_hpod);
  CHECK(jobs.active().empty());
}

TEST_CASE("slurm: a refused submission is a clear error and queues nothing") {
  RunsDir runs;
  SlurmExecutor ex;
  Jobs jobs("slurmtest-refused");
  SlurmExecutorSpec bad_partition;
  bad_partition.partition = "nonexistent";
  auto r = jobs.launch(ex, runs.make("a"), {"/bin/true"}, bad_partition);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kInvalidArgument);
  CHECK(r.status().message().find("Invalid partition name specified") != std::string::npos);

  auto too_many = jobs.launch(ex, runs.make("b"), {"/bin/true"}, gres("gpu:9"));
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.status().code() == Status::Code::kInvalidArgument);
  CHECK(too_many.status().message().find("Requested node configuration is not available") != std::string::npos);

  auto queued = run({"squeue", "-h", "-n", "hpod-slurmtest-refused-0,hpod-slurmtest-refused-1", "-o", "%i"});
  CHECK(queued.ok());
  CHECK(queued.out.empty());
}

TEST_CASE("slurm: a new executor object re-attaches to a running job and settles one that ended meanwhile") {
  RunsDir runs;
  Jobs jobs("slurmtest-restart");
  std::string go = runs.path() + "/go";
  std::vector<JobRef> refs;
  {
    SlurmExecutor before;
    auto lasting = jobs.launch(before, runs.make("lasting"), {"/bin/sh", "-c", "exec sleep 300"}, gres("gpu:1"));
    auto ending = jobs.launch(before, runs.make("ending"),
                              {"/bin/sh", "-c", "while [ ! -e \"$1\" ]; do sleep 0.1; done; exit 5", "sh", go});
    REQUIRE(lasting.ok());
    REQUIRE(ending.ok());
    refs = {*lasting, *ending};
    auto st = wait_for(before, refs, running, 60s);
    REQUIRE(running(st[refs[0].id]));
    REQUIRE(running(st[refs[1].id]));
  }
  // hpod is "down": the second job ends.
  { std::ofstream(go).put('\n'); }
  REQUIRE(wait_for_file(refs[1].run_dir + "/exit_status", 60s));

  SlurmExecutor after;
  auto st = after.poll(refs);
  const JobStatus& lasting = st[refs[0].id];
  CHECK(lasting.phase == JobPhase::kRunning);
  CHECK(lasting.attrs.count("node") == 1);
  CHECK(lasting.attrs.count("gpus") == 1);
  st = wait_for(after, {refs[1]}, finished, 30s);  // COMPLETING for a moment, possibly
  const JobStatus& ended = st[refs[1].id];
  CHECK(ended.state == "FAILED");
  CHECK(ended.exit_code == 5);

  REQUIRE(after.kill(refs[0]).ok());
  st = wait_for(after, {refs[0]}, finished, 30s);
  CHECK(st[refs[0].id].state == "CANCELLED");
  CHECK(st[refs[0].id].cancelled_by_hpod);
  CHECK(jobs.active().empty());
}

TEST_CASE("slow slurm: a job over its time limit ends TIMEOUT (Slurm enforces it after 75-85 s)") {
  RunsDir runs;
  SlurmExecutor ex;
  Jobs jobs("slurmtest-timeout");
  SlurmExecutorSpec limited;
  limited.time = "1";
  auto ref = jobs.launch(ex, runs.make("t"), {"/bin/sh", "-c", "exec sleep 600"}, limited);
  REQUIRE(ref.ok());
  auto t0 = Clock::now();
  auto st = wait_for(ex, {*ref}, finished, 200s);
  MESSAGE("TIMEOUT after " << std::chrono::duration<double>(Clock::now() - t0).count() << " s");
  const JobStatus& s = st[ref->id];
  CAPTURE(s.reason);
  CHECK(s.state == "TIMEOUT");
  CHECK_FALSE(s.retryable);
  CHECK_FALSE(s.cancelled_by_hpod);
  CHECK(s.exit_code == 143);  // the command got SIGTERM; the script recorded it
  CHECK(jobs.active().empty());
}
