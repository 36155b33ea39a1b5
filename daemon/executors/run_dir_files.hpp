// Small files in a trial's run directory (exit status, where it ran, markers), shared by
// the executors: read whole; hpod writes them whole (temp file + rename). The trial
// wrappers write exit_status with one shell `echo` and it is read once they are gone.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "hpod/status.hpp"

namespace hpod {

// The file's content; nullopt if it does not exist or cannot be read. Files larger than
// `max_bytes` are refused (nullopt): these are records of a few bytes.
std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes = 1 << 20);

// Writes `content` to `path` through "<path>.tmp.<pid>" and rename(2), with `mode`.
Status write_file_atomic(const std::string& path, const std::string& content, mode_t mode = 0644);

bool file_exists(const std::string& path);

// Whether the file exists and was modified at or after `since` minus `slack` (clocks and
// file-system timestamps are coarse); true when `since` is not given.
bool file_written_since(const std::string& path, std::optional<std::chrono::system_clock::time_point> since,
                        std::chrono::seconds slack = std::chrono::seconds(2));

// The exit_status file's content; nullopt unless it is one integer (and a newline).
std::optional<int> parse_exit_status(std::string_view text);

// The run directory holds a complete exit_status: the trial's command has ended.
bool exit_status_recorded(const std::string& run_dir);

// Makes `run_dir` an empty directory for a new launch. One that holds anything (an earlier
// database's trial, a launch before a crash) is renamed to "<run_dir>.old-<UTC time>", never
// deleted: its exit_status must not decide the new run's outcome, nor its output mix into
// the new log. Returns the name it was moved to, empty if there was nothing to move.
Result<std::string> prepare_run_dir(const std::string& run_dir);

}  // namespace hpod
