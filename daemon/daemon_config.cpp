#include "daemon/daemon_config.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/json_check.hpp"

namespace hpod {

using json = nlohmann::json;
namespace fs = std::filesystem;

bool DaemonConfig::loopback() const {
  return host == "127.0.0.1" || host == "::1" || host.rfind("127.", 0) == 0 || host == "localhost";
}

Result<DaemonConfig> parse_daemon_config(const std::string& text, const std::string& source, const std::string& base_dir) {
  auto parsed = jc::parse_bounded(text, source);
  if (!parsed.ok()) return parsed.status();
  json j = std::move(parsed).value();
  jc::Checker c(source);
  DaemonConfig cfg;
  if (!c.expect_object(j, "")) return c.status();
  c.known_keys(j, "", {"listen", "public_url", "database", "runs_dir", "studies_dir", "optuna_schema", "sqlite_synchronous",
                       "admin_tokens_sha256", "tls", "limits", "log", "poll_interval_s", "kill_after_term_s",
                       "pause_after_refusals"});
  auto resolve = [&](const std::string& p) {
    if (p.empty() || fs::path(p).is_absolute()) return p;
    return (fs::path(base_dir) / p).lexically_normal().string();
  };
  if (auto l = c.string(j, "", "listen")) {
    auto colon = l->rfind(':');
    if (colon == std::string::npos) {
      c.error("listen", "must be \"host:port\", e.g. \"127.0.0.1:8470\" (port 0 = any free port)");
    } else {
      std::string host = l->substr(0, colon);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
      cfg.host = host;
      try {
        std::size_t used = 0;
        int port = std::stoi(l->substr(colon + 1), &used);
        if (used != l->size() - colon - 1 || port < 0 || port > 65535) throw std::out_of_range("port");
        cfg.port = port;
      } catch (const std::exception&) {
        c.error("listen", "the port must be a number 0-65535");
      }
    }
  }
  if (auto v = c.string(j, "", "public_url")) {
    if (v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0) c.error("public_url", "must start with http:// or https://");
    cfg.public_url = *v;
    while (!cfg.public_url.empty() && cfg.public_url.back() == '/') cfg.public_url.pop_back();
  }
  if (auto v = c.string(j, "", "database")) cfg.database = *v;
  if (auto v = c.string(j, "", "runs_dir")) cfg.runs_dir = *v;
  if (auto v = c.string(j, "", "studies_dir")) cfg.studies_dir = *v;
  cfg.database = resolve(cfg.database);
  cfg.runs_dir = resolve(cfg.runs_dir);
  cfg.studies_dir = resolve(cfg.studies_dir);
  if (auto v = c.string(j, "", "optuna_schema")) {
    if (*v != "v3.2.0.a" && *v != "v3.0.0.d")
      c.error("optuna_schema", "must be \"v3.2.0.a\" (Optuna >= 3.2) or \"v3.0.0.d\" (Optuna 3.0/3.1)");
    cfg.optuna_schema = *v;
  }
  if (auto v = c.string(j, "", "sqlite_synchronous")) {
    if (*v != "FULL" && *v != "NORMAL") c.error("sqlite_synchronous", "must be \"FULL\" or \"NORMAL\"");
    cfg.sqlite_synchronous = *v;
  }
  if (auto it = j.find("admin_tokens_sha256"); it != j.end()) {
    if (!it->is_array()) {
      c.error("admin_tokens_sha256", "must be a list of SHA-256 hex digests (hpoctl token prints one)");
    } else {
      for (std::size_t i = 0; i < it->size(); ++i) {
        const json& h = (*it)[i];
        std::string p = "admin_tokens_sha256[" + std::to_string(i) + "]";
        if (!h.is_string() || h.get<std::string>().size() != 64 ||
            h.get<std::string>().find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
          c.error(p, "must be 64 hex characters (the SHA-256 of a token, not the token)");
          continue;
        }
        std::string lower = h.get<std::string>();
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        cfg.admin_tokens_sha256.push_back(lower);
      }
    }
  }
  if (auto it = j.find("tls"); it != j.end() && !it->is_null()) {
    if (c.expect_object(*it, "tls")) {
      c.known_keys(*it, "tls", {"cert", "key"});
      auto cert = c.string(*it, "tls", "cert");
      auto key = c.string(*it, "tls", "key");
      if (!cert || !key) c.error("tls", "needs both \"cert\" and \"key\" (PEM files)");
      else {
        cfg.tls_cert = resolve(*cert);
        cfg.tls_key = resolve(*key);
      }
    }
  }
  if (auto it = j.find("limits"); it != j.end()) {
    if (c.expect_object(*it, "limits")) {
      c.known_keys(*it, "limits", {"max_body_bytes", "max_connections", "read_timeout_s"});
      if (auto v = c.integer(*it, "limits", "max_body_bytes", false)) {
        if (*v < 1024 || *v > (1LL << 30)) c.error("limits.max_body_bytes", "must be between 1024 and 1073741824");
        else cfg.max_body_bytes = static_cast<std::size_t>(*v);
      }
      if (auto v = c.integer(*it, "limits", "max_connections", false)) {
        if (*v < 1 || *v > 1'000'000) c.error("limits.max_connections", "must be between 1 and 1000000");
        else cfg.max_connections = static_cast<std::size_t>(*v);
      }
      if (auto v = c.number(*it, "limits", "read_timeout_s", false)) {
        if (*v <= 0 || *v > 3600) c.error("limits.read_timeout_s", "must be > 0 and <= 3600");
        else cfg.read_timeout_s = *v;
      }
    }
  }
  if (auto it = j.find("log"); it != j.end()) {
    if (c.expect_object(*it, "log")) {
      c.known_keys(*it, "log", {"format", "level"});
      if (auto v = c.string(*it, "log", "format")) {
        if (*v != "human" && *v != "json") c.error("log.format", "must be \"human\" or \"json\"");
        cfg.log_format = *v;
      }
      if (auto v = c.string(*it, "log", "level")) {
        if (*v != "debug" && *v != "info" && *v != "warn" && *v != "error")
          c.error("log.level", "must be \"debug\", \"info\", \"warn\" or \"error\"");
        cfg.log_level = *v;
      }
    }
  }
  if (auto v = c.number(j, "", "poll_interval_s", false)) {
    if (*v < 0.05 || *v > 600) c.error("poll_interval_s", "must be between 0.05 and 600");
    else cfg.poll_interval_s = *v;
  }
  if (auto v = c.number(j, "", "kill_after_term_s", false)) {
    if (*v < 0 || *v > 3600) c.error("kill_after_term_s", "must be between 0 and 3600");
    else cfg.kill_after_term_s = *v;
  }
  if (auto v = c.integer(j, "", "pause_after_refusals", false)) {
    if (*v < 0 || *v > 1000) c.error("pause_after_refusals", "must be between 0 and 1000");
    else cfg.pause_after_refusals = static_cast<int>(*v);
  }
  if (!c.ok()) return c.status();
  return cfg;
}

Result<DaemonConfig> load_daemon_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + ": cannot open the configuration file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto dir = fs::absolute(fs::path(path)).parent_path().string();
  return parse_daemon_config(ss.str(), path, dir);
}

Status check_daemon_config(const DaemonConfig& c) {
  if (!c.loopback() && c.admin_tokens_sha256.empty())
    return Status::InvalidArgument("refusing to listen on " + c.host +
                                   " without admin tokens: anyone who reaches the port could run commands. Add "
                                   "\"admin_tokens_sha256\" (hpoctl token prints a token and its hash) or listen on 127.0.0.1");
  return Status::OK();
}

}  // namespace hpod
