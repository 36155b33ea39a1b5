// The daemon's configuration file (README "Running hpod"), parsed and checked.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hpod/status.hpp"

namespace hpod {

struct DaemonConfig {
  std::string host = "127.0.0.1";
  int port = 8470;
  std::string public_url;  // empty: derived from the bound address
  std::string database = "hpod.db";
  std::string runs_dir = "runs";
  std::string studies_dir;  // empty: not watched
  std::string optuna_schema = "v3.2.0.a";
  std::string sqlite_synchronous = "FULL";
  std::vector<std::string> admin_tokens_sha256;
  std::optional<std::string> tls_cert, tls_key;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_connections = 4096;
  double read_timeout_s = 30;
  std::string log_format = "human";  // or "json"
  std::string log_level = "info";
  double poll_interval_s = 2.0;      // executor polls (Slurm: one squeue per cycle)
  double kill_after_term_s = 10.0;   // a stopped trial still alive this long after SIGTERM gets SIGKILL
  int pause_after_refusals = 5;      // rounds of identical refused launches before a study is paused (0: never)

  bool loopback() const;
};

// Parses the file; relative paths in it are resolved against the file's directory.
// Errors name the file and the JSON path.
Result<DaemonConfig> parse_daemon_config(const std::string& text, const std::string& source, const std::string& base_dir);
Result<DaemonConfig> load_daemon_config(const std::string& path);
// Refuses what security needs refused: a non-loopback address without admin tokens.
Status check_daemon_config(const DaemonConfig& c);

}  // namespace hpod
