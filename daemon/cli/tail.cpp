// hpoctl tail: a live view of a study. On a terminal: a fixed header (best trial, counts,
// reports per second) above a scrolling log of events, in colour. Piped: plain lines.
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "daemon/cli/cli.hpp"

namespace hpod::cli {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
void on_sigint(int) { g_stop = true; }

constexpr int kHeaderLines = 3;

struct Tail {
  const Context& ctx;
  std::string study;
  bool tty;
  std::mutex mu;  // terminal output and the fields below
  std::map<int, std::string> states;  // trial number → last state seen
  std::deque<Clock::time_point> report_times;
  json summary;

  const char* color(const char* code) const { return ctx.color ? code : ""; }

  double reports_per_second() {
    auto now = Clock::now();
    while (!report_times.empty() && now - report_times.front() > std::chrono::seconds(5)) report_times.pop_front();
    return static_cast<double>(report_times.size()) / 5.0;
  }

  std::vector<std::string> header_lines() {
    std::vector<std::string> h(kHeaderLines);
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f", reports_per_second());
    if (summary.is_object()) {
      auto& t = summary["trials"];
      h[0] = "study " + study + " [" + summary.value("state", "?") + "]  running " + std::to_string(t.value("RUNNING", 0)) +
             "  complete " + std::to_string(t.value("COMPLETE", 0)) + "  pruned " + std::to_string(t.value("PRUNED", 0)) +
             "  failed " + std::to_string(t.value("FAIL", 0)) + "  reports/s " + rate;
      if (summary["best_trial"].is_null()) {
        h[1] = "best: none yet";
      } else {
        h[1] = "best: trial " + summary["best_trial"]["number"].dump() + " = " + format_value(summary["best_trial"]["value"]);
        h[2] = "      " + format_params(summary["best_trial"]["params"], 200);
      }
    } else {
      h[0] = "study " + study + "  reports/s " + rate;
    }
    return h;
  }

  void draw_header() {
    auto h = header_lines();
    if (tty) {
      std::string out = "\0337";  // save the cursor
      for (int i = 0; i < kHeaderLines; ++i)
        out += "\033[" + std::to_string(i + 1) + ";1H\033[2K" + std::string(color("\033[1m")) + h[static_cast<std::size_t>(i)] + color("\033[0m");
      out += "\033[" + std::to_string(kHeaderLines + 1) + ";1H\033[2K" + std::string(40, '-');
      out += "\0338";  // restore it
      std::cout << out << std::flush;
    } else {
      for (auto& l : h)
        if (!l.empty()) std::cout << "# " << l << "\n";
      std::cout << std::flush;
    }
  }

  void line(const std::string& text, const char* col) {
    std::cout << color(col) << text << color("\033[0m") << "\n" << std::flush;
  }

  void on_event(const std::string& type, const std::string& data) {
    json j = json::parse(data, nullptr, false);
    if (j.is_discarded()) return;
    std::lock_guard lock(mu);
    std::string n = j.contains("number") ? j["number"].dump() : "?";
    if (type == "report") {
      report_times.push_back(Clock::now());
      line("trial " + n + "  step " + j["step"].dump() + "  value " + format_value(j["value"]), "");
    } else if (type == "launch") {
      std::string where;
      if (j.contains("node") && !j["node"].is_null()) where += " on node " + format_value(j["node"]);
      if (j.contains("job_id") && !j["job_id"].is_null()) where += " as job " + format_value(j["job_id"]);
      if (j.contains("gpus") && !j["gpus"].is_null() && j["gpus"] != "") where += " (GPU " + format_value(j["gpus"]) + ")";
      line("trial " + n + " started" + where, "\033[36m");
    } else if (type == "trial") {
      std::string state = j.value("state", "");
      int number = j.value("number", -1);
      std::string& prev = states[number];
      if (state == prev) return;
      prev = state;
      if (state == "RUNNING") line("trial " + n + " planned  " + format_params(j["params"], 160), "\033[36m");
      else if (state == "WAITING") line("trial " + n + " enqueued  " + format_params(j["params"], 160), "\033[36m");
      else if (state == "COMPLETE") line("trial " + n + " complete  value " + format_value(j["value"]), "\033[32m");
      else if (state == "PRUNED") line("trial " + n + " pruned at step " + format_value(j["last_step"]) + "  value " + format_value(j["value"]), "\033[33m");
      else if (state == "FAIL") {
        std::string reason;
        if (j.contains("system_attrs") && j["system_attrs"].contains("fail_reason")) reason = ": " + format_value(j["system_attrs"]["fail_reason"]);
        line("trial " + n + " failed" + reason, "\033[31m");
      }
    } else if (type == "study") {
      line("study " + j.value("name", study) + " is " + j.value("state", "?"), "\033[1m");
    }
  }
};

}  // namespace

int cmd_tail(const Context& c, const std::string& study) {
  Tail t{c, study, c.color, {}, {}, {}, {}};
  if (auto s = call(c, "GET", "/api/v1/studies/" + url_segment(study))) t.summary = *s;
  else return 1;
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  int rows = 24;
  if (t.tty) {
    winsize w{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_row > kHeaderLines + 3) rows = w.ws_row;
    // Clear, keep the header lines fixed and let the log scroll below them.
    std::cout << "\033[2J\033[" << kHeaderLines + 2 << ";" << rows << "r\033[" << rows << ";1H" << std::flush;
  }
  {
    std::lock_guard lock(t.mu);
    t.draw_header();
  }
  std::thread header([&] {
    auto last_plain = Clock::now();
    while (!g_stop) {
      for (int i = 0; i < 10 && !g_stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto s = call(c, "GET", "/api/v1/studies/" + url_segment(study));
      std::lock_guard lock(t.mu);
      if (s) t.summary = *s;
      if (t.tty || Clock::now() - last_plain > std::chrono::seconds(10)) {
        t.draw_header();
        last_plain = Clock::now();
      }
    }
  });
  std::string pending, last_id;
  int exit_code = 0;
  while (!g_stop) {
    http::Client client({c.url, c.token, 30, c.ca_file});
    std::string path = "/api/v1/studies/" + url_segment(study) + "/events" + (last_id.empty() ? "?tail=20" : "");
    Status st = client.stream(
        path,
        [&](std::string_view chunk) {
          pending.append(chunk);
          std::size_t end;
          while ((end = pending.find("\n\n")) != std::string::npos) {
            std::string frame = pending.substr(0, end);
            pending.erase(0, end + 2);
            std::string type = "message", data, id;
            std::size_t pos = 0;
            while (pos <= frame.size()) {
              auto nl = frame.find('\n', pos);
              std::string l = frame.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
              if (l.rfind("event: ", 0) == 0) type = l.substr(7);
              else if (l.rfind("data: ", 0) == 0) data += l.substr(6);
              else if (l.rfind("id: ", 0) == 0) id = l.substr(4);
              if (nl == std::string::npos) break;
              pos = nl + 1;
            }
            if (!id.empty()) last_id = id;
            if (!data.empty()) t.on_event(type, data);
          }
          return !g_stop.load();
        },
        [] { return g_stop.load(); }, last_id);
    if (g_stop) break;
    if (st.code() == Status::Code::kNotFound) {
      std::cerr << "hpoctl: " << st.message() << "\n";
      exit_code = 1;
      break;
    }
    // hpod restarted or the connection dropped: reconnect and resume after the last event.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  g_stop = true;
  header.join();
  if (t.tty) std::cout << "\033[r\033[" << rows << ";1H\n" << std::flush;  // give the whole screen back
  return exit_code;
}

}  // namespace hpod::cli
