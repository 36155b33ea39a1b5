// What other programs get from hpod's database file: a file in rollback-journal mode
// after a clean stop (optuna-dashboard's in-browser loader opens no WAL-mode file), and a
// consistent copy of the live file while hpod runs. Both use their own connection, so
// the storage connection and its writer thread are left alone.
#pragma once

#include <chrono>
#include <string>

#include "hpod/status.hpp"

namespace hpod {

// Checkpoints the WAL into the file and switches it to journal_mode=DELETE (header bytes
// 18-19 = 1, no -wal file left). Call after hpod's own connection is closed. Another
// process with the file open keeps it in WAL mode: retried for `wait`, then an error
// naming that cause.
Status leave_wal_mode(const std::string& db_path, std::chrono::milliseconds wait = std::chrono::milliseconds(3000));

// Writes a consistent copy of the database as of its last commit to `out_path` (which
// must not exist; created 0600, the file holds trials' environments) with VACUUM INTO,
// in rollback-journal mode. The read transaction does not hold up hpod's writer (WAL).
Status snapshot_database(const std::string& db_path, const std::string& out_path);

}  // namespace hpod
