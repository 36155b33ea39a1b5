// Counters and latency histograms for /metrics, and the writer of the Prometheus text
// exposition format (version 0.0.4): the one place that knows its syntax (label escaping,
// line layout); the API and the daemon's wiring both write their metrics through it.
// Owner thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

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

// Writes one metric family at a time: its "# HELP" and "# TYPE" lines, then its samples.
class PrometheusText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // "# HELP" (when help is not empty) and "# TYPE" of the family `name`.
  PrometheusText& family(const std::string& name, const char* type, const std::string& help = "");
  // One sample line: name{labels} value.
  template <typename T>
  PrometheusText& sample(const std::string& name, T value, const Labels& labels = {}) {
    return sample_text(name, std::to_string(value), labels);
  }
  // A family of one unlabelled sample.
  template <typename T>
  PrometheusText& counter(const std::string& name, T value, const std::string& help = "") {
    return family(name, "counter", help).sample(name, value);
  }
  template <typename T>
  PrometheusText& gauge(const std::string& name, T value, const std::string& help = "") {
    return family(name, "gauge", help).sample(name, value);
  }
  // A summary without quantiles: name_sum and name_count.
  PrometheusText& summary(const std::string& name, double sum, std::uint64_t count, const std::string& help = "");
  // The _bucket, _sum and _count lines of one labelled histogram (after its family()).
  PrometheusText& histogram(const std::string& name, const Histogram& h, const Labels& labels = {});

  std::string take() { return std::move(out_); }

  // A label value with \, " and newlines escaped.
  static std::string escape_label(const std::string& value);

 private:
  PrometheusText& sample_text(const std::string& name, const std::string& value, const Labels& labels);
  static std::string label_text(const Labels& labels);  // a="x",b="y"
  std::string out_;
};

}  // namespace hpod
