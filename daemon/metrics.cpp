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

PrometheusText& PrometheusText::family(const std::string& name, const char* type, const std::string& help) {
  if (!help.empty()) out_ += "# HELP " + name + " " + help + "\n";
  out_ += "# TYPE " + name + " " + type + "\n";
  return *this;
}

PrometheusText& PrometheusText::summary(const std::string& name, double sum, std::uint64_t count,
                                        const std::string& help) {
  family(name, "summary", help);
  sample(name + "_sum", sum);
  return sample(name + "_count", count);
}

PrometheusText& PrometheusText::histogram(const std::string& name, const Histogram& h, const Labels& labels) {
  h.render(out_, name, label_text(labels));
  return *this;
}

PrometheusText& PrometheusText::sample_text(const std::string& name, const std::string& value, const Labels& labels) {
  out_ += name;
  if (!labels.empty()) out_ += "{" + label_text(labels) + "}";
  out_ += " " + value + "\n";
  return *this;
}

std::string PrometheusText::label_text(const Labels& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (!out.empty()) out += ",";
    out += key + "=\"" + escape_label(value) + "\"";
  }
  return out;
}

std::string PrometheusText::escape_label(const std::string& value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    if (ch == '\\' || ch == '"') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace hpod
