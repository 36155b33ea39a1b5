// SlurmExecutor: trials as Slurm batch jobs (README "Slurm").
//
// launch: writes <run_dir>/job.sbatch (see slurm_batch_script.hpp) and submits it with
//   `sbatch --parsable`; the job id is the JobRef's id.
// poll: ONE `squeue -h -t all -j <all ids> -O ...` per call, whatever the number of jobs;
//   jobs squeue no longer knows (purged after MinJobAge, or hpod was down) are settled from
//   `sacct` (when accounting exists), `sacct -c` (the job completion file) and finally the
//   run directory's exit_status file. A controller that does not answer makes the affected
//   jobs kUnknown (ask again later), never a failure.
// terminate: `scancel --full --signal=TERM` (reaches every process of a batch job; a pending
//   job is simply cancelled). kill: `scancel`.
// Controller outages: after a call found the controller not answering, only one call at a
//   time (at most one per `outage_probe_interval`) goes out to find out whether it is back;
//   the others fail at once (Unavailable), so an outage costs one client timeout per cycle,
//   not one per queued launch or cancel.
//
// No global state: the client paths and timeouts come from the options, so tests inject
// fake commands, and a new object polling stored JobRefs re-attaches after a restart.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "daemon/executors/command_runner.hpp"
#include "daemon/executors/executor.hpp"
#include "daemon/executors/slurm_batch_script.hpp"
#include "daemon/executors/slurm_parse.hpp"

namespace hpod {

struct SlurmExecutorOptions {
  // Slurm's clients; a bare name is looked up in PATH.
  std::string sbatch = "sbatch";
  std::string squeue = "squeue";
  std::string scancel = "scancel";
  std::string sacct = "sacct";
  // Every call is bounded: while slurmctld is down the clients block ~9 s and then fail.
  std::chrono::milliseconds submit_timeout{30000};
  std::chrono::milliseconds query_timeout{15000};
  std::chrono::milliseconds cancel_timeout{15000};
  // Ask slurmdbd (`sacct`) about jobs squeue has forgotten. Switched off for the object's
  // lifetime the first time Slurm answers that accounting storage is disabled.
  bool use_accounting = true;
  // Ask the job completion file (`sacct -c`) about jobs neither squeue nor sacct know.
  bool use_jobcomp = true;
  // While the controller does not answer: how often a call may go out to try it again.
  std::chrono::milliseconds outage_probe_interval{2000};
  // Runs the commands; null means a ProcessRunner. Tests and benchmarks count calls here.
  std::shared_ptr<CommandRunner> runner;
  // Conditions worth a log line (controller down, a job settled from its files). Optional.
  std::function<void(const std::string&)> warn;
};

class SlurmExecutor final : public Executor {
 public:
  explicit SlurmExecutor(SlurmExecutorOptions options = {});

  std::string kind() const override { return "slurm"; }
  bool can_launch(const LaunchSpec&) override { return true; }  // Slurm queues
  Result<JobRef> launch(const LaunchSpec& spec) override;
  std::map<std::string, JobStatus> poll(const std::vector<JobRef>& jobs) override;
  Status terminate(const JobRef& job) override;
  Status kill(const JobRef& job) override;
  // squeue -n <job name> (-t all), then sacct / sacct -c by name: a job whose submission
  // was answered but never recorded (hpod died in between).
  Result<std::optional<JobRef>> find_unrecorded(const LaunchSpec& spec) override;
  bool command_ended(const JobRef& job) override;

 private:
  struct Lookup;  // one poll cycle's bookkeeping

  CommandResult run(std::vector<std::string> argv, std::chrono::milliseconds timeout);
  // Every Slurm client call goes through here (see "Controller outages" above).
  CommandResult run_on_controller(std::vector<std::string> argv, std::chrono::milliseconds timeout);
  JobRef make_ref(const LaunchSpec& spec, const std::string& job_id) const;
  void warn(const std::string& message) const;
  void settle_forgotten(Lookup& lookup);
  enum class Source { kSqueue, kSacct, kJobcomp };
  JobStatus status_from_record(const JobRef& ref, const SlurmJobRecord& record, Source source);
  JobStatus status_from_files(const JobRef& ref, int exit_code);
  void fill_outcome(const JobRef& ref, JobStatus& status, std::optional<int> slurm_exit_code);
  void fill_where(const JobRef& ref, JobStatus& status, bool finished);
  Status mark_cancelled(const JobRef& job);

  SlurmExecutorOptions options_;
  std::shared_ptr<CommandRunner> runner_;

  std::mutex mu_;  // guards the members below
  std::set<std::string> cancelled_;             // job ids this object terminated or killed
  std::map<std::string, SlurmEnvRecord> where_;  // running jobs' slurm_env, read once
  bool accounting_disabled_ = false;
  // Outage bookkeeping (run_on_controller).
  bool controller_down_ = false;
  bool probing_ = false;
  std::chrono::steady_clock::time_point last_probe_{}, down_since_{};
  std::string down_reason_;
  // Job names whose sbatch timed out: the job may be queued; look before submitting again.
  std::set<std::string> uncertain_submissions_;
};

}  // namespace hpod
