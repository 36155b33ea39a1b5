// Test doubles for the orchestrator's seams: a clock moved by hand and an executor whose
// answers the test scripts and whose calls it records (after ninja's FakeCommandRunner
// and leveldb's EnvWrapper). Used with OrchestratorOptions::executor_calls_inline, every
// call happens on the test's thread, so the fields need no lock.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/clock.hpp"
#include "daemon/executors/executor.hpp"

namespace hpod::testing {

class FakeClock final : public Clock {
 public:
  // Far from the epoch, so "unset" (a default time_point) stays in the past.
  std::chrono::steady_clock::time_point steady_now{std::chrono::hours(24 * 365)};
  std::chrono::system_clock::time_point system_now{std::chrono::seconds(1'800'000'000)};

  std::chrono::steady_clock::time_point steady() const override { return steady_now; }
  std::chrono::system_clock::time_point system() const override { return system_now; }
  void advance(double seconds) {
    auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
    steady_now += d;
    system_now += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  }
};

class FakeExecutor final : public Executor {
 public:
  explicit FakeExecutor(std::string kind = "local") : kind_(std::move(kind)) {}

  // ---- the script: consumed front first; when empty, the call succeeds.
  std::deque<Result<JobRef>> launch_results;
  std::deque<Status> terminate_results, kill_results;
  // A job's status by JobRef::id; a job not listed is running.
  std::map<std::string, JobStatus> statuses;
  // find_unrecorded's answer by trial number; none listed: no such job.
  std::map<int, Result<std::optional<JobRef>>> unrecorded;
  void answer_unrecorded(int number, Result<std::optional<JobRef>> r) { unrecorded.insert_or_assign(number, std::move(r)); }
  std::set<std::string> commands_ended;  // job ids whose command has ended
  bool slots_free = true;

  // ---- the record
  std::vector<LaunchSpec> launches;          // every launch call, refused ones too
  std::vector<std::string> launched_ids;     // jobs started
  std::vector<std::string> terminated, killed;  // every call, failed ones too
  std::vector<int> recovery_queries;         // trial numbers asked about by find_unrecorded
  int polls = 0;

  void end_job(const std::string& id, int exit_code, const std::string& state = "EXITED", bool retryable = false) {
    JobStatus st;
    st.phase = JobPhase::kFinished;
    st.exit_code = exit_code;
    st.state = state;
    st.retryable = retryable;
    statuses[id] = st;
  }

  std::string kind() const override { return kind_; }
  bool can_launch(const LaunchSpec&) override { return slots_free; }
  Result<JobRef> launch(const LaunchSpec& spec) override {
    launches.push_back(spec);
    if (!launch_results.empty()) {
      Result<JobRef> r = launch_results.front();
      launch_results.pop_front();
      if (r.ok()) launched_ids.push_back(r->id);
      return r;
    }
    JobRef ref{kind_, "job-" + std::to_string(launched_ids.size()), spec.run_dir, "{}"};
    launched_ids.push_back(ref.id);
    return ref;
  }
  std::map<std::string, JobStatus> poll(const std::vector<JobRef>& jobs) override {
    ++polls;
    std::map<std::string, JobStatus> out;
    for (const JobRef& j : jobs) {
      if (j.kind != kind_) continue;
      auto it = statuses.find(j.id);
      if (it != statuses.end()) {
        out[j.id] = it->second;
      } else {
        JobStatus running;
        running.phase = JobPhase::kRunning;
        out[j.id] = running;
      }
    }
    return out;
  }
  Status terminate(const JobRef& job) override { return record(terminated, terminate_results, job); }
  Status kill(const JobRef& job) override { return record(killed, kill_results, job); }
  Result<std::optional<JobRef>> find_unrecorded(const LaunchSpec& spec) override {
    recovery_queries.push_back(spec.trial_number);
    auto it = unrecorded.find(spec.trial_number);
    if (it == unrecorded.end()) return std::optional<JobRef>();
    return it->second;
  }
  bool command_ended(const JobRef& job) override { return commands_ended.count(job.id) > 0; }

 private:
  static Status record(std::vector<std::string>& calls, std::deque<Status>& script, const JobRef& job) {
    calls.push_back(job.id);
    if (script.empty()) return Status::OK();
    Status st = script.front();
    script.pop_front();
    return st;
  }
  std::string kind_;
};

}  // namespace hpod::testing
