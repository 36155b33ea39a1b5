// When a running trial is taken for dead or hung. The executor already knows when a
// process is gone; these two timeouts cover what it cannot see:
//   heartbeat_timeout_s  no report or heartbeat: the node is cut off from hpod (only for
//                        trials that have sent a heartbeat, see kHeartbeatsMeta);
//   progress_timeout_s   no new report: the training loop hangs (opt-in).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "daemon/service/study_runtime.hpp"
#include "hpod/study.hpp"

namespace hpod {

// The trial's process runs (launched, seen running by Slurm, or re-attached after a
// restart): both clocks start now.
void mark_trial_started(TrialRuntime& tr, std::chrono::steady_clock::time_point now);

// Why the trial must be stopped and FAIL now, or nothing.
std::optional<std::string> trial_timeout(const TrialSpec& spec, const TrialRuntime& tr,
                                         std::chrono::steady_clock::time_point now);

}  // namespace hpod
