// hpoctl snapshot FILE: a consistent copy of the running hpod's database (GET
// /api/v1/snapshot), in rollback-journal mode: optuna.load_study, optuna-dashboard (also
// its in-browser loader) and sqlite3 open it while hpod keeps writing the original.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "daemon/cli/cli.hpp"

namespace hpod::cli {

namespace {

// "SQLite format 3\0", then bytes 18-19 (file format write/read version): 1 = rollback
// journal, 2 = WAL.
std::string sqlite_header_problem(std::string_view bytes) {
  constexpr std::string_view kMagic("SQLite format 3\0", 16);
  if (bytes.size() < 100 || bytes.substr(0, 16) != kMagic) return "not an SQLite database";
  if (bytes[18] != 1 || bytes[19] != 1) return "not in rollback-journal mode";
  return "";
}

bool write_private_file(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  bool ok = done == bytes.size() && ::fsync(fd) == 0;
  return ::close(fd) == 0 && ok;
}

}  // namespace

int cmd_snapshot(const Context& c, const std::string& file) {
  // Never over an existing file: it could be hpod's own database.
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    std::cerr << "hpoctl: " << file << " exists; remove it or choose another name\n";
    return 1;
  }
  auto r = call_raw(c, "GET", "/api/v1/snapshot", "", 600);
  if (!r) return 1;
  if (std::string problem = sqlite_header_problem(r->body); !problem.empty()) {
    std::cerr << "hpoctl: the snapshot hpod sent is " << problem << " (" << r->body.size() << " bytes); nothing written\n";
    return 1;
  }
  // Written under a temporary name, then linked: FILE is complete or absent.
  std::string tmp = file + ".part-" + std::to_string(::getpid());
  if (!write_private_file(tmp, r->body)) {
    std::cerr << "hpoctl: cannot write " << tmp << ": " << std::strerror(errno) << "\n";
    std::filesystem::remove(tmp, ec);
    return 1;
  }
  // link() rather than rename(): it refuses to replace a FILE that appeared meanwhile.
  int linked = ::link(tmp.c_str(), file.c_str());
  int link_errno = errno;
  std::filesystem::remove(tmp, ec);
  if (linked != 0) {
    std::cerr << "hpoctl: cannot create " << file << ": " << std::strerror(link_errno) << "\n";
    return 1;
  }
  std::cerr << "wrote " << file << " (" << r->body.size() << " bytes, rollback-journal mode)\n";
  return 0;
}

}  // namespace hpod::cli
