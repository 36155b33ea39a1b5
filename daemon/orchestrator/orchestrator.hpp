// The orchestrator runs studies that have a "trial" block: it keeps max_parallel trials
// in flight (planning the next trial's parameters ahead, so a launch never waits for the
// sampler), launches them through an executor, watches the jobs, applies the heartbeat
// timeout, stops pruned trials' jobs after the grace period, settles trials whose jobs
// ended without telling, retries lost ones, and re-attaches to running jobs after a
// restart. Everything runs on the owner thread; executor calls run on worker threads, one
// set per executor: polls, launches and stops each have their own, so a poll never waits
// behind queued launches.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "daemon/clock.hpp"
#include "daemon/executors/executor.hpp"
#include "daemon/worker_pool.hpp"
#include "daemon/service/study_service.hpp"

namespace hpod {

struct OrchestratorOptions {
  std::string runs_dir;             // absolute
  std::string public_url;           // HPOD_URL given to trials
  std::string default_workdir;      // relative workdirs resolve against this
  double poll_interval_s = 2.0;     // executor status polls (one squeue per cycle for Slurm)
  double local_poll_interval_s = 1.0;
  double kill_after_term_s = 10.0;  // SIGKILL this long after SIGTERM if still alive
  // A study whose launches were refused this many rounds in a row with the same message
  // is paused (its planned trials wait); 0 never pauses.
  int pause_after_refusals = 5;
  // Runs a function on the owner thread.
  std::function<void(std::function<void()>)> post;
  const Clock* clock = &real_clock();
  // Executor calls run on this thread at once instead of on the worker pools (their
  // results still come back through `post`): tests make the orchestrator deterministic.
  bool executor_calls_inline = false;
  // Logging hooks (the daemon's logger); may be empty.
  std::function<void(const std::string&)> info, warn;
};

struct OrchestratorStats {
  std::uint64_t launched = 0, launch_failures = 0, retries = 0, heartbeat_timeouts = 0, terminated = 0, killed = 0;
  std::uint64_t polls = 0;
  double last_poll_seconds = 0;
  // Time from a trial ending (its slot freeing) to the next launch returning.
  double relaunch_seconds_total = 0;
  std::uint64_t relaunches = 0;
};

class Orchestrator final : public StudyObserver {
 public:
  // `executors` by kind ("local", "slurm"); the orchestrator does not own them.
  Orchestrator(StudyService& service, std::map<std::string, Executor*> executors, OrchestratorOptions options);
  ~Orchestrator() override;

  // After the service loaded the database: re-attach to running jobs, relaunch trials
  // that were planned but not started, settle jobs that ended while hpod was down.
  void start();
  // Periodic work (every ~100 ms): launches, grace periods, heartbeat timeouts, polls.
  void tick();
  // A local child ended (SIGCHLD): poll the local executor now.
  void local_child_exited();
  // Stops the worker threads (after the owner loop stopped). Trials keep running.
  void shutdown();

  const OrchestratorStats& stats() const { return stats_; }
  std::size_t jobs_in_flight() const { return flights_.size(); }

  // StudyObserver
  void on_study_added(StudyRuntime& s) override;
  void on_control_changed(StudyRuntime& s) override;
  void on_trial_finished(StudyRuntime& s, int number) override;
  void on_trial_killed(StudyRuntime& s, int number) override;

 private:
  using Steady = std::chrono::steady_clock;
  struct Flight {
    StudyRuntime* study = nullptr;
    int number = -1;
    Executor* executor = nullptr;
    std::optional<JobRef> job;       // none while launching
    bool launching = false;
    bool seen_running = false;
    bool trial_done = false;         // the trial finished; the job may still run
    // Stopping the job (trial_done): SIGTERM at terminate_at, SIGKILL kill_after_term_s after
    // a SIGTERM the executor took. A stop is a promise: failed calls are retried, and the
    // flight stays until the job is seen ended.
    Steady::time_point terminate_at = Steady::time_point::max();
    bool term_sent = false, kill_sent = false;
    Steady::time_point kill_at = Steady::time_point::max();
    bool stop_call_in_flight = false;
    Steady::time_point stop_retry_at{};
    int stop_failures = 0;
    std::string stop_error;
    bool left_to_end = false;        // its command already ended: no signal, wait for the job's end
    Steady::time_point retry_launch_at{};  // no free slot / controller down: try again then
    std::string token;               // for a launch that is waiting for a slot
  };
  struct StudyState {
    Steady::time_point backoff_until{};
    int consecutive_failures = 0;   // rounds of refused launches in a row
    int identical_refusals = 0;     // ... with the same message
    std::string last_refusal;
    std::optional<std::pair<int, std::map<std::string, double>>> ahead;  // (trial number, params)
    bool planning_scheduled = false;
    int pending_starts = 0;         // trials asked for and not created yet (being planned)
    Steady::time_point freed_at{};  // when the last slot freed (relaunch latency)
  };

  bool runs(const StudyRuntime& s) const;
  Executor* executor_for(const StudyRuntime& s);
  struct Lanes {
    std::unique_ptr<WorkerPool> poll, stop;
    std::vector<std::unique_ptr<WorkerPool>> launch;
    unsigned next_launch = 0;
  };
  Lanes& lanes(Executor* e) { return lanes_.at(e); }
  WorkerPool* launcher_for(Executor* e);
  // Runs an executor call on `pool`, or at once without one (executor_calls_inline).
  static void run_on(WorkerPool* pool, std::function<void()> call);
  Steady::time_point steady_now() const { return opt_.clock->steady(); }
  void recover_or_launch(StudyRuntime& s, int number);
  void on_recovered(std::int64_t trial_id, Result<std::optional<JobRef>> found);
  void adopt(Flight& f, const JobRef& job, bool launched_now);
  void advance_stop(Flight& f, Steady::time_point now);
  void on_stop_call(std::int64_t trial_id, bool kill, Status st);
  void show_stop(const Flight& f);
  void fill_slots(StudyRuntime& s);
  void start_trial(StudyRuntime& s);
  void plan_ahead(StudyRuntime& s);
  void launch(StudyRuntime& s, int number, std::string token);
  void on_launched(std::int64_t trial_id, Result<JobRef> ref);
  void poll(const std::string& kind);
  void on_polled(const std::string& kind, std::map<std::string, JobStatus> statuses, double seconds);
  void job_ended(Flight& f, const JobStatus& st);
  void fail_and_maybe_retry(StudyRuntime& s, int number, const std::string& reason, bool retry,
                            std::map<std::string, std::string> attrs);
  void retry_trial(StudyRuntime& s, int number, int attempt);
  void stop_job(Flight& f, double grace_s);
  std::string run_dir(const StudyRuntime& s, int number) const;
  LaunchSpec launch_spec(StudyRuntime& s, int number, const std::string& token);
  void info(const std::string& m) { if (opt_.info) opt_.info(m); }
  void warn(const std::string& m) { if (opt_.warn) opt_.warn(m); }
  // A write's completion that logs a failure with what was being stored (the service has
  // already made a refused write a sticky error; this says which trial it concerned).
  StatusCallback log_failure(std::string what);

  StudyService& service_;
  std::map<std::string, Executor*> executors_;
  std::map<Executor*, Lanes> lanes_;
  OrchestratorOptions opt_;
  std::map<std::int64_t, Flight> flights_;  // by trial id
  std::map<std::int64_t, StudyState> studies_;  // by study id
  std::map<std::string, Steady::time_point> next_poll_;
  std::map<std::string, bool> poll_in_progress_;
  bool local_poll_requested_ = false;
  OrchestratorStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hpod
