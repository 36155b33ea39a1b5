// The batch script hpod submits for a trial, and the small files it leaves in the run
// directory (its format lives here, writer and reader side by side).
//
// The script carries every sbatch option as an #SBATCH line (so `sbatch job.sbatch`
// resubmits the same trial by hand), exports the trial's environment, records where it
// ran (node, CUDA_VISIBLE_DEVICES), runs the command and records its exit status, each
// record written to a temporary file and renamed so a reader never sees half a file.
// The exit_status file means an outcome never depends on Slurm's accounting alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/executors/executor.hpp"

namespace hpod {

// File names inside a trial's run directory.
namespace slurm_files {
inline constexpr const char* kScript = "job.sbatch";
inline constexpr const char* kStdout = "stdout";
inline constexpr const char* kStderr = "stderr";
inline constexpr const char* kExitStatus = "exit_status";  // "<status>\n", 128+N after signal N
inline constexpr const char* kSlurmEnv = "slurm_env";      // KEY=value lines, see SlurmEnvRecord
inline constexpr const char* kCancelled = "cancelled_by_hpod";  // written by terminate/kill
}  // namespace slurm_files

// "hpod-<study>-<number>": what squeue shows, and how a submission whose sbatch timed out
// is found again.
std::string slurm_job_name(const LaunchSpec& spec);

// The whole script. InvalidArgument when a value cannot be expressed: a NUL byte, a line
// break in an #SBATCH value, a backslash in the run directory (Slurm drops backslashes from
// --output/--error paths), an environment name that is no shell identifier, no command.
Result<std::string> make_batch_script(const LaunchSpec& spec);

// One #SBATCH word as sbatch's script parser reads it: double quotes, with '\' and '"'
// escaped (inside quotes sbatch takes "\x" as x; a bare "\ " does not escape a space, and
// an unquoted '#' starts a comment).
std::string sbatch_directive_quote(std::string_view word);

// A path for --output/--error: '%' doubled so Slurm's file name patterns (%j, %x, ...)
// leave it alone.
std::string slurm_filename_literal(std::string_view path);

// What the script recorded about where it ran.
struct SlurmEnvRecord {
  std::string node;                                 // SLURMD_NODENAME
  std::string job_id;                               // SLURM_JOB_ID
  std::optional<std::string> cuda_visible_devices;  // absent: not set in the job (no GPUs)
};
SlurmEnvRecord parse_slurm_env(std::string_view text);

}  // namespace hpod
