// Runs an external command (sbatch, squeue, ...) the way the executors need it: argv
// only (never a shell), a hard timeout, stdout and stderr captured, the exit status.
//
// The child gets its own process group; on timeout the whole group is SIGKILLed, so a
// Slurm client stuck on a dead controller (they block ~9 s per call) or a wrapper script
// with children of its own cannot hold the caller. CommandRunner is an interface so tests
// and benchmarks can count or fake calls.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace hpod {

struct Command {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH unless it contains '/'
  std::chrono::milliseconds timeout{10000};
};

struct CommandResult {
  int exit_code = -1;        // exit status when the command exited, else -1
  int term_signal = 0;       // the signal that ended it (SIGKILL after a timeout)
  bool timed_out = false;
  bool spawn_failed = false; // could not be started at all; `err` says why
  std::string out, err;
  double seconds = 0;

  bool ok() const { return !timed_out && !spawn_failed && term_signal == 0 && exit_code == 0; }
  // "sbatch timed out after 30 s", "rc=1: <stderr, trimmed>", "killed by signal 9", ...
  std::string describe(const std::string& name) const;
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual CommandResult run(const Command& command) = 0;
};

// The real thing: posix_spawn, poll() on both pipes, waitpid.
class ProcessRunner final : public CommandRunner {
 public:
  // Output beyond this many bytes per stream is read and dropped (a runaway command must
  // not exhaust the daemon's memory).
  explicit ProcessRunner(std::size_t max_output_bytes = 64u << 20) : max_output_(max_output_bytes) {}
  CommandResult run(const Command& command) override;

 private:
  std::size_t max_output_;
};

}  // namespace hpod
