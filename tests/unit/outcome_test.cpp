// What a trial becomes when its job ends, and the stderr tail kept for it
// (daemon/orchestrator/outcome.*).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "daemon/orchestrator/outcome.hpp"

using namespace hpod;

TEST_CASE("job outcomes become trial states as the README's tables say") {
  FrozenTrial t;
  t.intermediate_values.insert(0, 2.0);
  t.intermediate_values.insert(1, 1.5);
  TrialSpec spec;
  auto status = [](std::string state, int code, bool retryable = false, bool by_hpod = false) {
    JobStatus s;
    s.phase = JobPhase::kFinished;
    s.state = std::move(state);
    s.exit_code = code;
    s.retryable = retryable;
    s.cancelled_by_hpod = by_hpod;
    return s;
  };
  auto o = settle_outcome(t, status("COMPLETED", 0), spec);
  CHECK(o.state == TrialState::kFail);
  CHECK(o.reason == "exited without a final value");
  spec.final_value = FinalValueMode::kLastReport;
  o = settle_outcome(t, status("EXITED", 0), spec);
  CHECK(o.state == TrialState::kComplete);
  CHECK(o.values == std::vector<double>{1.5});
  spec.final_value = FinalValueMode::kTell;
  for (const char* s : {"FAILED", "TIMEOUT", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"}) {
    o = settle_outcome(t, status(s, 1), spec);
    CHECK(o.state == TrialState::kFail);
    CHECK_FALSE(o.retry);
    CHECK(o.reason.rfind(s, 0) == 0);
  }
  CHECK(settle_outcome(t, status("FAILED", 2), spec).reason == "FAILED (exit code 2)");
  CHECK(settle_outcome(t, status("CANCELLED", 0), spec).reason == "CANCELLED by someone else (outside hpod)");
  CHECK(settle_outcome(t, status("CANCELLED", 0, false, true), spec).reason == "CANCELLED");
  for (const char* s : {"NODE_FAIL", "PREEMPTED", "LOST"}) {
    o = settle_outcome(t, status(s, -1, true), spec);
    CHECK(o.state == TrialState::kFail);
    CHECK(o.retry);
  }
}

TEST_CASE("the last lines of a file") {
  auto p = std::filesystem::temp_directory_path() / "hpod-tail-test.txt";
  {
    std::ofstream f(p);
    for (int i = 0; i < 50; ++i) f << "line " << i << "\n";
  }
  std::string tail = file_tail(p.string(), 3);
  CHECK(tail == "line 47\nline 48\nline 49");
  CHECK(file_tail(p.string(), 100, 20) == "line 48\nline 49");  // no partial first line
  CHECK(file_tail("/nonexistent/file") == "");
  std::filesystem::remove(p);
}
