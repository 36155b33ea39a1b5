// Counters and latency histograms for /metrics (Prometheus text format). Owner thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace hpod {

class Histogram {
 public:
  static constexpr std::array<double, 14> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,    0.1,    0.25,  0.5,    1.0,  5.0};
  void observe(double seconds);
  // Appends the _bucket/_sum/_count lines; `labels` like `route="report"` (may be empty).
  void render(std::string& out, const std::string& name, const std::string& labels) const;
  std::uint64_t count() const { return count_; }

 private:
  std::array<std::uint64_t, kBuckets.size()> counts_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

struct Metrics {
  std::map<std::string, Histogram> request_seconds;  // by route
  std::map<int, std::uint64_t> responses_by_status;
};

}  // namespace hpod
