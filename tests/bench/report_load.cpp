// report_load: durable reports per second and latency of a real hpod, from N keep-alive
// connections, each a trial reporting step after step (every answer comes after the
// report's transaction committed). Then the daemon's memory per stored intermediate value.
// Not a test; prints figures. scripts/bench.sh load runs it next to Optuna's SQLite storage.
//
//   report_load --hpod build/hpod [--seconds 5] [--connections 1,16,64,256] [--memory-values 1000000]
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
  long memory_values = 1'000'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--hpod") hpod = v;
    else if (a == "--seconds") seconds = std::stod(v);
    else if (a == "--sync") sync = v;
    else if (a == "--memory-values") memory_values = std::stol(v);
    else if (a == "--connections") {
      conns.clear();
      std::stringstream ss(v);
      std::string x;
      while (std::getline(ss, x, ',')) conns.push_back(std::stoi(x));
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  Daemon d;
  d.start(hpod, sync);
  std::printf("hpod durable reports (SQLite WAL, synchronous=%s, group commit), %.0f s per row\n", sync.c_str(), seconds);
  std::printf("%12s %14s %10s %10s %8s\n", "connections", "reports/s", "p50 ms", "p99 ms", "errors");
  int study_no = 0;
  for (int n : conns) {
    std::string study = "load" + std::to_string(study_no++);
    sync_request(d, "POST", "/api/v1/studies",
                 json{{"name", study}, {"search_space", {{"x", {{"type", "float"}, {"low", 0}, {"high", 1}}}}},
                      {"sampler", {{"type", "random"}}}, {"pruner", {{"type", "nop"}}}});
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
