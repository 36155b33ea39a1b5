// The local executor's record of how a trial ended: the wrapper's exit_status file, read
// once the wrapper is gone, by this executor or by a fresh one after a daemon restart.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
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

TEST_CASE("local executor: a launch moves an earlier run directory aside, so its exit_status cannot decide the outcome") {
  LocalRunRoot dir;
  LocalExecutor e;
  // Left by an earlier database's trial 0: a successful exit and some output.
  const fs::path run = dir.path / "0";
  fs::create_directories(run);
  std::ofstream(run / "exit_status") << "0\n";
  std::ofstream(run / "stdout") << "old output\n";
  // This run's process group dies to SIGKILL, wrapper and all: it records nothing.
  LaunchSpec spec = local_shell_job(dir, "0", "echo new output; kill -9 0");
  auto ref = e.launch(spec);
  REQUIRE(ref.ok());
  JobStatus st = wait_local_finished(e, *ref);
  CAPTURE(st.reason);
  CHECK(st.state == "LOST");
  CHECK(st.retryable);
  std::ifstream out(run / "stdout");
  std::string log((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  CHECK(log == "new output\n");
  // The old run is kept, not deleted.
  int moved = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("0.old-", 0) != 0) continue;
    ++moved;
    std::ifstream old(entry.path() / "stdout");
    std::string text((std::istreambuf_iterator<char>(old)), std::istreambuf_iterator<char>());
    CHECK(text == "old output\n");
    CHECK(read_small_file((entry.path() / "exit_status").string()) == std::optional<std::string>("0\n"));
  }
  CHECK(moved == 1);
}

TEST_CASE("local executor: an empty run directory is used as it is") {
  LocalRunRoot dir;
  LocalExecutor e;
  auto ref = e.launch(local_shell_job(dir, "1", "exit 0"));
  REQUIRE(ref.ok());
  CHECK(wait_local_finished(e, *ref).exit_code == 0);
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) entries += entry.path().filename() != "1";
  CHECK(entries == 0);
}

TEST_CASE("local executor: find_unrecorded adopts this trial's record, not an earlier run's") {
  LocalRunRoot dir;
  LocalExecutor e;
  LaunchSpec spec = local_shell_job(dir, "2", "exit 0");
  auto ref = e.launch(spec);
  REQUIRE(ref.ok());
  wait_local_finished(e, *ref);

  spec.trial_started = std::chrono::system_clock::now() - std::chrono::seconds(60);
  auto found = e.find_unrecorded(spec);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->id == ref->id);

  // The same record seen by a trial that started an hour after it was written.
  spec.trial_started = std::chrono::system_clock::now() + std::chrono::hours(1);
  found = e.find_unrecorded(spec);
  REQUIRE(found.ok());
  CHECK_FALSE(found->has_value());
}
