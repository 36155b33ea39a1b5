#include "daemon/executors/run_dir_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace hpod {

std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string content;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || content.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

Status write_file_atomic(const std::string& path, const std::string& content, mode_t mode) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  auto fail = [&](const char* what) {
    Status s = Status::IOError(std::string(what) + " " + tmp + ": " + std::strerror(errno));
    ::unlink(tmp.c_str());
    return s;
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::IOError("cannot create " + tmp + ": " + std::strerror(errno));
  // O_CREAT's mode is filtered by the umask; the caller's mode is meant as given.
  if (::fchmod(fd, mode) != 0) {
    ::close(fd);
    return fail("cannot chmod");
  }
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return fail("cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) return fail("cannot close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename");
  return Status::OK();
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::optional<int> parse_exit_status(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

bool file_written_since(const std::string& path, std::optional<std::chrono::system_clock::time_point> since,
                        std::chrono::seconds slack) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  if (!since) return true;
  auto written = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec) +
                 std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(st.st_mtim.tv_nsec));
  return written + slack >= *since;
}

bool exit_status_recorded(const std::string& run_dir) {
  auto text = read_small_file(run_dir + "/exit_status");
  return text && parse_exit_status(*text).has_value();
}

Result<std::string> prepare_run_dir(const std::string& run_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string moved;
  if (fs::is_directory(run_dir, ec) && !fs::is_empty(run_dir, ec) && !ec) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    std::string base = run_dir;
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    base += std::string(".old-") + stamp;
    moved = base;
    for (int n = 2; fs::exists(moved, ec); ++n) moved = base + "-" + std::to_string(n);
    if (::rename(run_dir.c_str(), moved.c_str()) != 0)
      return Status::IOError("cannot move the old run directory " + run_dir + " aside to " + moved + ": " +
                             std::strerror(errno));
  }
  fs::create_directories(run_dir, ec);
  if (ec) return Status::IOError("cannot create run directory " + run_dir + ": " + ec.message());
  return moved;
}

}  // namespace hpod
