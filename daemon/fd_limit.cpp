#include "daemon/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hpod {

std::uint64_t fd_reserve(std::uint64_t fd_limit) { return 64 + fd_limit / 16; }

std::size_t connection_cap(std::uint64_t fd_limit, std::uint64_t open_fds, std::size_t wanted) {
  std::uint64_t used = open_fds + fd_reserve(fd_limit);
  std::uint64_t room = fd_limit > used ? fd_limit - used : 0;
  // A tiny limit still serves someone: half of what is not open.
  if (room == 0) room = fd_limit > open_fds ? std::max<std::uint64_t>(1, (fd_limit - open_fds) / 2) : 1;
  return static_cast<std::size_t>(std::min<std::uint64_t>(wanted, room));
}

namespace {
std::uint64_t count_open_fds() {
  std::error_code ec;
  std::uint64_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    ++n;
  return n;
}
}  // namespace

FdBudget raise_fd_limit(std::size_t wanted) {
  FdBudget b;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    b.max_connections = wanted;
    b.note = std::string("cannot read the open-file limit: ") + std::strerror(errno);
    return b;
  }
  b.soft_before = rl.rlim_cur;
  std::string raise_error;
  if (rl.rlim_cur != rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
    else raise_error = std::strerror(errno);
  }
  b.limit = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur;
  b.open_fds = count_open_fds();
  b.max_connections = connection_cap(b.limit, b.open_fds, wanted);
  if (b.limit != b.soft_before)
    b.note = "open-file limit raised from " + std::to_string(b.soft_before) + " to " + std::to_string(b.limit);
  else if (!raise_error.empty())
    b.note = "could not raise the open-file limit " + std::to_string(b.soft_before) + ": " + raise_error;
  if (b.max_connections < wanted)
    b.note += std::string(b.note.empty() ? "" : "; ") + "limits.max_connections " + std::to_string(wanted) + " capped to " +
              std::to_string(b.max_connections) + " (open-file limit " + std::to_string(b.limit) + ", " +
              std::to_string(b.open_fds) + " open, " + std::to_string(fd_reserve(b.limit)) + " kept for files and commands)";
  return b;
}

}  // namespace hpod
