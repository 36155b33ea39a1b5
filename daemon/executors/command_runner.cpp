#include "daemon/executors/command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

extern char** environ;

namespace hpod {

namespace {

using Clock = std::chrono::steady_clock;

// Both ends close-on-exec, so a command spawned by another thread meanwhile cannot
// inherit them (an inherited write end would keep our read from ever seeing EOF).
struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

std::string trimmed(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

int millis_until(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 1 << 30));
}

void record_wait_status(int status, CommandResult& r) {
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
}

}  // namespace

std::string CommandResult::describe(const std::string& name) const {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", seconds);
  if (spawn_failed) return name + ": " + err;
  if (timed_out) return name + " timed out after " + secs + " s";
  std::string detail = trimmed(err);
  if (detail.empty()) detail = trimmed(out);
  if (detail.size() > 500) detail = detail.substr(0, 500) + "...";
  std::string head = term_signal != 0 ? name + " killed by signal " + std::to_string(term_signal)
                                      : name + " exited with status " + std::to_string(exit_code);
  return detail.empty() ? head : head + ": " + detail;
}

CommandResult ProcessRunner::run(const Command& command) {
  CommandResult r;
  const auto t0 = Clock::now();
  const auto deadline = t0 + command.timeout;
  auto finish = [&]() -> CommandResult {
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return std::move(r);
  };
  if (command.argv.empty()) {
    r.spawn_failed = true;
    r.err = "empty command";
    return finish();
  }

  Pipe out, err;
  if (::pipe2(out.fd, O_CLOEXEC) != 0 || ::pipe2(err.fd, O_CLOEXEC) != 0) {
    r.spawn_failed = true;
    r.err = std::string("cannot create a pipe: ") + std::strerror(errno);
    return finish();
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  // Nothing else of the daemon's (its listening socket, the database) leaks into children.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_init(&attr);
  // Own process group (so a timeout can kill everything the command started), no
  // blocked signals, and default dispositions (the daemon may ignore SIGPIPE).
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);

  std::vector<char*> args;
  args.reserve(command.argv.size() + 1);
  for (const auto& a : command.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  out.close_end(1);
  err.close_end(1);
  if (rc != 0) {
    r.spawn_failed = true;
    r.err = "cannot run " + command.argv[0] + ": " + std::strerror(rc);
    return finish();
  }

  // Read both streams until EOF or the deadline.
  pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  char buf[65536];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    int wait_ms = millis_until(deadline);
    if (wait_ms == 0) {
      r.timed_out = true;
      break;
    }
    int n = ::poll(fds, 2, wait_ms);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        std::size_t room = max_output_ > sinks[i]->size() ? max_output_ - sinks[i]->size() : 0;
        sinks[i]->append(buf, std::min<std::size_t>(room, static_cast<std::size_t>(got)));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        fds[i].fd = -1;  // closed by ~Pipe
      }
    }
  }

  // The command closed its output; it normally exits right away, but one that keeps
  // running without output is still bound by the deadline.
  int status = 0;
  auto nap = std::chrono::microseconds(100);
  while (!r.timed_out) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      record_wait_status(status, r);
      return finish();
    }
    if (w < 0 && errno != EINTR) {
      r.spawn_failed = true;
      r.err = std::string("waitpid failed: ") + std::strerror(errno);
      return finish();
    }
    if (Clock::now() >= deadline) {
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(nap);
    nap = std::min(nap * 2, std::chrono::microseconds(20000));
  }

  // Timed out: the child is not reaped yet, so its pid (= the group id) cannot have been
  // reused and the group kill reaches exactly what it started.
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  record_wait_status(status, r);
  return finish();
}

}  // namespace hpod
