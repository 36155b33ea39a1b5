// report_load: durable reports per second and latency of a real hpod, from N keep-alive
// connections, each a trial reporting step after step (every answer comes after the
// report's transaction committed). Then the daemon's memory per stored intermediate value.
// Not a test; prints figures. scripts/bench.sh load runs it next to Optuna's SQLite storage.
//
//   report_load --hpod build/hpod [--seconds 5] [--connections 1,16,64,256] [--memory-values 1000000]
//               [--streams 0,50] [--repeat 3]
//
// --streams: also measure with N open dashboards, i.e. N Server-Sent Events subscribers of
// the study's event stream (each receives every report), read on a thread of their own.
// Each connection count runs once per stream count, --repeat times in alternating order,
// and the medians are compared with the first stream count (the slowdown, in %).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <array>
#include <atomic>
#include <map>
#include <sstream>
#include <thread>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

extern char** environ;

namespace {

struct Daemon {
  pid_t pid = -1;
  std::string url, host, port, dir;

  void start(const std::string& hpod, const std::string& sync) {
    dir = (fs::temp_directory_path() / ("hpod-load-" + std::to_string(::getpid()))).string();
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir + "/hpod.json") << json{{"listen", "127.0.0.1:0"}, {"database", "load.db"}, {"sqlite_synchronous", sync},
                                              {"limits", {{"max_connections", 10000}}}, {"log", {{"level", "warn"}}}}.dump();
    std::string cfg = dir + "/hpod.json", urlf = dir + "/url";
    const char* argv[] = {hpod.c_str(), "--config", cfg.c_str(), "--url-file", urlf.c_str(), nullptr};
    if (posix_spawn(&pid, hpod.c_str(), nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
      std::perror("posix_spawn hpod");
      std::exit(1);
    }
    auto deadline = Clock::now() + std::chrono::seconds(20);
    while (!fs::exists(urlf)) {
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "hpod did not start\n");
        std::exit(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::ifstream(urlf) >> url;
    auto hp = url.substr(7);
    host = hp.substr(0, hp.find(':'));
    port = hp.substr(hp.find(':') + 1);
  }
  void stop() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
    fs::remove_all(dir);
  }
  long rss_kb() const {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
  }
};

// A blocking request on its own connection (setup only).
json sync_request(const Daemon& d, const std::string& method, const std::string& path, const json& body) {
  net::io_context ioc;
  beast::tcp_stream s(ioc);
  s.connect(tcp::resolver(ioc).resolve(d.host, d.port));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), path, 11};
  req.set(bhttp::field::host, d.host);
  req.body() = body.is_null() ? "" : body.dump();
  req.prepare_payload();
  bhttp::write(s, req);
  beast::flat_buffer b;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(s, b, res);
  return json::parse(res.body(), nullptr, false);
}

struct Trial {
  std::int64_t id;
  std::string token;
};

std::vector<Trial> ask_trials(const Daemon& d, const std::string& study, int n) {
  std::vector<Trial> out;
  for (int i = 0; i < n; ++i) {
    json a = sync_request(d, "POST", "/api/v1/studies/" + study + "/ask", nullptr);
    out.push_back({a["trial_id"].get<std::int64_t>(), a["token"].get<std::string>()});
  }
  return out;
}

// One keep-alive connection reporting its trial's steps in a closed loop.
struct Reporter : std::enable_shared_from_this<Reporter> {
  Reporter(net::io_context& ioc, Trial t, Clock::time_point until, std::vector<double>& lat, long& errors, long steps_cap)
      : stream(ioc), trial(std::move(t)), until(until), latencies(lat), errors(errors), steps_cap(steps_cap) {}
  beast::tcp_stream stream;
  Trial trial;
  Clock::time_point until;
  std::vector<double>& latencies;
  long& errors;
  long steps_cap;
  long step = 0;
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> req;
  bhttp::response<bhttp::string_body> res;
  Clock::time_point t0;

