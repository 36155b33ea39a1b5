#include "daemon/orchestrator/trial_watch.hpp"

#include <cstdio>

namespace hpod {

void mark_trial_started(TrialRuntime& tr, std::chrono::steady_clock::time_point now) {
  tr.last_seen = now;
  tr.last_report = now;
}

std::optional<std::string> trial_timeout(const TrialSpec& spec, const TrialRuntime& tr,
                                         std::chrono::steady_clock::time_point now) {
  char buf[96];
  if (spec.heartbeat_timeout_s > 0 && tr.meta.count(kHeartbeatsMeta)) {
    double silent = std::chrono::duration<double>(now - tr.last_seen).count();
    if (silent > spec.heartbeat_timeout_s) {
      std::snprintf(buf, sizeof buf, "no report or heartbeat for %.0f s (heartbeat_timeout_s)", silent);
      return buf;
    }
  }
  if (spec.progress_timeout_s > 0) {
    double idle = std::chrono::duration<double>(now - tr.last_report).count();
    if (idle > spec.progress_timeout_s) {
      std::snprintf(buf, sizeof buf, "no report for %.0f s (progress_timeout_s)", idle);
      return buf;
    }
  }
  return std::nullopt;
}

}  // namespace hpod
