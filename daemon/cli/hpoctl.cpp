// hpoctl: the operator's command line for hpod. Talks HTTP to the daemon; the URL and
// token come from flags, HPOD_URL / HPOD_TOKEN, or ~/.config/hpod/hpoctl.json.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "daemon/cli/cli.hpp"
#include "daemon/http/auth.hpp"
#include "daemon/studies_dir.hpp"
#include "hpod/study.hpp"

namespace hpod::cli {
namespace {

using json = nlohmann::json;

const char* kUsage = R"(usage: hpoctl [--url URL] [--token TOKEN] [--config FILE] COMMAND ...

commands:
  token                         print a new admin token and the SHA-256 to put in hpod's config
  submit STUDY.json             validate and submit a study definition
  ls                            list studies
  show STUDY                    a study: state, counts, best trial, pending stops, definition
  trials STUDY [--state S] [--json]
                                the study's trials (S: RUNNING, COMPLETE, PRUNED, FAIL, WAITING)
  best STUDY [--json]           the best trial's value and parameters
  pause STUDY | resume STUDY | stop STUDY
                                operator control (stop kills running trials)
  kill TRIAL_ID [--reason R]    end a running trial as FAIL and kill its process or job
  export STUDY [--format csv|json] [--output FILE]
                                every trial with its parameters, for a spreadsheet or pandas
  tail STUDY                    follow a study live (Ctrl-C to quit)
  snapshot FILE                 a consistent copy of the running hpod's database (rollback-journal
                                mode: Optuna and optuna-dashboard open it); FILE must not exist

The URL defaults to $HPOD_URL, then the config file's "url", then http://127.0.0.1:8470.
The token: --token, $HPOD_TOKEN, then the config file's "token".
)";

int usage_error(const std::string& msg) {
  std::cerr << "hpoctl: " << msg << "\n\n" << kUsage;
  return 2;
}

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int cmd_token() {
  std::string t = auth::random_token();
  std::cout << "token:  " << t << "\nsha256: " << auth::sha256_hex(t) << "\n\n"
            << "Put the sha256 into hpod's config (\"admin_tokens_sha256\": [\"...\"]) and give the token to\n"
            << "operators (HPOD_TOKEN=... or hpoctl --token ...). hpod never stores the token itself.\n";
  return 0;
}

int cmd_submit(const Context& c, const std::string& path) {
  // Validated here first, so errors name the user's file rather than "request body".
  auto spec = load_study_file(path);
  if (!spec.ok()) {
    std::cerr << spec.status().message() << "\n";
    return 1;
  }
  bool ok = false;
  // A relative workdir means "next to the study file", wherever hpod runs.
  std::string dir = std::filesystem::absolute(path).parent_path().string();
  std::string text = with_absolute_workdir(read_file(path, ok), dir);
  auto r = call(c, "POST", "/api/v1/studies", text);
  if (!r) return 1;
  std::cout << "study " << (*r)["name"].get<std::string>() << ": " << (*r)["state"].get<std::string>() << "\n";
  return 0;
}

std::string counts_cell(const json& t) {
  return std::to_string(t.value("RUNNING", 0)) + "/" + std::to_string(t.value("COMPLETE", 0)) + "/" +
         std::to_string(t.value("PRUNED", 0)) + "/" + std::to_string(t.value("FAIL", 0));
}

int cmd_ls(const Context& c) {
  auto r = call(c, "GET", "/api/v1/studies");
  if (!r) return 1;
  std::vector<std::vector<std::string>> rows;
  for (auto& s : (*r)["studies"]) {
    std::string progress = "-";
    if (s.contains("budget") && !s["budget"]["n_trials"].is_null())
      progress = std::to_string(s["budget"]["finished"].get<int>()) + "/" + std::to_string(s["budget"]["n_trials"].get<int>());
    rows.push_back({s["name"], s["state"], counts_cell(s["trials"]),
                    s["best_trial"].is_null() ? "-" : format_value(s["best_trial"]["value"]), progress});
  }
  std::cout << render_table({"STUDY", "STATE", "RUN/OK/PRUNED/FAIL", "BEST", "FINISHED/BUDGET"}, rows);
  return 0;
}

