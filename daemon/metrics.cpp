#include "daemon/metrics.hpp"

#include <cstdio>

namespace hpod {

void Histogram::observe(double s) {
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (s <= kBuckets[i]) counts_[i]++;
  count_++;
  sum_ += s;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  std::string sep = labels.empty() ? "" : ",";
  char buf[64];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%g", kBuckets[i]);
    out += name + "_bucket{" + labels + sep + "le=\"" + buf + "\"} " + std::to_string(counts_[i]) + "\n";
  }
  out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  std::snprintf(buf, sizeof buf, "%.9g", sum_);
  std::string l = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + l + " " + buf + "\n";
  out += name + "_count" + l + " " + std::to_string(count_) + "\n";
}

}  // namespace hpod
