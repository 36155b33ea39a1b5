// Where the daemon's decisions read the time: the orchestrator's timeouts, grace periods
// and back-offs, and the service's budget and trial start times. Injected through the
// options so tests can move time by hand instead of sleeping; the daemon uses real_clock().
//
// Both calls may come from any thread (a poll measures its duration on a worker thread).
#pragma once

#include <chrono>

namespace hpod {

class Clock {
 public:
  virtual ~Clock() = default;
  // For durations: timeouts, grace periods, back-offs, latencies.
  virtual std::chrono::steady_clock::time_point steady() const = 0;
  // For wall-clock facts that are stored or compared with stored ones: datetime_start,
  // a study's start for budget.timeout_s.
  virtual std::chrono::system_clock::time_point system() const = 0;
};

// The machine's clocks; lives for the whole program.
const Clock& real_clock();

}  // namespace hpod
