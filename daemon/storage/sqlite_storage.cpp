// Storage on SQLite through SQLiteCpp: Optuna's tables, encodings and rules for a
// foreign writer (docs/architecture.md "Stored encodings", "Files hpod writes").
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cmath>
#include <set>
#include <unordered_map>

#include "daemon/storage/optuna_schema.hpp"
#include "hpod/storage.hpp"

namespace hpod {

namespace {

// Optuna's value_type / intermediate_value_type columns.
const char* value_type(double v) {
  if (std::isnan(v)) return "NAN";
  if (std::isinf(v)) return v > 0 ? "INF_POS" : "INF_NEG";
  return "FINITE";
}

std::optional<double> decode_value(const SQLite::Column& value, const std::string& type) {
  if (type == "FINITE") {
    if (value.isNull()) return std::nullopt;  // Optuna itself refuses such a row
    return value.getDouble();
  }
  if (type == "INF_POS") return INFINITY;
  if (type == "INF_NEG") return -INFINITY;
  if (type == "NAN") return NAN;
  return std::nullopt;
}

void bind_optional_time(SQLite::Statement& st, int index, const std::optional<Timestamp>& t) {
  if (t) st.bind(index, format_optuna_datetime(*t));
  else st.bind(index);
}

std::optional<Timestamp> read_time(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return parse_optuna_datetime(c.getString());
}

// Unavailable for what may pass (another program holds the write lock, an I/O error of a
// network file system, a full disk): the writer retries those. IOError for the rest.
Status storage_error(const std::string& what, const std::exception& e) {
  if (auto* se = dynamic_cast<const SQLite::Exception*>(&e)) {
    switch (se->getErrorCode()) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
      case SQLITE_IOERR:
      case SQLITE_FULL:
      case SQLITE_CANTOPEN:
      case SQLITE_PROTOCOL:
      case SQLITE_NOMEM:
        return Status::Unavailable("storage: " + what + ": " + e.what());
      default:
        break;
    }
  }
  return Status::IOError("storage: " + what + ": " + e.what());
}

class SqliteStorage final : public Storage {
 public:
  SqliteStorage(const StorageOptions& o)
      : options_(o), db_(o.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {}

  Status init() {
    return guard("open " + options_.path, [&]() -> Status {
      db_.setBusyTimeout(options_.busy_timeout_ms);
      std::string mode = db_.execAndGet("PRAGMA journal_mode=WAL").getString();
      if (mode != "wal") return Status::IOError("cannot switch to WAL mode (journal_mode is " + mode + ")");
      if (options_.synchronous != "FULL" && options_.synchronous != "NORMAL")
        return Status::InvalidArgument("synchronous must be FULL or NORMAL");
      db_.exec("PRAGMA synchronous=" + options_.synchronous);
      if (options_.optuna_schema != schema::kRevision31 && options_.optuna_schema != schema::kRevision32)
        return Status::InvalidArgument("optuna_schema must be \"v3.2.0.a\" (Optuna >= 3.2) or \"v3.0.0.d\" (Optuna 3.1), not \"" +
                                       options_.optuna_schema + "\"");
      SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
      std::set<std::string> existing;
      {
        SQLite::Statement q(db_, "SELECT name FROM sqlite_master WHERE type='table'");
        while (q.executeStep()) existing.insert(q.getColumn(0).getString());
      }
      bool fresh = existing.count("studies") == 0;
      for (auto& [name, ddl] : schema::optuna_tables())
        if (!existing.count(std::string(name))) db_.exec(std::string(ddl));
      for (auto& [name, ddl] : schema::hpod_tables())
        if (!existing.count(std::string(name))) db_.exec(std::string(ddl));

      SQLite::Statement vi(db_, "SELECT schema_version FROM version_info WHERE version_info_id = 1");
      if (vi.executeStep()) {
        if (!vi.getColumn(0).isNull() && vi.getColumn(0).getInt() != 12)
          return Status::FailedPrecondition(
              "the file was written by an Optuna older than 1.2 (schema_version " + vi.getColumn(0).getString() +
              "); run `optuna storage upgrade --storage sqlite:///" + options_.path + "` first");
      } else {
        SQLite::Statement ins(db_, "INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, 12, ?)");
        ins.bind(1, options_.library_version);
        ins.exec();
      }
      SQLite::Statement av(db_, "SELECT version_num FROM alembic_version");
      if (av.executeStep()) {
        revision_ = av.getColumn(0).getString();
      } else {
        revision_ = options_.optuna_schema;
        SQLite::Statement ins(db_, "INSERT INTO alembic_version (version_num) VALUES (?)");
        ins.bind(1, revision_);
        ins.exec();
      }
      if (revision_ == schema::kRevision32 && fresh) db_.exec(std::string(schema::kTrialsStudyIdIndex));
      if (schema::is_older_revision(revision_))
        return Status::FailedPrecondition("the file is stamped with Optuna schema revision " + revision_ +
                                          " (older than Optuna 3.0); run `optuna storage upgrade --storage sqlite:///" +
                                          options_.path + "` with Optuna 3.1, then start hpod again");
      if (revision_ != schema::kRevision31 && revision_ != schema::kRevision32)
        return Status::FailedPrecondition("the file is stamped with Optuna schema revision " + revision_ +
                                          ", newer than hpod understands (it reads v3.0.0.d and v3.2.0.a)");
      tx.commit();
      return Status::OK();
    });
  }

  std::string schema_revision() const override { return revision_; }

  Status transaction(const std::function<Status()>& body) override {
    if (in_tx_) return Status::Internal("storage: nested transaction");
    try {
      SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
      in_tx_ = true;
      Status s = body();
      in_tx_ = false;
      if (!s.ok()) return s;  // ~Transaction rolls back
      tx.commit();
      return Status::OK();
    } catch (const std::exception& e) {
      in_tx_ = false;
      for (auto& [_, st] : cache_) st->tryReset();
      return storage_error("transaction", e);
    }
  }

  // ---------------------------------------------------------------- reads

  Result<std::vector<std::string>> study_names() override {
    std::vector<std::string> names;
    Status s = guard("list studies", [&]() -> Status {
      SQLite::Statement q(db_, "SELECT study_name FROM studies ORDER BY study_id");
      while (q.executeStep()) names.push_back(q.getColumn(0).getString());
      return Status::OK();
    });
    if (!s.ok()) return s;
    return names;
  }

  Result<StoredStudy> load_study(const std::string& name) override {
    std::int64_t id = -1;
    Status s = guard("load study " + name, [&]() -> Status {
      SQLite::Statement q(db_, "SELECT study_id FROM studies WHERE study_name = ?");
      q.bind(1, name);
      if (q.executeStep()) id = q.getColumn(0).getInt64();
      return Status::OK();
    });
    if (!s.ok()) return s;
    if (id < 0) return Status::NotFound("no study named \"" + name + "\"");
    HPOD_ASSIGN_OR_RETURN(auto all, load(id));
    return std::move(all.front());
  }

  Result<std::vector<StoredStudy>> load_all_studies() override { return load(std::nullopt); }

  Result<std::int64_t> next_trial_id() override {
    std::int64_t next = 1;
    Status s = guard("next trial id", [&]() -> Status {
      auto c = db_.execAndGet("SELECT COALESCE(MAX(trial_id), 0) + 1 FROM trials");
      next = c.getInt64();
      return Status::OK();
    });
    if (!s.ok()) return s;
    return next;
  }

  Result<TrialRow> read_trial(std::int64_t trial_id) override {
    TrialRow row;
    bool found = false;
    Status s = guard("read trial " + std::to_string(trial_id), [&]() -> Status {
      auto& q = cached("SELECT state, datetime_complete FROM trials WHERE trial_id = ?");
      q.bind(1, trial_id);
      if (q.executeStep()) {
        found = true;
        auto state = trial_state_from_name(q.getColumn(0).getString());
        if (!state) return Status::IOError("trial " + std::to_string(trial_id) + ": unknown state " + q.getColumn(0).getString());
        row.state = *state;
        row.datetime_complete = read_time(q.getColumn(1));
      }
      q.reset();
      if (!found) return Status::OK();
      auto& v = cached("SELECT objective, value, value_type FROM trial_values WHERE trial_id = ? ORDER BY objective");
      v.bind(1, trial_id);
      while (v.executeStep()) {
        auto value = decode_value(v.getColumn(1), v.getColumn(2).getString());
        if (!value) return Status::IOError("trial " + std::to_string(trial_id) + ": bad value row");
        auto objective = static_cast<std::size_t>(v.getColumn(0).getInt());
        if (row.values.size() <= objective) row.values.resize(objective + 1, NAN);
        row.values[objective] = *value;
      }
      v.reset();
      return Status::OK();
    });
    if (!s.ok()) return s;
    if (!found) return Status::NotFound("no trial with id " + std::to_string(trial_id) + " in the database");
    return row;
  }

  // ---------------------------------------------------------------- writes

  Result<std::int64_t> create_study(const std::string& name, const std::vector<StudyDirection>& directions) override {
    std::int64_t id = -1;
    Status s = in_transaction("create study " + name, [&]() -> Status {
      {
        SQLite::Statement q(db_, "SELECT 1 FROM studies WHERE study_name = ?");
        q.bind(1, name);
        if (q.executeStep()) return Status::Conflict("a study named \"" + name + "\" already exists");
      }
      SQLite::Statement ins(db_, "INSERT INTO studies (study_name) VALUES (?)");
      ins.bind(1, name);
      ins.exec();
      id = db_.getLastInsertRowid();
      SQLite::Statement dir(db_, "INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, ?)");
      for (std::size_t i = 0; i < directions.size(); ++i) {
        dir.bind(1, direction_name(directions[i]));
        dir.bind(2, id);
        dir.bind(3, static_cast<int>(i));
        dir.exec();
        dir.reset();
      }
      return Status::OK();
    });
    if (!s.ok()) return s;
    return id;
  }

  Status set_study_user_attr(std::int64_t study_id, const std::string& key, const std::string& value_json) override {
    return upsert_attr("study_user_attributes", "study_id", study_id, key, value_json);
  }
  Status set_study_system_attr(std::int64_t study_id, const std::string& key, const std::string& value_json) override {
    return upsert_attr("study_system_attributes", "study_id", study_id, key, value_json);
  }
  Status set_study_meta(std::int64_t study_id, const std::string& key, const std::string& value) override {
    return upsert("set study meta " + key, "hpod_study_meta", "study_id", "value", study_id, key, value);
  }

  Result<std::int64_t> create_trial(std::int64_t study_id, const FrozenTrial& t) override {
    std::int64_t id = t.id;
    Status s = in_transaction("create trial in study " + std::to_string(study_id), [&]() -> Status {
      int number = t.number;
      if (number < 0) {
        auto& c = cached("SELECT COUNT(*) FROM trials WHERE study_id = ?");
        c.bind(1, study_id);
        c.executeStep();
        number = c.getColumn(0).getInt();
        c.reset();
      }
      auto& ins = cached("INSERT INTO trials (trial_id, number, study_id, state, datetime_start, datetime_complete) "
                         "VALUES (?, ?, ?, ?, ?, ?)");
      if (id >= 0) ins.bind(1, id);
      else ins.bind(1);
      ins.bind(2, number);
      ins.bind(3, study_id);
      ins.bind(4, trial_state_name(t.state));
      bind_optional_time(ins, 5, t.datetime_start);
      bind_optional_time(ins, 6, t.datetime_complete);
      ins.exec();
      id = db_.getLastInsertRowid();
      for (auto& [name, p] : t.params) HPOD_RETURN_IF_ERROR(set_trial_param(id, name, p));
      for (auto& [step, v] : t.intermediate_values) HPOD_RETURN_IF_ERROR(add_intermediate_value(id, step, v));
      if (!t.values.empty()) HPOD_RETURN_IF_ERROR(write_values(id, t.values));
      for (auto& [k, v] : t.user_attrs) HPOD_RETURN_IF_ERROR(set_trial_user_attr(id, k, v));
      for (auto& [k, v] : t.system_attrs) HPOD_RETURN_IF_ERROR(set_trial_system_attr(id, k, v));
      return Status::OK();
    });
    if (!s.ok()) return s;
    return id;
  }

  Status set_trial_param(std::int64_t trial_id, const std::string& name, const TrialParam& p) override {
    return guard("set param " + name + " of trial " + std::to_string(trial_id), [&]() -> Status {
      auto& st = cached("INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (trial_id, param_name) DO UPDATE SET "
                        "param_value = excluded.param_value, distribution_json = excluded.distribution_json");
      st.bind(1, trial_id);
      st.bind(2, name);
      st.bind(3, p.internal);
      st.bind(4, distribution_to_json(p.distribution));
      st.exec();
      return Status::OK();
    });
  }

  Status add_intermediate_value(std::int64_t trial_id, std::int64_t step, double value) override {
    return guard("report step " + std::to_string(step) + " of trial " + std::to_string(trial_id), [&]() -> Status {
      auto& st = cached("INSERT OR IGNORE INTO trial_intermediate_values "
                        "(trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?)");
      st.bind(1, trial_id);
      st.bind(2, step);
      if (std::isfinite(value)) st.bind(3, value);
      else st.bind(3);
      st.bind(4, value_type(value));
      st.exec();
      return Status::OK();
    });
  }

  Status finish_trial(std::int64_t trial_id, TrialState state, const std::vector<double>& values,
                      Timestamp when) override {
    for (double v : values)
      if (std::isnan(v)) return Status::InvalidArgument("trial " + std::to_string(trial_id) + ": a NaN value cannot be stored");
    return in_transaction("finish trial " + std::to_string(trial_id), [&]() -> Status {
      // Conditional, as Optuna's own update is: a trial another program finished meanwhile
      // keeps what that program wrote.
      auto& up = cached("UPDATE trials SET state = ?, datetime_complete = ? WHERE trial_id = ? "
                        "AND state IN ('RUNNING', 'WAITING')");
      up.bind(1, trial_state_name(state));
      up.bind(2, format_optuna_datetime(when));
      up.bind(3, trial_id);
      if (up.exec() != 1) {
        HPOD_ASSIGN_OR_RETURN(auto row, read_trial(trial_id));
        return Status::Conflict("trial " + std::to_string(trial_id) + " is already " + trial_state_name(row.state) +
                                " in the database");
      }
      auto& del = cached("DELETE FROM trial_values WHERE trial_id = ?");
      del.bind(1, trial_id);
      del.exec();
      return write_values(trial_id, values);
    });
  }

  Status set_trial_state(std::int64_t trial_id, TrialState state, std::optional<Timestamp> start) override {
    return guard("set state of trial " + std::to_string(trial_id), [&]() -> Status {
      auto& up = cached("UPDATE trials SET state = ?, datetime_start = COALESCE(?, datetime_start) WHERE trial_id = ?");
      up.bind(1, trial_state_name(state));
      bind_optional_time(up, 2, start);
      up.bind(3, trial_id);
      if (up.exec() != 1) return Status::NotFound("no trial with id " + std::to_string(trial_id));
      return Status::OK();
    });
  }

  Status set_trial_user_attr(std::int64_t trial_id, const std::string& key, const std::string& value_json) override {
    return upsert_attr("trial_user_attributes", "trial_id", trial_id, key, value_json);
  }
  Status set_trial_system_attr(std::int64_t trial_id, const std::string& key, const std::string& value_json) override {
    return upsert_attr("trial_system_attributes", "trial_id", trial_id, key, value_json);
  }
  Status set_trial_meta(std::int64_t trial_id, const std::string& key, const std::string& value) override {
    return upsert("set trial meta " + key, "hpod_trial_meta", "trial_id", "value", trial_id, key, value);
  }

 private:
  // Runs f, turning SQLite exceptions into IOError with context. Statements that failed
  // mid-way are reset so that the cache stays usable.
  template <typename F>
  Status guard(const std::string& what, F&& f) {
    try {
      return f();
    } catch (const std::exception& e) {
      for (auto& [_, st] : cache_) st->tryReset();
      return storage_error(what, e);
    }
  }

  // Runs f in its own transaction unless one is open already.
  template <typename F>
  Status in_transaction(const std::string& what, F&& f) {
    if (in_tx_) return guard(what, std::forward<F>(f));
    return transaction([&]() { return guard(what, f); });
  }

  SQLite::Statement& cached(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<SQLite::Statement>(db_, sql)).first;
    it->second->reset();
    it->second->clearBindings();
    return *it->second;
  }

