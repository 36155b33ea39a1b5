#include "daemon/orchestrator/outcome.hpp"

#include <cmath>
#include <fstream>

namespace hpod {

TrialOutcome settle_outcome(const FrozenTrial& trial, const JobStatus& st, const TrialSpec& spec) {
  TrialOutcome o;
  if (st.retryable) {
    o.reason = st.state + (st.reason.empty() || st.reason == st.state ? "" : ": " + st.reason);
    o.retry = true;
    return o;
  }
  bool clean_exit = st.state == "COMPLETED" || (st.state == "EXITED" && st.exit_code == 0);
  if (clean_exit) {
    if (spec.final_value == FinalValueMode::kLastReport) {
      if (auto last = trial.last_step()) {
        double v = *trial.intermediate_values.at(*last);
        if (!std::isnan(v)) {
          o.state = TrialState::kComplete;
          o.values = {v};
          return o;
        }
        o.reason = "exited with a NaN last report as its final value";
        return o;
      }
    }
    o.reason = "exited without a final value";
    return o;
  }
  if (st.state == "CANCELLED" && !st.cancelled_by_hpod) {
    o.reason = "CANCELLED by someone else (outside hpod)";
    return o;
  }
  if (st.state == "EXITED" || st.state == "KILLED") {
    o.reason = st.reason.empty() ? "exited with code " + std::to_string(st.exit_code) : st.reason;
    return o;
  }
  // Slurm's terminal states are the reason: FAILED, TIMEOUT, OUT_OF_MEMORY, BOOT_FAIL, ...
  o.reason = st.state;
  if (st.state == "FAILED" && st.exit_code >= 0) o.reason += " (exit code " + std::to_string(st.exit_code) + ")";
  return o;
}

std::string file_tail(const std::string& path, std::size_t max_lines, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  auto size = static_cast<std::size_t>(in.tellg());
  std::size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string s(size - start, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  if (start > 0) {
    auto nl = s.find('\n');  // drop the partial first line
    s = nl == std::string::npos ? std::string() : s.substr(nl + 1);
  }
  while (!s.empty() && s.back() == '\n') s.pop_back();
  std::size_t lines = 0, pos = s.size();
  while (pos > 0) {
    auto nl = s.rfind('\n', pos - 1);
    if (nl == std::string::npos) break;
    if (++lines == max_lines) return s.substr(nl + 1);
    pos = nl;
  }
  return s;
}

}  // namespace hpod
