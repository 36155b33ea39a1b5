// The studies directory: a study file dropped there is submitted as if by `hpoctl submit`.
// A file is read again only when it changes; one with an error is refused (its messages are
// logged and written next to it as <file>.error) and nothing starts.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "hpod/study.hpp"

namespace hpod {

// Rewrites a relative trial.workdir (default ".") as an absolute path against `base_dir`,
// so a study runs where its file lives wherever hpod was started. Leaves invalid JSON as is.
std::string with_absolute_workdir(const std::string& study_json, const std::string& base_dir);

class StudiesDir {
 public:
  // `submit` gets each new or changed valid definition and reports its outcome later.
  using Submit = std::function<void(StudySpec spec, const std::string& file)>;
  StudiesDir(std::string dir, Submit submit, std::function<void(const std::string&)> log_error);
  void scan();

 private:
  std::string dir_;
  Submit submit_;
  std::function<void(const std::string&)> log_error_;
  std::map<std::string, std::filesystem::file_time_type> seen_;
};

}  // namespace hpod
