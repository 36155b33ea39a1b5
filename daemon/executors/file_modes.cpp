#include "daemon/executors/file_modes.hpp"

#include <sys/stat.h>

#include <atomic>
#include <cstdio>

namespace hpod {

namespace {
// -1: not set. Written once at start-up, read by executor threads.
std::atomic<int> g_trial_umask{-1};
}  // namespace

void make_daemon_files_private() {
  mode_t old = ::umask(077);
  g_trial_umask.store(static_cast<int>(old));
}

std::optional<mode_t> trial_umask() {
  int m = g_trial_umask.load();
  if (m < 0) return std::nullopt;
  return static_cast<mode_t>(m);
}

std::string umask_text(mode_t mask) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mask & 0777));
  return buf;
}

}  // namespace hpod