  // Optuna's attribute tables and hpod's meta tables all hold one value per (owner, key).
  Status upsert(const std::string& what, const char* table, const char* owner, const char* value_column,
                std::int64_t owner_id, const std::string& key, const std::string& value) {
    return guard(what, [&]() -> Status {
      const std::string column = value_column;
      std::string sql = std::string("INSERT INTO ") + table + " (" + owner + ", \"key\", " + column +
                        ") VALUES (?, ?, ?) ON CONFLICT (" + owner + ", \"key\") DO UPDATE SET " + column +
                        " = excluded." + column;
      auto& st = cached(sql);
      st.bind(1, owner_id);
      st.bind(2, key);
      st.bind(3, value);
      st.exec();
      return Status::OK();
    });
  }
  Status upsert_attr(const char* table, const char* owner, std::int64_t owner_id, const std::string& key,
                     const std::string& value_json) {
    return upsert(std::string("set ") + table + " " + key, table, owner, "value_json", owner_id, key, value_json);
  }

  Status write_values(std::int64_t trial_id, const std::vector<double>& values) {
    auto& ins = cached("INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?)");
    for (std::size_t i = 0; i < values.size(); ++i) {
      ins.reset();
      ins.clearBindings();
      ins.bind(1, trial_id);
      ins.bind(2, static_cast<int>(i));
      if (std::isfinite(values[i])) ins.bind(3, values[i]);
      else ins.bind(3);
      ins.bind(4, value_type(values[i]));
      ins.exec();
    }
    return Status::OK();
  }

