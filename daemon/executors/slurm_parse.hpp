// What hpod reads from Slurm's clients (22.05 output formats, see the README's Slurm
// section) and how Slurm's job states map onto JobPhase. Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/executors/command_runner.hpp"
#include "daemon/executors/executor.hpp"

namespace hpod {

// One job as squeue, sacct or sacct -c describe it.
struct SlurmJobRecord {
  std::string job_id;    // the job's own (raw) id: "46"
  std::string array_id;  // "43_2", "43_[3-9%4]" for an array's pending rest, else == job_id
  std::string state;     // first word only: sacct's "CANCELLED by 0" is "CANCELLED"
  std::string reason;    // squeue's reason ("Resources", "None", ...); empty from sacct
  std::string nodes;     // node list, empty before the job started
  std::string name;      // the job name ("hpod-<study>-<number>" for hpod's jobs)
  std::optional<int> exit_code;   // the batch shell's status: exit status, or 128+N after signal N
  std::optional<long> elapsed_s;  // run time so far / in total
};

// squeue's --Format argument. "|" after every field (no width, so nothing is truncated);
// the job name and the reason, which may contain spaces and commas, come last.
const char* squeue_format();
// Parses `squeue -h -O <squeue_format()>` output. Lines that do not parse are skipped.
std::vector<SlurmJobRecord> parse_squeue(std::string_view out);

// sacct's --format argument for `sacct -n -P -X -o <sacct_format()>` (and with -c).
const char* sacct_format();
// Parses that output ('|'-separated, one job per line, the job name last; "JobID.batch"
// step lines skipped).
std::vector<SlurmJobRecord> parse_sacct(std::string_view out);

// "[D-]HH:MM:SS", "MM:SS", "M:SS" (squeue's TimeUsed, sacct's Elapsed) → seconds.
std::optional<long> parse_slurm_duration(std::string_view s);
// squeue's exit_code is a raw wait status (4021 = exit 15, signal 53 with core flag).
int exit_code_from_wait_status(long raw);
// sacct's "exit:signal" pair ("3:0", "0:9") → exit status, or 128+signal.
std::optional<int> exit_code_from_pair(std::string_view s);

// Whether a record's id names the job a JobRef.id names: equal raw or array-style ids,
// or an array task inside a pending range ("43_5" in "43_[3-9%4]").
bool slurm_id_matches(const SlurmJobRecord& record, std::string_view ref_id);
// "42" or "43_2": what hpod may pass to squeue -j (anything else makes it fail for all).
bool valid_slurm_job_id(std::string_view id);

struct SlurmStateMapping {
  JobPhase phase = JobPhase::kUnknown;
  bool retryable = false;  // NODE_FAIL, PREEMPTED: the trial never had a fair run
};
// README "Slurm": PENDING/CONFIGURING → pending; RUNNING/COMPLETING → running;
// COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, BOOT_FAIL, DEADLINE → finished;
// NODE_FAIL, PREEMPTED → finished and retryable. States a --no-requeue batch job passes
// through only briefly map the same way (SUSPENDED → running, REQUEUED → pending); an
// unknown state is kUnknown.
SlurmStateMapping map_slurm_state(std::string_view state);

// The job id from `sbatch --parsable` output ("42" or "42;cluster").
Result<std::string> parse_sbatch_output(std::string_view out);

// A failed Slurm client call as a Status: Unavailable when the controller did not answer
// (timeout, "Unable to contact slurm controller", "temporarily unavailable", ...);
// FailedPrecondition for policy refusals (QOS/association limits); InvalidArgument for
// other refusals (bad partition, account, gres, memory). The message carries Slurm's.
Status slurm_command_error(const CommandResult& r, const std::string& name);
// Whether a failure means "the controller did not answer" (retry later).
bool slurm_controller_unreachable(const CommandResult& r);

}  // namespace hpod
