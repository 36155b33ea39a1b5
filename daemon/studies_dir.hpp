// The studies directory: a study file dropped there is submitted as if by `hpoctl submit`.
// A file is read again only when it changes; one with an error is refused (its messages are
// logged and written next to it as <file>.error) and nothing starts. Files are read and
// parsed on a thread of their own (a big or slow file never holds up the daemon's thread)
// and capped in size; the results come back through `post`.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "daemon/worker_pool.hpp"
#include "hpod/study.hpp"

namespace hpod {

// Rewrites a relative trial.workdir (default ".") as an absolute path against `base_dir`,
// so a study runs where its file lives wherever hpod was started. Leaves invalid JSON (or
// JSON nested too deeply to be a study) as is.
std::string with_absolute_workdir(const std::string& study_json, const std::string& base_dir);

// A study file is a page of JSON; anything this big is a mistake (or an attack).
inline constexpr std::size_t kMaxStudyFileBytes = 1 << 20;

class StudiesDir {
 public:
  // `submit` gets each new or changed valid definition and reports its outcome later.
  using Submit = std::function<void(StudySpec spec, const std::string& file)>;
  using Post = std::function<void(std::function<void()>)>;
  // Without `post`, scan() reads and submits inline (tests, tools).
  StudiesDir(std::string dir, Submit submit, std::function<void(const std::string&)> log_error, Post post = nullptr,
             std::size_t max_file_bytes = kMaxStudyFileBytes);
  ~StudiesDir();
  // Looks for new or changed files; with `post`, returns at once (a scan still running
  // makes this one a no-op) and submits from the daemon's thread later.
  void scan();

 private:
  struct Found;
  std::vector<Found> read_changed();
  void deliver(std::vector<Found> found);

  std::string dir_;
  Submit submit_;
  std::function<void(const std::string&)> log_error_;
  Post post_;
  std::size_t max_file_bytes_;
  std::map<std::string, std::filesystem::file_time_type> seen_;  // the reading thread's
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  std::atomic<bool> scanning_{false};
  WorkerPool worker_{1};  // last: joined before the rest goes
};

}  // namespace hpod
