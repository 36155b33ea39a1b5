// Optuna's RDB schema as SQLite DDL (optuna/storages/_rdb/models.py, as SQLAlchemy
// writes it for Optuna 3.1 and 4.9), table by table, and the alembic revisions hpod knows
// (docs/architecture.md "Files hpod writes").
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace hpod::schema {

// (table name, CREATE statements) in creation order: referenced tables first.
const std::vector<std::pair<std::string_view, std::string_view>>& optuna_tables();
// hpod's own tables; Optuna ignores them.
const std::vector<std::pair<std::string_view, std::string_view>>& hpod_tables();

inline constexpr std::string_view kRevision31 = "v3.0.0.d";  // Optuna 3.0 - 3.1
inline constexpr std::string_view kRevision32 = "v3.2.0.a";  // Optuna 3.2 - 5.0
// The index that revision v3.2.0.a adds.
inline constexpr std::string_view kTrialsStudyIdIndex =
    "CREATE INDEX IF NOT EXISTS ix_trials_study_id ON trials (study_id)";

// Older revisions: the file needs `optuna storage upgrade` before hpod can use it.
bool is_older_revision(std::string_view revision);

}  // namespace hpod::schema