int cmd_show(const Context& c, const std::string& study) {
  auto r = call(c, "GET", "/api/v1/studies/" + url_segment(study));
  if (!r) return 1;
  auto& s = *r;
  std::cout << "study      " << s["name"].get<std::string>() << " (" << s["direction"].get<std::string>() << ")\n"
            << "state      " << s["state"].get<std::string>() << "\n"
            << "trials     running/complete/pruned/fail " << counts_cell(s["trials"]) << "\n";
  if (s.contains("budget"))
    std::cout << "budget     " << s["budget"]["finished"] << " finished of "
              << (s["budget"]["n_trials"].is_null() ? std::string("unlimited") : s["budget"]["n_trials"].dump())
              << ", max_parallel " << s["budget"]["max_parallel"] << "\n"
              << "sampler    " << s.value("sampler", "") << ", pruner " << s.value("pruner", "") << ", executor "
              << s.value("executor", "") << "\n";
  if (!s["best_trial"].is_null())
    std::cout << "best       trial " << s["best_trial"]["number"] << ": " << format_value(s["best_trial"]["value"]) << "  "
              << format_params(s["best_trial"]["params"]) << "\n";
  if (!s["last_error"].is_null()) std::cout << "last error " << s["last_error"].get<std::string>() << "\n";
  if (s.contains("pending_stops"))
    for (auto& p : s["pending_stops"]) {
      char since[32];
      std::snprintf(since, sizeof since, "%.0f s", p.value("for_s", 0.0));
      std::cout << "stopping   trial " << p["trial"] << ", job " << p.value("job_id", "") << ": " << p.value("stage", "")
                << " (for " << since;
      if (p.value("failed_attempts", 0) > 0)
        std::cout << "; " << p["failed_attempts"] << " failed attempts, last: "
                  << (p["last_error"].is_string() ? p["last_error"].get<std::string>() : std::string("?"));
      std::cout << ")\n";
    }
  if (s.contains("definition")) std::cout << "definition " << s["definition"].dump(2) << "\n";
  return 0;
}

int cmd_trials(const Context& c, const std::string& study, const std::string& state, bool as_json) {
  std::string q = state.empty() ? "" : "?state=" + state;
  auto r = call(c, "GET", "/api/v1/studies/" + url_segment(study) + "/trials" + q);
  if (!r) return 1;
  if (as_json) {
    std::cout << (*r)["trials"].dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& t : (*r)["trials"]) {
    char dur[32] = "-";
    if (t.contains("duration_s")) std::snprintf(dur, sizeof dur, "%.1f s", t["duration_s"].get<double>());
    rows.push_back({std::to_string(t["number"].get<int>()), t["state"], format_value(t["value"]),
                    t["last_step"].is_null() ? "-" : t["last_step"].dump(), dur, format_params(t["params"], 80)});
  }
  std::cout << render_table({"#", "STATE", "VALUE", "LAST STEP", "DURATION", "PARAMS"}, rows);
  return 0;
}

int cmd_best(const Context& c, const std::string& study, bool as_json) {
  auto r = call(c, "GET", "/api/v1/studies/" + url_segment(study));
  if (!r) return 1;
  auto& b = (*r)["best_trial"];
  if (b.is_null()) {
    std::cerr << "hpoctl: study " << study << " has no complete trial yet\n";
    return 1;
  }
  if (as_json) std::cout << b.dump(2) << "\n";
  else std::cout << "trial " << b["number"] << ": " << format_value(b["value"]) << "\n" << format_params(b["params"]) << "\n";
  return 0;
}

int cmd_control(const Context& c, const std::string& action, const std::string& study) {
  auto r = call(c, "POST", "/api/v1/studies/" + url_segment(study) + "/" + action);
  if (!r) return 1;
  std::cout << "study " << study << ": " << (*r)["state"].get<std::string>() << "\n";
  return 0;
}

