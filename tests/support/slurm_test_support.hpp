// Shared by the executor tests (unit and real-cluster) and the Slurm benchmark: a scratch
// directory, whole-file read/write, a LaunchSpec to start from, and a runner that counts
// the commands it runs.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

#include "daemon/executors/command_runner.hpp"
#include "daemon/executors/executor.hpp"

namespace hpod::testing {

// A fresh directory under TMPDIR, removed with everything in it at scope exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag = "hpod-test") {
    std::string templ = (std::filesystem::temp_directory_path() / (tag + ".XXXXXX")).string();
    path_ = ::mkdtemp(templ.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

inline LaunchSpec slurm_launch_spec(const std::string& run_dir, const std::string& workdir) {
  LaunchSpec s;
  s.study = "demo";
  s.trial_number = 7;
  s.trial_id = 107;
  s.argv = {"/bin/true"};
  s.workdir = workdir;
  s.run_dir = run_dir;
  s.executor.type = ExecutorSpec::Type::kSlurm;
  return s;
}

// Runs commands for real and counts them by argv[0]'s base name ("squeue", "sacct").
class CountingRunner final : public CommandRunner {
 public:
  CommandResult run(const Command& c) override {
    {
      std::lock_guard lock(mu_);
      ++calls_[std::filesystem::path(c.argv.at(0)).filename().string()];
    }
    return inner_.run(c);
  }
  int calls(const std::string& name) {
    std::lock_guard lock(mu_);
    return calls_[name];
  }
  // The counts so far; starts counting from zero again.
  std::map<std::string, int> take() {
    std::lock_guard lock(mu_);
    return std::exchange(calls_, {});
  }

 private:
  ProcessRunner inner_;
  std::mutex mu_;
  std::map<std::string, int> calls_;
};

}  // namespace hpod::testing
