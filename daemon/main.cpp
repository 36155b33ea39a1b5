// hpod: flags and wiring only.
#include <cstring>
#include <iostream>

#include "daemon/daemon.hpp"
#include "daemon/log.hpp"

namespace {

void usage() {
  std::cerr << "usage: hpod [--config FILE] [--url-file PATH]\n"
               "  --config FILE    daemon configuration (JSON; see config/hpod.example.json)\n"
               "  --url-file PATH  write the bound base URL there once hpod accepts connections\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  hpod::DaemonFlags flags;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--config" || a == "--url-file") && i + 1 < argc) {
      (a == "--config" ? config_path : flags.url_file) = argv[++i];
    } else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else {
      std::cerr << "hpod: unknown argument " << a << "\n";
      usage();
      return 2;
    }
  }
  hpod::DaemonConfig config;
  if (!config_path.empty()) {
    auto c = hpod::load_daemon_config(config_path);
    if (!c.ok()) {
      std::cerr << "hpod: " << c.status().message() << "\n";
      return 2;
    }
    config = *c;
  }
  if (auto st = hpod::check_daemon_config(config); !st.ok()) {
    std::cerr << "hpod: " << st.message() << "\n";
    return 2;
  }
  hpod::log::init(config.log_format == "json", config.log_level);
  return hpod::run_daemon(config, flags);
}
