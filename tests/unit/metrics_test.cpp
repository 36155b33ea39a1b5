// Histograms and the Prometheus text writer (daemon/metrics.*).
#include <doctest/doctest.h>

#include <cstdint>

#include "daemon/metrics.hpp"

using namespace hpod;

TEST_CASE("PrometheusText: families, labelled samples, summaries") {
  PrometheusText p;
  p.counter("hpod_reports_total", std::uint64_t{7}, "Intermediate values reported.");
  p.gauge("hpod_event_streams", std::size_t{2});
  p.family("hpod_trials", "gauge");
  p.sample("hpod_trials", 3, {{"study", "a \"b\"\\c\nd"}, {"state", "RUNNING"}});
  p.summary("hpod_sampler_seconds", 1.5, 4, "Time spent planning trials.");
  CHECK(p.take() ==
        "# HELP hpod_reports_total Intermediate values reported.\n"
        "# TYPE hpod_reports_total counter\n"
        "hpod_reports_total 7\n"
        "# TYPE hpod_event_streams gauge\n"
        "hpod_event_streams 2\n"
        "# TYPE hpod_trials gauge\n"
        "hpod_trials{study=\"a \\\"b\\\"\\\\c\\nd\",state=\"RUNNING\"} 3\n"
        "# HELP hpod_sampler_seconds Time spent planning trials.\n"
        "# TYPE hpod_sampler_seconds summary\n"
        "hpod_sampler_seconds_sum 1.500000\n"
        "hpod_sampler_seconds_count 4\n");
}

TEST_CASE("PrometheusText: a histogram's buckets carry its labels") {
  Histogram h;
  h.observe(0.003);
  h.observe(2.0);
  PrometheusText p;
  p.histogram("hpod_http_request_seconds", h, {{"route", "report"}});
  std::string text = p.take();
  CHECK(text.find("hpod_http_request_seconds_bucket{route=\"report\",le=\"0.0025\"} 0\n") != std::string::npos);
  CHECK(text.find("hpod_http_request_seconds_bucket{route=\"report\",le=\"0.005\"} 1\n") != std::string::npos);
  CHECK(text.find("hpod_http_request_seconds_bucket{route=\"report\",le=\"+Inf\"} 2\n") != std::string::npos);
  CHECK(text.find("hpod_http_request_seconds_sum{route=\"report\"} 2.003\n") != std::string::npos);
  CHECK(text.find("hpod_http_request_seconds_count{route=\"report\"} 2\n") != std::string::npos);
}
