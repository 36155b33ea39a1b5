// The daemon assembled: storage, writer, studies, API, HTTP server, timers and signals.
// main.cpp parses flags and calls run().
#pragma once

#include <string>

#include "daemon/daemon_config.hpp"

namespace hpod {

struct DaemonFlags {
  std::string url_file;  // written with the base URL once the server accepts connections
};

// Runs until SIGTERM or SIGINT, then drains in-flight requests and closes the database.
// Returns the process exit code.
int run_daemon(const DaemonConfig& config, const DaemonFlags& flags);

}  // namespace hpod
