// Small files in a trial's run directory (exit status, where it ran, markers), shared by
// the executors: read whole, written whole (temp file + rename, so a reader never sees
// half a file).
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

#include "hpod/status.hpp"

namespace hpod {

// The file's content; nullopt if it does not exist or cannot be read. Files larger than
// `max_bytes` are refused (nullopt): these are records of a few bytes.
std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes = 1 << 20);

// Writes `content` to `path` through "<path>.tmp.<pid>" and rename(2), with `mode`.
Status write_file_atomic(const std::string& path, const std::string& content, mode_t mode = 0644);

bool file_exists(const std::string& path);

}  // namespace hpod
