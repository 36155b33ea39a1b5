// Trials as local processes. Each runs in its own session and process group (so it
// outlives a daemon restart and a kill reaches all of it), under a small /bin/sh wrapper
// that records the command's exit status in the run directory. Optional GPU slots: one
// trial per GPU id at a time, with CUDA_VISIBLE_DEVICES set.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "daemon/executors/executor.hpp"

namespace hpod {

class LocalExecutor final : public Executor {
 public:
  LocalExecutor();
  std::string kind() const override { return "local"; }
  bool can_launch(const LaunchSpec& spec) override;
  Result<JobRef> launch(const LaunchSpec& spec) override;
  std::map<std::string, JobStatus> poll(const std::vector<JobRef>& jobs) override;
  Status terminate(const JobRef& job) override;
  Status kill(const JobRef& job) override;
  // Launches are mostly file-system work and a spawn: two overlap well.
  int launch_lanes() const override { return 2; }
  // A job started just before a daemon crash, before its ref was stored: launch() writes
  // its pid and start time into the run directory before it returns.
  Result<std::optional<JobRef>> find_unrecorded(const LaunchSpec& spec) override;
  bool command_ended(const JobRef& job) override;

 private:
  struct Proc {
    int pid = -1;
    unsigned long long start = 0;  // /proc/<pid>/stat starttime, guards against reused pids
    int gpu = -1;
  };
  static std::optional<Proc> parse_ref(const JobRef& ref);
  // The process is alive and is the one we started.
  static bool alive(const Proc& p);
  int pick_gpu(const LaunchSpec& spec);

  std::mutex mu_;
  std::set<int> gpus_in_use_;
  std::map<int, int> exit_codes_;  // our children reaped by waitpid: pid → wait status
};

// /proc/<pid>/stat field 22 (start time in clock ticks since boot); nullopt if gone.
std::optional<unsigned long long> process_start_time(int pid);

}  // namespace hpod
