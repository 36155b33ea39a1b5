// SlurmExecutor: trials as Slurm batch jobs (DESIGN.md "Slurm").
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

 private:
  struct Lookup;  // one poll cycle's bookkeeping

  CommandResult run(std::vector<std::string> argv, std::chrono::milliseconds timeout);
  void warn(const std::string& message) const;
  // After an sbatch timeout: the job may have been queued anyway; find it by name.
  std::optional<std::string> find_submitted(const std::string& job_name);
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
};

}  // namespace hpod