int cmd_kill(const Context& c, const std::string& id, const std::string& reason) {
  std::string q = reason.empty() ? "" : "?reason=" + url_segment(reason);
  auto r = call(c, "DELETE", "/api/v1/trials/" + url_segment(id) + q);
  if (!r) return 1;
  std::cout << "trial " << (*r)["number"] << " of " << (*r)["study"].get<std::string>() << ": "
            << (*r)["state"].get<std::string>() << "\n";
  return 0;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

int cmd_export(const Context& c, const std::string& study, const std::string& format, const std::string& output) {
  auto r = call(c, "GET", "/api/v1/studies/" + url_segment(study) + "/trials?include=intermediate");
  if (!r) return 1;
  std::ostringstream out;
  if (format == "json") {
    out << (*r)["trials"].dump(2) << "\n";
  } else {
    std::vector<std::string> names;
    for (auto& t : (*r)["trials"])
      for (auto& [k, _] : t["params"].items())
        if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
    std::sort(names.begin(), names.end());
    out << "number,state,value,datetime_start,datetime_complete,duration_s,last_step";
    for (auto& n : names) out << "," << csv_cell("params_" + n);
    out << "\n";
    for (auto& t : (*r)["trials"]) {
      auto cell = [](const json& v) { return v.is_null() ? std::string() : (v.is_string() ? v.get<std::string>() : v.dump()); };
      out << t["number"] << "," << t["state"].get<std::string>() << "," << cell(t["value"]) << ","
          << cell(t["datetime_start"]) << "," << cell(t["datetime_complete"]) << ","
          << (t.contains("duration_s") ? t["duration_s"].dump() : "") << "," << cell(t["last_step"]);
      for (auto& n : names) out << "," << csv_cell(t["params"].contains(n) ? cell(t["params"][n]) : "");
      out << "\n";
    }
  }
  if (output.empty() || output == "-") {
    std::cout << out.str();
  } else {
    std::ofstream f(output);
    f << out.str();
    if (!f) {
      std::cerr << "hpoctl: cannot write " << output << "\n";
      return 1;
    }
    std::cerr << "wrote " << (*r)["trials"].size() << " trials to " << output << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace hpod::cli

int main(int argc, char** argv) {
  using namespace hpod::cli;
  Context c;
  std::vector<std::string> args;
  std::string config_path, url_flag, token_flag;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--url" || a == "--token" || a == "--config" || a == "--ca-file") && i + 1 < argc) {
      std::string v = argv[++i];
      if (a == "--url") url_flag = v;
      else if (a == "--token") token_flag = v;
      else if (a == "--config") config_path = v;
      else c.ca_file = v;
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      args.push_back(a);
    }
  }
  json file_cfg = json::object();
  if (config_path.empty()) {
    if (const char* home = std::getenv("HOME")) {
      std::string p = std::string(home) + "/.config/hpod/hpoctl.json";
      if (std::filesystem::exists(p)) config_path = p;
    }
  }
  if (!config_path.empty()) {
    bool ok = false;
    std::string text = read_file(config_path, ok);
    file_cfg = json::parse(text, nullptr, false);
    if (!ok || file_cfg.is_discarded() || !file_cfg.is_object()) {
      std::cerr << "hpoctl: " << config_path << ": not a JSON object with \"url\" and \"token\"\n";
      return 2;
    }
  }
  const char* env_url = std::getenv("HPOD_URL");
  const char* env_token = std::getenv("HPOD_TOKEN");
  c.url = !url_flag.empty() ? url_flag : env_url ? env_url : file_cfg.value("url", "http://127.0.0.1:8470");
  c.token = !token_flag.empty() ? token_flag : env_token ? env_token : file_cfg.value("token", "");
  c.color = isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
  if (args.empty()) return usage_error("no command");
  const std::string cmd = args[0];
  auto need = [&](std::size_t n) { return args.size() >= n + 1; };
  auto flag = [&](const std::string& name) -> std::string {
    for (std::size_t i = 1; i + 1 < args.size(); ++i)
      if (args[i] == name) return args[i + 1];
    return "";
  };
  auto has = [&](const std::string& name) { return std::find(args.begin(), args.end(), name) != args.end(); };
  if (cmd == "token") return cmd_token();
  if (cmd == "submit") return need(1) ? cmd_submit(c, args[1]) : usage_error("submit needs a study file");
  if (cmd == "ls") return cmd_ls(c);
  if (cmd == "show") return need(1) ? cmd_show(c, args[1]) : usage_error("show needs a study");
  if (cmd == "trials") return need(1) ? cmd_trials(c, args[1], flag("--state"), has("--json")) : usage_error("trials needs a study");
  if (cmd == "best") return need(1) ? cmd_best(c, args[1], has("--json")) : usage_error("best needs a study");
  if (cmd == "pause" || cmd == "resume" || cmd == "stop")
    return need(1) ? cmd_control(c, cmd, args[1]) : usage_error(cmd + " needs a study");
  if (cmd == "kill") return need(1) ? cmd_kill(c, args[1], flag("--reason")) : usage_error("kill needs a trial id");
  if (cmd == "export") {
    if (!need(1)) return usage_error("export needs a study");
    std::string format = flag("--format").empty() ? "csv" : flag("--format");
    if (format != "csv" && format != "json") return usage_error("--format must be csv or json");
    return cmd_export(c, args[1], format, flag("--output"));
  }
  if (cmd == "snapshot") return need(1) ? cmd_snapshot(c, args[1]) : usage_error("snapshot needs a file name");
  if (cmd == "tail") return need(1) ? cmd_tail(c, args[1]) : usage_error("tail needs a study");
  return usage_error("unknown command " + cmd);
}
