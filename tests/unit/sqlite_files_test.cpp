// The database file for other programs: rollback-journal mode after a clean close, and
// VACUUM INTO snapshots of a live WAL file.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <fstream>

#include "daemon/storage/sqlite_files.hpp"
#include "hpod/storage.hpp"

using namespace hpod;
namespace fs = std::filesystem;

namespace {

struct SqliteFilesDir {
  fs::path dir = fs::temp_directory_path() / ("hpod-sqlite-files-" + std::to_string(::getpid()));
  SqliteFilesDir() { fs::create_directories(dir); }
  ~SqliteFilesDir() { fs::remove_all(dir); }
  std::string at(const char* name) const { return (dir / name).string(); }
};

// Bytes 18 and 19 of the header: 1 = rollback journal, 2 = WAL.
std::pair<int, int> sqlite_files_journal_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[20] = {};
  in.read(head, sizeof head);
  return {head[18], head[19]};
}

std::unique_ptr<Storage> sqlite_files_storage(const std::string& path) {
  StorageOptions o;
  o.path = path;
  auto s = Storage::open(o);
  REQUIRE_MESSAGE(s.ok(), s.status().message());
  REQUIRE(s.value()->create_study("s", {StudyDirection::kMinimize}).ok());
  return std::move(s).value();
}

}  // namespace

TEST_CASE("sqlite files: a closed file leaves WAL mode, unless another connection holds it") {
  SqliteFilesDir d;
  std::string db = d.at("h.db");
  auto storage = sqlite_files_storage(db);
  CHECK(sqlite_files_journal_bytes(db) == std::pair<int, int>{2, 2});
  {
    SQLite::Database reader(db, SQLite::OPEN_READONLY);
    CHECK(reader.execAndGet("SELECT count(*) FROM studies").getInt() == 1);
    storage.reset();
    Status held = leave_wal_mode(db, std::chrono::milliseconds(100));
    CHECK(held.code() == Status::Code::kUnavailable);
    CHECK(held.message().find("another process has it open") != std::string::npos);
    CHECK(sqlite_files_journal_bytes(db) == std::pair<int, int>{2, 2});
  }
  Status st = leave_wal_mode(db);
  REQUIRE_MESSAGE(st.ok(), st.message());
  CHECK(sqlite_files_journal_bytes(db) == std::pair<int, int>{1, 1});
  CHECK_FALSE(fs::exists(db + "-wal"));
  // hpod opens it again in WAL mode with its data.
  StorageOptions o;
  o.path = db;
  auto again = Storage::open(o);
  REQUIRE(again.ok());
  CHECK(again.value()->study_names().value() == std::vector<std::string>{"s"});
}

TEST_CASE("sqlite files: a snapshot of a live WAL file has its last commit, in rollback mode, 0600") {
  SqliteFilesDir d;
  std::string db = d.at("live.db"), copy = d.at("copy.db");
  auto storage = sqlite_files_storage(db);
  // Committed but not checkpointed: only in the -wal, which a plain cp would miss.
  REQUIRE(storage->create_study("second", {StudyDirection::kMaximize}).ok());
  REQUIRE(fs::file_size(db + "-wal") > 0);
  Status st = snapshot_database(db, copy);
  REQUIRE_MESSAGE(st.ok(), st.message());
  CHECK(sqlite_files_journal_bytes(copy) == std::pair<int, int>{1, 1});
  struct stat sb {};
  REQUIRE(::stat(copy.c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0600);
  SQLite::Database c(copy, SQLite::OPEN_READONLY);
  CHECK(c.execAndGet("SELECT count(*) FROM studies").getInt() == 2);
  CHECK(sqlite_files_journal_bytes(db) == std::pair<int, int>{2, 2});  // the live file is left alone
  // Never over an existing file.
  Status again = snapshot_database(db, copy);
  CHECK(again.code() == Status::Code::kIOError);
  CHECK(again.message().find(copy) != std::string::npos);
  CHECK(SQLite::Database(copy, SQLite::OPEN_READONLY).execAndGet("SELECT count(*) FROM studies").getInt() == 2);
}