  void start(const tcp::resolver::results_type& ep) {
    stream.async_connect(ep, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
      if (ec) {
        self->errors++;
        return;
      }
      self->next();
    });
  }
  void next() {
    if (Clock::now() >= until || (steps_cap > 0 && step >= steps_cap)) return;
    req = {bhttp::verb::post, "/api/v1/trials/" + std::to_string(trial.id) + "/report", 11};
    req.set(bhttp::field::host, "localhost");
    req.set(bhttp::field::authorization, "Bearer " + trial.token);
    req.set(bhttp::field::content_type, "application/json");
    req.body() = "{\"step\": " + std::to_string(step) + ", \"value\": " + std::to_string(1.0 / (step + 1)) + "}";
    req.keep_alive(true);
    req.prepare_payload();
    t0 = Clock::now();
    bhttp::async_write(stream, req, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->errors++;
        return;
      }
      self->res = {};
      bhttp::async_read(self->stream, self->buffer, self->res, [self](beast::error_code ec2, std::size_t) {
        if (ec2 || self->res.result_int() != 200) {
          self->errors++;
          if (ec2) return;
        } else {
          self->latencies.push_back(std::chrono::duration<double>(Clock::now() - self->t0).count());
        }
        self->step++;
        self->next();
      });
    });
  }
};

// N open dashboards: each subscribes to the study's events and reads everything it gets.
class Streams {
 public:
  Streams(const Daemon& d, const std::string& study, int n) {
    if (n <= 0) return;
    auto ep = tcp::resolver(ioc_).resolve(d.host, d.port);
    for (int i = 0; i < n; ++i) {
      auto s = std::make_shared<Sub>(ioc_);
      s->stream.connect(ep);
      std::string req = "GET /api/v1/studies/" + study + "/events?tail=0 HTTP/1.1\r\nHost: " + d.host + "\r\n\r\n";
      net::write(s->stream, net::buffer(req));
      subs_.push_back(s);
      read(s);
    }
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Streams() {
    for (auto& s : subs_) {
      beast::error_code ec;
      s->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    }
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }
  // Report events received, over all streams.
  long reports() const {
    long n = 0;
    for (auto& s : subs_) n += s->reports.load();
    return n;
  }

 private:
  struct Sub {
    explicit Sub(net::io_context& ioc) : stream(ioc) {}
    beast::tcp_stream stream;
    std::array<char, 65536> buf{};
    std::string tail;  // an event name cut between two reads
    std::atomic<long> reports{0};
  };
  void read(std::shared_ptr<Sub> s) {
    s->stream.async_read_some(net::buffer(s->buf), [this, s](beast::error_code ec, std::size_t n) {
      if (ec) return;
      std::string chunk = s->tail + std::string(s->buf.data(), n);
      static const std::string kEvent = "event: report";
      long found = 0;
      for (auto at = chunk.find(kEvent); at != std::string::npos; at = chunk.find(kEvent, at + 1)) ++found;
      s->reports += found;
      s->tail = chunk.size() > kEvent.size() ? chunk.substr(chunk.size() - kEvent.size() + 1) : chunk;
      read(s);
    });
  }
  net::io_context ioc_;
  std::vector<std::shared_ptr<Sub>> subs_;
  std::thread thread_;
};

struct RunResult {
  double per_second, p50_ms, p99_ms;
  long errors, total;
};

RunResult run_load(const Daemon& d, const std::vector<Trial>& trials, double seconds, long steps_cap = 0) {
  net::io_context ioc;
  auto ep = tcp::resolver(ioc).resolve(d.host, d.port);
  std::vector<double> lat;
  long errors = 0;
  auto start = Clock::now();
  auto until = steps_cap > 0 ? Clock::now() + std::chrono::hours(1) : start + std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  for (auto& t : trials) std::make_shared<Reporter>(ioc, t, until, lat, errors, steps_cap)->start(ep);
  ioc.run();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) { return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, static_cast<std::size_t>(p * lat.size()))] * 1000; };
  return {static_cast<double>(lat.size()) / elapsed, pct(0.5), pct(0.99), errors, static_cast<long>(lat.size())};
}

}  // namespace

