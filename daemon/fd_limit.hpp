// Open files: every connection is a descriptor, and so are the database, its journal, the
// pipes of Slurm commands and the 503 answer to a connection over the cap. hpod raises its
// soft RLIMIT_NOFILE to the hard limit and keeps max_connections below what is left, so
// the cap, not EMFILE, is what a flood of connections meets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hpod {

// Descriptors kept free for everything that is not a connection: 64, plus 1/16 of the
// limit on big machines.
std::uint64_t fd_reserve(std::uint64_t fd_limit);

// The connection cap that fits: `wanted`, or less when the limit minus what is open and
// the reserve is smaller (at least 1).
std::size_t connection_cap(std::uint64_t fd_limit, std::uint64_t open_fds, std::size_t wanted);

struct FdBudget {
  std::uint64_t soft_before = 0;  // the soft limit hpod was started with
  std::uint64_t limit = 0;        // the soft limit now (the hard limit, if raising worked)
  std::uint64_t open_fds = 0;     // descriptors open when it was measured
  std::size_t max_connections = 0;
  std::string note;  // what was raised or capped, for the log; empty when nothing was
};

// Raises the soft limit to the hard one and computes the cap for `wanted` connections.
FdBudget raise_fd_limit(std::size_t wanted);

}  // namespace hpod
