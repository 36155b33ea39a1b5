#include "daemon/storage/sqlite_files.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace hpod {

namespace {

std::string journal_mode(SQLite::Database& db, const char* pragma) { return db.execAndGet(pragma).getString(); }

}  // namespace

Status leave_wal_mode(const std::string& db_path, std::chrono::milliseconds wait) {
  try {
    SQLite::Database db(db_path, SQLite::OPEN_READWRITE);
    db.setBusyTimeout(static_cast<int>(wait.count()));
    auto deadline = std::chrono::steady_clock::now() + wait;
    // Leaving WAL needs the only connection to the file; SQLite does not wait for it (no
    // busy handler on that lock), so this does, within `wait`.
    for (;;) {
      std::string mode;
      try {
        mode = journal_mode(db, "PRAGMA journal_mode=DELETE");
      } catch (const SQLite::Exception& e) {
        if (e.getErrorCode() != SQLITE_BUSY && e.getErrorCode() != SQLITE_LOCKED) throw;
        mode = "busy";
      }
      if (mode == "delete") return Status::OK();
      if (std::chrono::steady_clock::now() >= deadline)
        return Status::Unavailable(db_path + " stays in WAL mode (journal_mode " + mode +
                                   "): another process has it open; it is consistent, but optuna-dashboard's "
                                   "in-browser loader needs `hpoctl snapshot` or a clean stop with no reader");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } catch (const std::exception& e) {
    return Status::IOError("leaving WAL mode on " + db_path + ": " + e.what());
  }
}

Status snapshot_database(const std::string& db_path, const std::string& out_path) {
  // Created here, empty and private, so VACUUM INTO writes into a file nobody else can read.
  int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("snapshot: cannot create " + out_path + ": " + std::strerror(errno));
  ::close(fd);
  Status st = [&]() -> Status {
    try {
      {
        SQLite::Database db(db_path, SQLite::OPEN_READWRITE);
        db.setBusyTimeout(10000);
        SQLite::Statement vacuum(db, "VACUUM INTO ?");
        vacuum.bind(1, out_path);
        vacuum.exec();
      }
      SQLite::Database copy(out_path, SQLite::OPEN_READWRITE);
      std::string mode = journal_mode(copy, "PRAGMA journal_mode=DELETE");
      if (mode != "delete") return Status::IOError("snapshot: " + out_path + " is in journal_mode " + mode + ", not delete");
      std::string check = copy.execAndGet("PRAGMA quick_check").getString();
      if (check != "ok") return Status::IOError("snapshot: " + out_path + " fails SQLite's quick_check: " + check);
      return Status::OK();
    } catch (const std::exception& e) {
      return Status::IOError("snapshot of " + db_path + " into " + out_path + ": " + e.what());
    }
  }();
  if (!st.ok()) {
    std::error_code ec;
    std::filesystem::remove(out_path, ec);
  }
  return st;
}

}  // namespace hpod