  Result<std::vector<StoredStudy>> load(std::optional<std::int64_t> only) {
    std::vector<StoredStudy> studies;
    Status s = guard("load studies", [&]() -> Status {
      std::unordered_map<std::int64_t, std::size_t> study_index;
      const std::string where_study = only ? " WHERE study_id = " + std::to_string(*only) : "";
      const std::string where_trial =
          only ? " WHERE trial_id IN (SELECT trial_id FROM trials WHERE study_id = " + std::to_string(*only) + ")" : "";
      {
        SQLite::Statement q(db_, "SELECT study_id, study_name FROM studies" + where_study + " ORDER BY study_id");
        while (q.executeStep()) {
          StoredStudy st;
          st.id = q.getColumn(0).getInt64();
          st.name = q.getColumn(1).getString();
          study_index[st.id] = studies.size();
          studies.push_back(std::move(st));
        }
      }
      {
        SQLite::Statement q(db_, "SELECT study_id, direction FROM study_directions" + where_study +
                                     " ORDER BY study_id, objective");
        while (q.executeStep()) {
          auto it = study_index.find(q.getColumn(0).getInt64());
          if (it == study_index.end()) continue;
          auto d = direction_from_name(q.getColumn(1).getString());
          if (!d) return Status::IOError("study " + std::to_string(it->first) + ": unknown direction " + q.getColumn(1).getString());
          studies[it->second].directions.push_back(*d);
        }
      }
      for (auto* table : {"study_user_attributes", "study_system_attributes"}) {
        SQLite::Statement q(db_, std::string("SELECT study_id, \"key\", value_json FROM ") + table + where_study);
        bool user = std::string(table) == "study_user_attributes";
        while (q.executeStep()) {
          auto it = study_index.find(q.getColumn(0).getInt64());
          if (it == study_index.end()) continue;
          auto& m = user ? studies[it->second].user_attrs : studies[it->second].system_attrs;
          m[q.getColumn(1).getString()] = q.getColumn(2).getString();
        }
      }
      {
        SQLite::Statement q(db_, "SELECT study_id, key, value FROM hpod_study_meta" + where_study);
        while (q.executeStep()) {
          auto it = study_index.find(q.getColumn(0).getInt64());
          if (it != study_index.end()) studies[it->second].hpod_meta[q.getColumn(1).getString()] = q.getColumn(2).getString();
        }
      }
      // Trials, ordered by trial_id within a study (Optuna's numbering order).
      std::unordered_map<std::int64_t, std::pair<std::size_t, std::size_t>> trial_index;  // id → (study, position)
      {
        SQLite::Statement q(db_, "SELECT trial_id, number, study_id, state, datetime_start, datetime_complete FROM trials" +
                                     where_study + " ORDER BY study_id, trial_id");
        while (q.executeStep()) {
          auto it = study_index.find(q.getColumn(2).getInt64());
          if (it == study_index.end()) continue;
          FrozenTrial t;
          t.id = q.getColumn(0).getInt64();
          auto& trials = studies[it->second].trials;
          t.number = q.getColumn(1).isNull() ? static_cast<int>(trials.size()) : q.getColumn(1).getInt();
          auto state = trial_state_from_name(q.getColumn(3).getString());
          if (!state) return Status::IOError("trial " + std::to_string(t.id) + ": unknown state " + q.getColumn(3).getString());
          t.state = *state;
          t.datetime_start = read_time(q.getColumn(4));
          t.datetime_complete = read_time(q.getColumn(5));
          trial_index[t.id] = {it->second, trials.size()};
          trials.push_back(std::move(t));
        }
      }
      auto find_trial = [&](std::int64_t id) -> FrozenTrial* {
        auto it = trial_index.find(id);
        if (it == trial_index.end()) return nullptr;
        return &studies[it->second.first].trials[it->second.second];
      };
      {
        // Most trials share a handful of distributions: parse each JSON text once.
        std::unordered_map<std::string, Distribution> parsed;
        SQLite::Statement q(db_, "SELECT trial_id, param_name, param_value, distribution_json FROM trial_params" + where_trial);
        while (q.executeStep()) {
          FrozenTrial* t = find_trial(q.getColumn(0).getInt64());
          if (!t) continue;
          std::string dj = q.getColumn(3).getString();
          auto it = parsed.find(dj);
          if (it == parsed.end()) {
            auto d = distribution_from_json(dj);
            if (!d.ok())
              return Status::IOError("trial " + std::to_string(t->id) + " param " + q.getColumn(1).getString() + ": " +
                                     d.status().message());
            it = parsed.emplace(dj, *d).first;
          }
          t->params.emplace(q.getColumn(1).getString(), TrialParam{q.getColumn(2).getDouble(), it->second});
        }
      }
      {
        SQLite::Statement q(db_, "SELECT trial_id, objective, value, value_type FROM trial_values" + where_trial +
                                     " ORDER BY trial_id, objective");
        while (q.executeStep()) {
          FrozenTrial* t = find_trial(q.getColumn(0).getInt64());
          if (!t) continue;
          auto v = decode_value(q.getColumn(2), q.getColumn(3).getString());
          if (!v) return Status::IOError("trial " + std::to_string(t->id) + ": bad value row (" + q.getColumn(3).getString() + ")");
          std::size_t objective = static_cast<std::size_t>(q.getColumn(1).getInt());
          if (t->values.size() <= objective) t->values.resize(objective + 1, NAN);
          t->values[objective] = *v;
        }
      }
      {
        SQLite::Statement q(db_, "SELECT trial_id, step, intermediate_value, intermediate_value_type FROM "
                                 "trial_intermediate_values" + where_trial);
        FrozenTrial* last = nullptr;
        std::int64_t last_id = -1;
        while (q.executeStep()) {
          std::int64_t id = q.getColumn(0).getInt64();
          if (id != last_id) {
            last = find_trial(id);
            last_id = id;
          }
          if (!last) continue;
          auto v = decode_value(q.getColumn(2), q.getColumn(3).getString());
          if (!v) return Status::IOError("trial " + std::to_string(id) + ": bad intermediate value row");
          last->intermediate_values.insert(q.getColumn(1).getInt64(), *v);
        }
      }
      for (auto* table : {"trial_user_attributes", "trial_system_attributes"}) {
        bool user = std::string(table) == "trial_user_attributes";
        SQLite::Statement q(db_, std::string("SELECT trial_id, \"key\", value_json FROM ") + table + where_trial);
        while (q.executeStep()) {
          FrozenTrial* t = find_trial(q.getColumn(0).getInt64());
          if (!t) continue;
          (user ? t->user_attrs : t->system_attrs)[q.getColumn(1).getString()] = q.getColumn(2).getString();
        }
      }
      {
        SQLite::Statement q(db_, "SELECT trial_id, key, value FROM hpod_trial_meta" + where_trial);
        while (q.executeStep()) {
          auto it = trial_index.find(q.getColumn(0).getInt64());
          if (it == trial_index.end()) continue;
          auto& st = studies[it->second.first];
          st.trial_meta[st.trials[it->second.second].number][q.getColumn(1).getString()] = q.getColumn(2).getString();
        }
      }
      return Status::OK();
    });
    if (!s.ok()) return s;
    return studies;
  }

  StorageOptions options_;
  SQLite::Database db_;
  std::string revision_;
  bool in_tx_ = false;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> cache_;
};

}  // namespace

Result<std::unique_ptr<Storage>> Storage::open(const StorageOptions& options) {
  std::unique_ptr<SqliteStorage> s;
  try {
    s = std::make_unique<SqliteStorage>(options);
  } catch (const std::exception& e) {
    return Status::IOError("storage: cannot open " + options.path + ": " + e.what());
  }
  Status st = s->init();
  if (!st.ok()) return st;
  return std::unique_ptr<Storage>(std::move(s));
}

}  // namespace hpod
