// Storage: one SQLite file in Optuna's RDB schema (optuna/storages/_rdb/models.py), so
// optuna.load_study and optuna-dashboard open what hpod writes, and hpod opens what Optuna wrote.
// hpod's own bookkeeping (study definitions, tokens, job ids, retry links) lives in hpod_* tables
// that Optuna ignores.
//
// One Storage object is one connection and is used from one thread at a time. Every
// operation outside transaction() commits on its own; inside transaction() all of them
// commit together (the daemon's group commit).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hpod/status.hpp"
#include "hpod/trial.hpp"

namespace hpod {

struct StorageOptions {
  std::string path;
  // Stamped into alembic_version of a new file: "v3.2.0.a" (Optuna >= 3.2, current
  // optuna-dashboard) or "v3.0.0.d" (Optuna 3.0/3.1, e.g. Debian 12's python3-optuna).
  std::string optuna_schema = "v3.2.0.a";
  // PRAGMA synchronous in WAL mode: "FULL" survives power loss, "NORMAL" survives a crash
  // of the process (not of the OS).
  std::string synchronous = "FULL";
  // How long a write waits for another program's lock before it fails (and the storage
  // writer retries it).
  int busy_timeout_ms = 10000;
  // Written into version_info.library_version of a new file.
  std::string library_version = "hpod-0.1.0";
};

struct StoredStudy {
  std::int64_t id = -1;
  std::string name;
  std::vector<StudyDirection> directions;
  std::map<std::string, std::string> user_attrs;    // key → JSON text
  std::map<std::string, std::string> system_attrs;  // key → JSON text
  std::map<std::string, std::string> hpod_meta;     // hpod_study_meta: key → text
  std::vector<FrozenTrial> trials;                   // in number order
  // hpod_trial_meta, by trial number: key → text
  std::map<int, std::map<std::string, std::string>> trial_meta;
};

// A trial's row as the file has it now: another program (optuna-dashboard, an Optuna
// worker) may have finished a trial that hpod still runs.
struct TrialRow {
  TrialState state = TrialState::kRunning;
  std::vector<double> values;
  std::optional<Timestamp> datetime_complete;
};

// Optuna's datetime text: naive local time "YYYY-MM-DD HH:MM:SS.ffffff"
// (docs/architecture.md "Stored encodings").
std::string format_optuna_datetime(Timestamp t);
// Accepts what Optuna and SQLAlchemy write, with or without a fraction of any length.
std::optional<Timestamp> parse_optuna_datetime(std::string_view s);

class Storage {
 public:
  virtual ~Storage() = default;

  // Opens or creates the file (WAL mode), creating any missing Optuna or hpod table.
  // Refuses files whose alembic revision hpod cannot read, with what to do about it.
  static Result<std::unique_ptr<Storage>> open(const StorageOptions& options);

  // The revision stamped in alembic_version ("v3.2.0.a", ...).
  virtual std::string schema_revision() const = 0;

  // Runs `body` in one transaction: committed if it returns OK, rolled back otherwise
  // (the body's Status is returned). Not reentrant.
  virtual Status transaction(const std::function<Status()>& body) = 0;

  // ---- reads
  virtual Result<std::vector<std::string>> study_names() = 0;
  virtual Result<StoredStudy> load_study(const std::string& name) = 0;
  virtual Result<std::vector<StoredStudy>> load_all_studies() = 0;
  // max(trial_id) + 1 over the whole file: hpod is the single writer and numbers trials
  // itself, so it can assign ids before the insert commits.
  virtual Result<std::int64_t> next_trial_id() = 0;
  virtual Result<TrialRow> read_trial(std::int64_t trial_id) = 0;

  // ---- writes
  virtual Result<std::int64_t> create_study(const std::string& name, const std::vector<StudyDirection>& directions) = 0;
  virtual Status set_study_user_attr(std::int64_t study_id, const std::string& key, const std::string& value_json) = 0;
  virtual Status set_study_system_attr(std::int64_t study_id, const std::string& key, const std::string& value_json) = 0;
  virtual Status set_study_meta(std::int64_t study_id, const std::string& key, const std::string& value) = 0;

  // Inserts a trial with its params, attributes, intermediate values and values as given.
  // trial.id < 0: SQLite assigns it; trial.number < 0: the count of the study's trials
  // (Optuna's rule: docs/architecture.md "Files hpod writes"). Returns the trial id.
  virtual Result<std::int64_t> create_trial(std::int64_t study_id, const FrozenTrial& trial) = 0;
  virtual Status set_trial_param(std::int64_t trial_id, const std::string& name, const TrialParam& param) = 0;
  // NaN and ±inf are stored with Optuna's intermediate_value_type. A second value for a
  // step is ignored (Optuna's rule), not an error.
  virtual Status add_intermediate_value(std::int64_t trial_id, std::int64_t step, double value) = 0;
  // Sets the state, values (replacing any) and datetime_complete of a RUNNING or WAITING
  // trial; Conflict if the file has it finished already (by another program: Optuna's
  // updates are conditional on the state too). A NaN value is refused: the caller turns
  // such a trial into FAIL, as Optuna does.
  virtual Status finish_trial(std::int64_t trial_id, TrialState state, const std::vector<double>& values,
                              Timestamp datetime_complete) = 0;
  // Changes the state only (WAITING → RUNNING, with datetime_start).
  virtual Status set_trial_state(std::int64_t trial_id, TrialState state, std::optional<Timestamp> datetime_start) = 0;
  virtual Status set_trial_user_attr(std::int64_t trial_id, const std::string& key, const std::string& value_json) = 0;
  virtual Status set_trial_system_attr(std::int64_t trial_id, const std::string& key, const std::string& value_json) = 0;
  virtual Status set_trial_meta(std::int64_t trial_id, const std::string& key, const std::string& value) = 0;
};

}  // namespace hpod
