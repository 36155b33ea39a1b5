// The end of a trial's stdout or stderr for the dashboard. The file's directory comes from
// the trial's "run_dir" system attribute, which is data in the database: the path is only
// read when, with every symlink and ".." resolved, it lies inside the configured runs_dir.
#pragma once

#include <cstdint>
#include <string>

#include "hpod/status.hpp"

namespace hpod::api {

// `stream` is "stdout" or "stderr". NotFound when the file does not exist (yet);
// PermissionDenied when it resolves outside runs_dir; InvalidArgument for anything else
// that is not a plain log file name in an absolute run directory.
Result<std::string> trial_log_path(const std::string& runs_dir, const std::string& run_dir, const std::string& stream);

struct LogTail {
  std::uint64_t size = 0;    // the file's size in bytes
  std::uint64_t offset = 0;  // where `text` starts (0: the whole file)
  std::string text;
};
// The last `max_bytes` of a regular file, starting at a line boundary when cut.
Result<LogTail> read_log_tail(const std::string& path, std::size_t max_bytes);

}  // namespace hpod::api
