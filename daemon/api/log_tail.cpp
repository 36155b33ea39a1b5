#include "daemon/api/log_tail.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hpod::api {

namespace fs = std::filesystem;

Result<std::string> trial_log_path(const std::string& runs_dir, const std::string& run_dir, const std::string& stream) {
  if (stream != "stdout" && stream != "stderr") return Status::InvalidArgument("stream: must be \"stdout\" or \"stderr\"");
  if (runs_dir.empty()) return Status::FailedPrecondition("hpod has no runs directory configured");
  if (run_dir.empty() || run_dir.front() != '/')
    return Status::InvalidArgument("the trial's run_dir \"" + run_dir + "\" is not an absolute path");
  std::error_code ec;
  // The log itself must be a plain file: a symlink planted in a run directory could
  // point at any other trial's (or hpod's) file below runs_dir.
  auto own = fs::symlink_status(fs::path(run_dir) / stream, ec);
  if (!ec && fs::is_symlink(own))
    return Status::PermissionDenied(run_dir + "/" + stream + " is a symbolic link; hpod serves only plain log files");
  fs::path root = fs::canonical(runs_dir, ec);
  if (ec) return Status::NotFound("runs directory " + runs_dir + ": " + ec.message());
  fs::path file = fs::canonical(fs::path(run_dir) / stream, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return Status::NotFound("no " + stream + " in " + run_dir + " (yet)");
    return Status::NotFound(run_dir + "/" + stream + ": " + ec.message());
  }
  // Inside means below the root, compared by whole path components.
  auto [r, f] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (r != root.end() || f == file.end())
    return Status::PermissionDenied("the trial's log " + file.string() + " is outside the runs directory " + root.string());
  return file.string();
}

Result<LogTail> read_log_tail(const std::string& path, std::size_t max_bytes) {
  // O_NOFOLLOW and O_NONBLOCK: no symlink swapped in after the check, no blocking on a FIFO.
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Status::NotFound(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + " is not a regular file");
  }
  // A second hard link means the name was planted (a trial's own stdout has one link):
  // it could be any file of hpod's user, e.g. the database.
  if (st.st_nlink > 1) {
    ::close(fd);
    return Status::PermissionDenied(path + " has " + std::to_string(st.st_nlink) +
                                    " hard links; hpod serves only log files with one");
  }
  LogTail t;
  t.size = static_cast<std::uint64_t>(st.st_size);
  t.offset = t.size > max_bytes ? t.size - max_bytes : 0;
  t.text.resize(static_cast<std::size_t>(t.size - t.offset));
  std::size_t got = 0;
  while (got < t.text.size()) {
    ssize_t n = ::pread(fd, t.text.data() + got, t.text.size() - got, static_cast<off_t>(t.offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  t.text.resize(got);
  if (t.offset > 0) {
    auto nl = t.text.find('\n');
    if (nl != std::string::npos && nl + 1 < t.text.size()) {
      t.text.erase(0, nl + 1);
      t.offset += nl + 1;
    }
  }
  return t;
}

}  // namespace hpod::api
