#include "daemon/studies_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/json_check.hpp"

namespace hpod {

namespace fs = std::filesystem;

std::string with_absolute_workdir(const std::string& text, const std::string& base_dir) {
  if (jc::nesting_error(text)) return text;  // the parser refuses it with the reason
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("trial") || !j["trial"].is_object()) return text;
  auto& t = j["trial"];
  std::string wd = t.contains("workdir") && t["workdir"].is_string() ? t["workdir"].get<std::string>() : ".";
  if (fs::path(wd).is_absolute()) return text;
  std::string abs = (fs::path(base_dir) / wd).lexically_normal().string();
  if (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  t["workdir"] = abs;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// The whole file, or why not: at most `max_bytes`, regular files only (O_NONBLOCK: a FIFO
// named *.json must not block the reader).
Result<std::string> read_study_file(const std::string& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": not a regular file");
  }
  auto too_big = [&](std::uint64_t size) {
    return Status::TooLarge(path + ": " + std::to_string(size) + " bytes; a study file may have at most " +
                            std::to_string(max_bytes) + " bytes");
  };
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return too_big(static_cast<std::uint64_t>(st.st_size));
  }
  std::string text(max_bytes + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {  // the file may grow while it is read
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::IOError(path + ": read error: " + std::strerror(errno));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got > max_bytes) return too_big(got);
  text.resize(got);
  return text;
}

}  // namespace

struct StudiesDir::Found {
  std::string path;
  Result<StudySpec> spec;
};

StudiesDir::StudiesDir(std::string dir, Submit submit, std::function<void(const std::string&)> log_error, Post post,
                       std::size_t max_file_bytes)
    : dir_(std::move(dir)), submit_(std::move(submit)), log_error_(std::move(log_error)), post_(std::move(post)),
      max_file_bytes_(max_file_bytes) {}

StudiesDir::~StudiesDir() { alive_->store(false); }

void StudiesDir::scan() {
  if (!post_) return deliver(read_changed());
  if (scanning_.exchange(true)) return;
  worker_.run([this, alive = alive_] {
    std::vector<Found> found;
    try {
      found = read_changed();
    } catch (const std::exception& e) {  // never the daemon's end: the next scan tries again
      found.push_back({dir_, Status::Internal("scanning " + dir_ + ": " + e.what())});
    }
    scanning_ = false;
    post_([this, alive, found = std::move(found)]() mutable {
      if (alive->load()) deliver(std::move(found));
    });
  });
}

std::vector<StudiesDir::Found> StudiesDir::read_changed() {
  std::vector<Found> out;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return out;
  for (auto& entry : fs::directory_iterator(dir_, ec)) {
    if (!entry.is_regular_file(ec) || entry.path().extension() != ".json") continue;
    std::string path = entry.path().string();
    auto mtime = entry.last_write_time(ec);
    if (ec) continue;
    auto it = seen_.find(path);
    if (it != seen_.end() && it->second == mtime) continue;
    seen_[path] = mtime;
    auto text = read_study_file(path, max_file_bytes_);
    if (!text.ok()) {
      out.push_back({path, text.status()});
      continue;
    }
    try {
      std::string abs = with_absolute_workdir(*text, fs::absolute(entry.path()).parent_path().string());
      out.push_back({path, parse_study_spec(abs, path)});
    } catch (const std::exception& e) {  // one bad file never stops the others (or hpod)
      out.push_back({path, Status::Internal(path + ": " + e.what())});
    }
  }
  return out;
}

void StudiesDir::deliver(std::vector<Found> found) {
  for (auto& f : found) {
    std::string error_file = f.path + ".error";
    std::error_code ec;
    if (!f.spec.ok()) {
      log_error_("refused " + f.path + ":\n" + f.spec.status().message());
      if (f.path != dir_) std::ofstream(error_file) << f.spec.status().message() << "\n";
      continue;
    }
    fs::remove(error_file, ec);
    submit_(std::move(f.spec).value(), f.path);
  }
}

}  // namespace hpod
