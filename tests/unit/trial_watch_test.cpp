// When the orchestrator takes a running trial for dead (heartbeat_timeout_s, only once it
// has sent a heartbeat) or hung (progress_timeout_s, opt-in): fixed time points, no sleeps.
#include <doctest/doctest.h>

#include "daemon/orchestrator/trial_watch.hpp"

using namespace hpod;

namespace {

std::chrono::steady_clock::time_point watch_t0() { return std::chrono::steady_clock::time_point(std::chrono::hours(1)); }
std::chrono::steady_clock::time_point watch_at(double s) {
  return watch_t0() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace

TEST_CASE("trial watch: a trial that never sent a heartbeat is not held to heartbeat_timeout_s") {
  TrialSpec spec;
  spec.heartbeat_timeout_s = 10;
  TrialRuntime tr;
  mark_trial_started(tr, watch_t0());
  // A curl trial reporting once per hour-long epoch.
  CHECK_FALSE(trial_timeout(spec, tr, watch_at(3600)));
}

TEST_CASE("trial watch: once it sent a heartbeat, silence longer than the timeout ends it") {
  TrialSpec spec;
  spec.heartbeat_timeout_s = 10;
  TrialRuntime tr;
  mark_trial_started(tr, watch_t0());
  tr.meta[kHeartbeatsMeta] = "1";
  tr.last_seen = watch_at(5);  // a heartbeat
  CHECK_FALSE(trial_timeout(spec, tr, watch_at(15)));
  auto why = trial_timeout(spec, tr, watch_at(16));
  REQUIRE(why);
  CHECK(*why == "no report or heartbeat for 11 s (heartbeat_timeout_s)");
  spec.heartbeat_timeout_s = 0;  // disabled
  CHECK_FALSE(trial_timeout(spec, tr, watch_at(1000)));
}

TEST_CASE("trial watch: the progress timeout counts from the last report, heartbeats do not reset it") {
  TrialSpec spec;
  spec.heartbeat_timeout_s = 10;
  spec.progress_timeout_s = 60;
  TrialRuntime tr;
  mark_trial_started(tr, watch_t0());
  tr.meta[kHeartbeatsMeta] = "1";
  CHECK_FALSE(trial_timeout(spec, tr, watch_at(1)));
  for (double s = 5; s <= 70; s += 5) tr.last_seen = watch_at(s);  // heartbeats keep coming
  CHECK_FALSE(trial_timeout(spec, tr, watch_at(59)));
  auto why = trial_timeout(spec, tr, watch_at(70));
  REQUIRE(why);
  CHECK(*why == "no report for 70 s (progress_timeout_s)");
  tr.last_report = tr.last_seen = watch_at(65);  // a report
  CHECK_FALSE(trial_timeout(spec, tr, watch_at(70)));
  spec.progress_timeout_s = 0;  // the default: off
  CHECK_FALSE(trial_timeout(spec, tr, watch_at(74)));
}
