// The log endpoint's path check: only files inside runs_dir, after symlinks and "..".
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemon/api/log_tail.hpp"

using namespace hpod;
using namespace hpod::api;
namespace fs = std::filesystem;

namespace {

struct Tree {
  fs::path root;
  Tree() {
    root = fs::temp_directory_path() / ("hpod-logtail-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "runs" / "s" / "0");
    fs::create_directories(root / "runs2" / "s" / "0");
    fs::create_directories(root / "outside");
    write(root / "runs" / "s" / "0" / "stdout", "line 1\nline 2\nline 3\n");
    write(root / "runs2" / "s" / "0" / "stdout", "not in runs\n");
    write(root / "outside" / "secret", "secret\n");
    write(root / "outside" / "stdout", "secret\n");
  }
  ~Tree() { fs::remove_all(root); }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
  std::string runs() const { return (root / "runs").string(); }
  std::string at(const std::string& rel) const { return (root / rel).string(); }
};

}  // namespace

TEST_CASE("a trial's log inside runs_dir is found and read") {
  Tree t;
  auto p = trial_log_path(t.runs(), t.at("runs/s/0"), "stdout");
  REQUIRE_MESSAGE(p.ok(), p.status().message());
  auto tail = read_log_tail(*p, 1 << 20);
  REQUIRE(tail.ok());
  CHECK(tail->text == "line 1\nline 2\nline 3\n");
  CHECK(tail->size == 21);
  CHECK(tail->offset == 0);
  // A trailing slash or "." in the configured runs_dir changes nothing.
  CHECK(trial_log_path(t.runs() + "/./", t.at("runs/s/0"), "stdout").ok());
}

TEST_CASE("paths that leave runs_dir are refused") {
  Tree t;
  auto code = [&](const std::string& run_dir, const std::string& stream = "stdout") {
    return trial_log_path(t.runs(), run_dir, stream).status().code();
  };
  CHECK(code(t.at("outside")) == Status::Code::kPermissionDenied);
  CHECK(code(t.at("runs/s/0/../../../outside")) == Status::Code::kPermissionDenied);
  CHECK(code(t.at("runs2/s/0")) == Status::Code::kPermissionDenied);  // a sibling that shares the prefix
  CHECK(code(t.at("runs")) == Status::Code::kNotFound);                // runs/stdout does not exist
  // Symlinks are resolved before the check: a run dir, or the log itself, pointing out.
  fs::create_directory_symlink(t.root / "outside", t.root / "runs" / "s" / "1");
  CHECK(code(t.at("runs/s/1")) == Status::Code::kPermissionDenied);
  fs::create_directories(t.root / "runs" / "s" / "2");
  fs::create_symlink(t.root / "outside" / "secret", t.root / "runs" / "s" / "2" / "stderr");
  CHECK(code(t.at("runs/s/2"), "stderr") == Status::Code::kPermissionDenied);
  // A symlink that stays inside is fine.
  fs::create_directory_symlink(t.root / "runs" / "s" / "0", t.root / "runs" / "s" / "3");
  CHECK(trial_log_path(t.runs(), t.at("runs/s/3"), "stdout").ok());
}

TEST_CASE("only stdout and stderr of an absolute run directory") {
  Tree t;
  CHECK(trial_log_path(t.runs(), t.at("runs/s/0"), "exit_status").status().code() == Status::Code::kInvalidArgument);
  CHECK(trial_log_path(t.runs(), t.at("runs/s/0"), "../../../outside/secret").status().code() == Status::Code::kInvalidArgument);
  CHECK(trial_log_path(t.runs(), "runs/s/0", "stdout").status().code() == Status::Code::kInvalidArgument);
  CHECK(trial_log_path(t.runs(), "", "stdout").status().code() == Status::Code::kInvalidArgument);
  CHECK(trial_log_path("", t.at("runs/s/0"), "stdout").status().code() == Status::Code::kFailedPrecondition);
  CHECK(trial_log_path(t.runs(), t.at("runs/s/0"), "stderr").status().code() == Status::Code::kNotFound);
}

TEST_CASE("the tail starts at a line boundary when the file is cut") {
  Tree t;
  auto p = *trial_log_path(t.runs(), t.at("runs/s/0"), "stdout");
  auto tail = read_log_tail(p, 10);  // the last 10 bytes are "2\nline 3\n"
  REQUIRE(tail.ok());
  CHECK(tail->text == "line 3\n");
  CHECK(tail->offset == 14);
  CHECK(tail->size == 21);
  CHECK(read_log_tail(t.at("runs/s/0"), 10).status().code() == Status::Code::kInvalidArgument);  // a directory
}

TEST_CASE("a log with a second hard link is refused (a link planted to another file of hpod's user)") {
  Tree t;
  fs::create_directories(t.root / "runs" / "s" / "5");
  fs::create_hard_link(t.root / "outside" / "secret", t.root / "runs" / "s" / "5" / "stdout");
  auto p = trial_log_path(t.runs(), t.at("runs/s/5"), "stdout");
  REQUIRE(p.ok());  // the name is inside runs_dir: only the link count gives it away
  auto tail = read_log_tail(*p, 1 << 20);
  CHECK(tail.status().code() == Status::Code::kPermissionDenied);
  CHECK(tail.status().message().find("2 hard links") != std::string::npos);
}

TEST_CASE("a log that is a symbolic link is refused even when it points inside runs_dir") {
  Tree t;
  fs::create_directories(t.root / "runs" / "s" / "4");
  fs::create_symlink(t.root / "runs" / "s" / "0" / "stdout", t.root / "runs" / "s" / "4" / "stdout");
  auto p = trial_log_path(t.runs(), t.at("runs/s/4"), "stdout");
  CHECK(p.status().code() == Status::Code::kPermissionDenied);
  CHECK(p.status().message().find("symbolic link") != std::string::npos);
}