int main(int argc, char** argv) {
  std::string hpod = "build/hpod", sync = "FULL";
  double seconds = 5;
  std::vector<int> conns = {1, 16, 64, 256};
  std::vector<int> stream_counts;
  int repeat = 1;
  long memory_values = 1'000'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--hpod") hpod = v;
    else if (a == "--seconds") seconds = std::stod(v);
    else if (a == "--sync") sync = v;
    else if (a == "--memory-values") memory_values = std::stol(v);
    else if (a == "--repeat") repeat = std::max(1, std::stoi(v));
    else if (a == "--connections" || a == "--streams") {
      auto& list = a == "--connections" ? conns : stream_counts;
      list.clear();
      std::stringstream ss(v);
      std::string x;
      while (std::getline(ss, x, ',')) list.push_back(std::stoi(x));
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  Daemon d;
  d.start(hpod, sync);
  int study_no = 0;
  auto new_study = [&] {
    std::string study = "load" + std::to_string(study_no++);
    sync_request(d, "POST", "/api/v1/studies",
                 json{{"name", study}, {"search_space", {{"x", {{"type", "float"}, {"low", 0}, {"high", 1}}}}},
                      {"sampler", {{"type", "random"}}}, {"pruner", {{"type", "nop"}}}});
    return study;
  };
  if (!stream_counts.empty()) {
    // Open dashboards: the same load with 0, N, ... event-stream subscribers, alternating.
    std::printf("hpod durable reports with open dashboards (SSE subscribers), synchronous=%s, %.0f s per run, %d runs each\n",
                sync.c_str(), seconds, repeat);
    std::printf("%12s %8s %14s %10s %10s %16s %8s\n", "connections", "streams", "reports/s", "p50 ms", "p99 ms",
                "events/stream", "errors");
    for (int n : conns) {
      std::map<int, std::vector<double>> rates;
      for (int r = 0; r < repeat; ++r) {
        for (std::size_t k = 0; k < stream_counts.size(); ++k) {
          int m = stream_counts[r % 2 == 0 ? k : stream_counts.size() - 1 - k];
          std::string study = new_study();
          auto trials = ask_trials(d, study, n);
          Streams streams(d, study, m);
          std::this_thread::sleep_for(std::chrono::milliseconds(200));  // subscribed before the load starts
          auto res = run_load(d, trials, seconds);
          std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the last events arrive
          double per_stream = m > 0 ? static_cast<double>(streams.reports()) / m : 0;
          std::printf("%12d %8d %14.0f %10.2f %10.2f %16.0f %8ld\n", n, m, res.per_second, res.p50_ms, res.p99_ms,
                      per_stream, res.errors);
          std::fflush(stdout);
          if (m > 0 && per_stream < 0.99 * static_cast<double>(res.total))
            std::printf("  (streams received %.0f of %ld report events each)\n", per_stream, res.total);
          rates[m].push_back(res.per_second);
        }
      }
      auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
      };
      double base = median(rates[stream_counts[0]]);
      for (int m : stream_counts)
        std::printf("DASHBOARDS: %d connections, %d streams: median %.0f reports/s (%+.1f %% vs %d streams)\n", n, m,
                    median(rates[m]), 100.0 * (median(rates[m]) / base - 1), stream_counts[0]);
    }
    d.stop();
    return 0;
  }
  std::printf("hpod durable reports (SQLite WAL, synchronous=%s, group commit), %.0f s per row\n", sync.c_str(), seconds);
  std::printf("%12s %14s %10s %10s %8s\n", "connections", "reports/s", "p50 ms", "p99 ms", "errors");
  for (int n : conns) {
    std::string study = new_study();
    auto trials = ask_trials(d, study, n);
    auto r = run_load(d, trials, seconds);
    std::printf("%12d %14.0f %10.2f %10.2f %8ld\n", n, r.per_second, r.p50_ms, r.p99_ms, r.errors);
    std::fflush(stdout);
  }
  if (memory_values > 0) {
    // Memory: a fresh daemon, then `memory_values` reports over 1000 trials.
    d.stop();
    d.start(hpod, "NORMAL");
    sync_request(d, "POST", "/api/v1/studies",
                 json{{"name", "mem"}, {"search_space", {{"x", {{"type", "float"}, {"low", 0}, {"high", 1}}}}},
                      {"sampler", {{"type", "random"}}}, {"pruner", {{"type", "nop"}}}});
    int trials_n = 1000;
    auto trials = ask_trials(d, "mem", trials_n);
    long before = d.rss_kb();
    auto r = run_load(d, trials, 0, memory_values / trials_n);
    long after = d.rss_kb();
    double per_value = (after - before) * 1024.0 / static_cast<double>(r.total);
    std::printf("\nmemory: %ld intermediate values stored in %.1f s; daemon RSS %ld -> %ld kB: %.0f bytes per value\n",
                r.total, r.total / r.per_second, before, after, per_value);
  }
  d.stop();
  return 0;
}
