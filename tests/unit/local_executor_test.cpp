// The local executor's record of how a trial ended: the wrapper's exit_status file, read
// once the wrapper is gone, by this executor or by a fresh one after a daemon restart.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "daemon/executors/local_executor.hpp"
#include "daemon/executors/run_dir_files.hpp"

using namespace hpod;
namespace fs = std::filesystem;

namespace {

struct LocalRunRoot {
  fs::path path;
  LocalRunRoot() {
    std::string tmpl = (fs::temp_directory_path() / "hpod-local-exec-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~LocalRunRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

LaunchSpec local_shell_job(const LocalRunRoot& dir, const std::string& name, const std::string& script) {
  LaunchSpec spec;
  spec.study = "s";
  spec.trial_number = 0;
  spec.argv = {"/bin/sh", "-c", script};
  spec.workdir = dir.path.string();
  spec.run_dir = (dir.path / name).string();
  fs::create_directories(spec.run_dir);
  return spec;
}

// Polls until the job has finished (bounded: the commands here end at once).
JobStatus wait_local_finished(LocalExecutor& e, const JobRef& ref) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto st = e.poll({ref});
    if (st.count(ref.id) && st.at(ref.id).phase == JobPhase::kFinished) return st.at(ref.id);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  FAIL("job " << ref.id << " did not finish within 20 s");
  return {};
}

}  // namespace

TEST_CASE("local executor: the command's exit status is recorded in the run directory and reported") {
  LocalRunRoot dir;
  LocalExecutor e;
  auto ref = e.launch(local_shell_job(dir, "a", "echo out; echo err >&2; exit 3"));
  REQUIRE(ref.ok());
  JobStatus st = wait_local_finished(e, *ref);
  CHECK(st.exit_code == 3);
  CHECK(st.state == "EXITED");
  CHECK_FALSE(st.retryable);
  auto recorded = read_small_file((dir.path / "a" / "exit_status").string());
  REQUIRE(recorded);
  CHECK(parse_exit_status(*recorded) == 3);
  CHECK(read_small_file((dir.path / "a" / "stdout").string()) == std::optional<std::string>("out\n"));
  CHECK(read_small_file((dir.path / "a" / "stderr").string()) == std::optional<std::string>("err\n"));
}

TEST_CASE("local executor: after a restart, the exit_status file decides; an empty one is a lost process, not exit 0") {
  LocalRunRoot dir;
  JobRef ok_ref, cut_ref;
  {
    LocalExecutor before_restart;
    auto a = before_restart.launch(local_shell_job(dir, "ok", "exit 0"));
    auto b = before_restart.launch(local_shell_job(dir, "cut", "exit 0"));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    ok_ref = *a;
    cut_ref = *b;
    wait_local_finished(before_restart, ok_ref);
    wait_local_finished(before_restart, cut_ref);
  }
  // The wrapper of "cut" died between creating the file and writing it.
  std::ofstream((dir.path / "cut" / "exit_status").string(), std::ios::trunc).close();

  LocalExecutor after_restart;  // its own children only: neither process is known to it
  auto st = after_restart.poll({ok_ref, cut_ref});
  REQUIRE(st.count(ok_ref.id));
  REQUIRE(st.count(cut_ref.id));
  CHECK(st.at(ok_ref.id).phase == JobPhase::kFinished);
  CHECK(st.at(ok_ref.id).exit_code == 0);
  CHECK(st.at(ok_ref.id).state == "EXITED");
  CHECK(st.at(cut_ref.id).phase == JobPhase::kFinished);
  CHECK(st.at(cut_ref.id).state == "LOST");
  CHECK(st.at(cut_ref.id).retryable);
  CHECK(st.at(cut_ref.id).exit_code != 0);
}
