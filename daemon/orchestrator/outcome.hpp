// What a trial becomes when its job ends before the trial told hpod anything
// (README "What a trial sees" and "Slurm": the tables of job states → trial states).
#pragma once

#include <string>
#include <vector>

#include "daemon/executors/executor.hpp"
#include "hpod/study.hpp"
#include "hpod/trial.hpp"

namespace hpod {

struct TrialOutcome {
  TrialState state = TrialState::kFail;
  std::vector<double> values;
  std::string reason;  // fail_reason
  bool retry = false;  // re-run as a new trial with the same parameters (if retries are left)
};

TrialOutcome settle_outcome(const FrozenTrial& trial, const JobStatus& status, const TrialSpec& spec);

// The last lines of a file (at most max_bytes), for a failed trial's stderr.
std::string file_tail(const std::string& path, std::size_t max_lines = 20, std::size_t max_bytes = 4096);

}  // namespace hpod
