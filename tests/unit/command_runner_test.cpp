// ProcessRunner: argv without a shell, captured output, exit status, and a timeout that
// kills the whole process group.
#include <doctest/doctest.h>

#include <signal.h>

#include <filesystem>
#include <thread>

#include "daemon/executors/command_runner.hpp"
#include "tests/support/slurm_test_support.hpp"

using namespace hpod;
using namespace std::chrono_literals;

TEST_CASE("runs argv without a shell and captures stdout, stderr and the exit status") {
  ProcessRunner runner;
  auto r = runner.run({{"/bin/sh", "-c", "printf 'out %s' \"$1\"; printf 'err' >&2; exit 7", "sh", "$HOME *"}, 10s});
  CHECK(r.exit_code == 7);
  CHECK(r.term_signal == 0);
  CHECK_FALSE(r.timed_out);
  CHECK_FALSE(r.ok());
  CHECK(r.out == "out $HOME *");
  CHECK(r.err == "err");
  CHECK(r.describe("thing") == "thing exited with status 7: err");

  auto ok = runner.run({{"true"}, 10s});  // looked up in PATH
  CHECK(ok.ok());
}

TEST_CASE("large output on both streams does not deadlock") {
  ProcessRunner runner;
  auto r = runner.run({{"/bin/sh", "-c", "head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2"}, 20s});
  CHECK(r.ok());
  CHECK(r.out.size() == 300000);
  CHECK(r.err.size() == 200000);

  ProcessRunner capped(1000);
  auto c = capped.run({{"/bin/sh", "-c", "head -c 300000 /dev/zero"}, 20s});
  CHECK(c.ok());
  CHECK(c.out.size() == 1000);
}

TEST_CASE("a command that cannot be started is reported, not thrown") {
  ProcessRunner runner;
  auto r = runner.run({{"/nonexistent/sbatch", "--parsable"}, 10s});
  CHECK(r.spawn_failed);
  CHECK(r.describe("sbatch").find("No such file or directory") != std::string::npos);
  CHECK(runner.run({{}, 10s}).spawn_failed);
}

TEST_CASE("a hung command is killed with its process group at the timeout") {
  hpod::testing::ScratchDir dir("hpod-runner");
  const std::string pidfile = dir / "grandchild.pid";
  ProcessRunner runner;
  // The grandchild holds no pipe (its output goes to /dev/null), so only the group kill
  // ends it; `wait` keeps the shell itself running.
  auto r = runner.run(
      {{"/bin/sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $! > \"$1\"; echo started; wait", "sh", pidfile}, 300ms});
  CHECK(r.timed_out);
  CHECK(r.term_signal == SIGKILL);
  CHECK(r.seconds < 5);
  CHECK(r.out == "started\n");
  CHECK(r.describe("squeue").find("squeue timed out after") == 0);
  pid_t grandchild = std::stoi(hpod::testing::slurp(pidfile));
  // SIGKILL takes effect when the process is next scheduled: allow for that, then it is
  // gone (or a zombie until init reaps it).
  auto gone = [&] {
    std::string stat = hpod::testing::slurp("/proc/" + std::to_string(grandchild) + "/stat");
    return stat.empty() || stat.find(") Z ") != std::string::npos;
  };
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!gone() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  CHECK(gone());
}

TEST_CASE("a command that closes its output but keeps running is still bound by the timeout") {
  ProcessRunner runner;
  auto r = runner.run({{"/bin/sh", "-c", "exec >/dev/null 2>&1; sleep 60"}, 300ms});
  CHECK(r.timed_out);
  CHECK(r.seconds < 5);
}
