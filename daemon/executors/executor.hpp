// Executors run trials: local child processes or Slurm jobs, behind one interface so the
// orchestrator neither knows nor cares which (and tests can use a fake).
//
// Threads: launch, poll, terminate, kill and find_unrecorded may block (sbatch, squeue,
// fork) and are made from the orchestrator's worker threads (polls, launches and stops each
// have their own), so an executor must accept calls from several threads at once. kind,
// can_launch, launch_lanes and command_ended are called on the owner thread (the one that
// answers HTTP) and must not block. One executor object serves every study, so a Slurm
// poll cycle is one squeue call for all of hpod's jobs.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hpod/status.hpp"
#include "hpod/study.hpp"

namespace hpod {

struct LaunchSpec {
  std::string study;
  int trial_number = -1;
  std::int64_t trial_id = -1;
  // Program and arguments, placeholders already filled. A shell command arrives as
  // {"/bin/sh", "-c", "<command>"}.
  std::vector<std::string> argv;
  std::string workdir;                       // absolute
  std::map<std::string, std::string> env;    // the study's env plus HPOD_*; added to the daemon's environment
  std::string run_dir;                       // absolute and existing: stdout, stderr, exit_status go here
  ExecutorSpec executor;                     // the study's executor block
  // The trial's datetime_start: a run-directory record older than this belongs to another
  // run of the same trial number (an earlier database), never to this trial.
  std::optional<std::chrono::system_clock::time_point> trial_started;
};

// Enough to find a job again after a daemon restart. Stored with the trial (hpod_trial_meta)
// before the launch counts as done.
struct JobRef {
  std::string kind;    // "local" or "slurm"
  std::string id;      // unique per kind: "<pid>:<start time>" locally, the Slurm job id
  std::string run_dir;
  std::string details; // executor-specific JSON (process group, GPU slot, ...)
};

enum class JobPhase {
  kPending,   // queued (Slurm PENDING, CONFIGURING)
  kRunning,   // running (Slurm RUNNING, COMPLETING)
  kFinished,  // ended; see the outcome fields
  kUnknown,   // cannot tell right now (controller down): ask again later, not a failure
};

struct JobStatus {
  JobPhase phase = JobPhase::kUnknown;
  // For kFinished:
  int exit_code = -1;          // the command's exit status (128+N after signal N), -1 if unknown
  std::string state;           // Slurm's terminal state (COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY,
                               // CANCELLED, NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE) or, locally,
                               // EXITED / LOST
  bool retryable = false;      // lost node / preemption / lost process: re-run as a new trial
  bool cancelled_by_hpod = false;
  std::string reason;          // one line for a human
  // Shown as the trial's system attributes (slurm_job_id, node, gpus, state, reason,
  // exit_code, elapsed; pid, gpus locally). Values are JSON text.
  std::map<std::string, std::string> attrs;
};

class Executor {
 public:
  virtual ~Executor() = default;

  virtual std::string kind() const = 0;

  // Whether a launch of `spec` could start now (a free local GPU slot). Slurm queues, so
  // it always can.
  virtual bool can_launch(const LaunchSpec& spec) = 0;

  // Starts the trial. Unavailable: try again later (controller down, no free slot);
  // InvalidArgument / FailedPrecondition: the study's settings are refused (bad partition,
  // QOS limit, missing program) and the message says why.
  virtual Result<JobRef> launch(const LaunchSpec& spec) = 0;

  // The status of each job, keyed by JobRef::id; one round trip for all of them. Jobs of
  // other kinds are ignored. Re-attaching after a restart is just polling the stored refs.
  virtual std::map<std::string, JobStatus> poll(const std::vector<JobRef>& jobs) = 0;

  // SIGTERM to every process of the job (scancel --full --signal=TERM).
  virtual Status terminate(const JobRef& job) = 0;
  // Ends the job for good (SIGKILL to the process group, scancel).
  virtual Status kill(const JobRef& job) = 0;

  // How many launches may run at once (one worker thread each).
  virtual int launch_lanes() const { return 1; }

  // A job of this trial that was started before hpod died, before its JobRef was stored
  // (the run directory's record, a Slurm job of the trial's name). Unavailable: cannot tell
  // now (ask again before launching a twin). May block.
  virtual Result<std::optional<JobRef>> find_unrecorded(const LaunchSpec& spec) = 0;

  // The job's command has ended and recorded its exit status: only the job's own end is
  // still to come, and stopping the job would change nothing but its recorded state.
  virtual bool command_ended(const JobRef& job) = 0;
};

}  // namespace hpod
