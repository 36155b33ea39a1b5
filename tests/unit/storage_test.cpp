// SQLite storage in Optuna's schema: round trips, transactions, refusals.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <cmath>
#include <filesystem>

#include "hpod/storage.hpp"

using namespace hpod;
namespace fs = std::filesystem;

namespace {

struct TempDb {
  fs::path dir;
  std::string path;
  TempDb() {
    dir = fs::temp_directory_path() / ("hpod-storage-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::create_directories(dir);
    path = (dir / "t.db").string();
  }
  ~TempDb() { fs::remove_all(dir); }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

std::unique_ptr<Storage> open_ok(const std::string& path, const std::string& schema = "v3.2.0.a") {
  StorageOptions o;
  o.path = path;
  o.optuna_schema = schema;
  auto s = Storage::open(o);
  REQUIRE_MESSAGE(s.ok(), s.status().message());
  return std::move(s).value();
}

Timestamp timestamp_at(int seconds, int micros = 0) {
  return Timestamp{} + std::chrono::seconds(1'700'000'000 + seconds) + std::chrono::microseconds(micros);
}

FrozenTrial running_trial(double x, std::int64_t n) {
  FrozenTrial t;
  t.state = TrialState::kRunning;
  t.datetime_start = timestamp_at(0, 250000);
  t.params["x"] = TrialParam{x, *make_float_distribution(-5, 5, false, std::nullopt)};
  t.params["n"] = TrialParam{static_cast<double>(n), *make_int_distribution(1, 8, false, 1)};
  t.params["opt"] = TrialParam{1.0, CategoricalDistribution{{std::string("adam"), std::string("sgd")}}};
  return t;
}

}  // namespace

TEST_CASE("a new file has Optuna's tables, version rows and the chosen stamp") {
  TempDb db;
  {
    auto s = open_ok(db.path, "v3.0.0.d");
    CHECK(s->schema_revision() == "v3.0.0.d");
  }
  SQLite::Database raw(db.path);
  for (const char* t : {"studies", "version_info", "study_directions", "study_user_attributes", "study_system_attributes",
                        "trials", "trial_user_attributes", "trial_system_attributes", "trial_params", "trial_values",
                        "trial_intermediate_values", "trial_heartbeats", "alembic_version", "hpod_study_meta",
                        "hpod_trial_meta"}) {
    CAPTURE(t);
    CHECK(raw.tableExists(t));
  }
  CHECK(raw.execAndGet("SELECT schema_version FROM version_info").getInt() == 12);
  CHECK(raw.execAndGet("SELECT version_num FROM alembic_version").getString() == "v3.0.0.d");
  CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(raw.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_trials_study_id'").getInt() == 0);
}

TEST_CASE("stamp v3.2.0.a adds the 3.2 index, an existing stamp is kept") {
  TempDb db;
  open_ok(db.path, "v3.2.0.a");
  {
    SQLite::Database raw(db.path);
    CHECK(raw.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_trials_study_id'").getInt() == 1);
  }
  auto again = open_ok(db.path, "v3.0.0.d");
  CHECK(again->schema_revision() == "v3.2.0.a");
}

TEST_CASE("files hpod cannot read are refused with what to do") {
  TempDb db;
  open_ok(db.path);
  {
    SQLite::Database raw(db.path, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE alembic_version SET version_num = 'v2.6.0.a'");
  }
  StorageOptions o;
  o.path = db.path;
  auto s = Storage::open(o);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("optuna storage upgrade") != std::string::npos);
  {
    SQLite::Database raw(db.path, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE alembic_version SET version_num = 'v9.9.9.z'");
  }
  s = Storage::open(o);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("newer than hpod understands") != std::string::npos);
  o.optuna_schema = "v1";
  TempDb other;
  o.path = other.path;
  CHECK_FALSE(Storage::open(o).ok());
}

TEST_CASE("studies and trials round-trip through the file") {
  TempDb db;
  std::int64_t sid, tid0, tid1, tid2;
  {
    auto s = open_ok(db.path);
    auto r = s->create_study("demo", {StudyDirection::kMaximize});
    REQUIRE(r.ok());
    sid = *r;
    CHECK(s->create_study("demo", {StudyDirection::kMinimize}).status().code() == Status::Code::kConflict);
    REQUIRE(s->set_study_user_attr(sid, "team", "\"cms\"").ok());
    REQUIRE(s->set_study_meta(sid, "definition", "{\"name\":\"demo\"}").ok());

    auto t0 = running_trial(1.5, 3);
    auto c0 = s->create_trial(sid, t0);
    REQUIRE(c0.ok());
    tid0 = *c0;
    REQUIRE(s->add_intermediate_value(tid0, 0, 9.0).ok());
    REQUIRE(s->add_intermediate_value(tid0, 1, NAN).ok());
    REQUIRE(s->add_intermediate_value(tid0, 2, INFINITY).ok());
    REQUIRE(s->add_intermediate_value(tid0, 2, 1.0).ok());  // duplicate step ignored
    REQUIRE(s->add_intermediate_value(tid0, 3, -INFINITY).ok());
    REQUIRE(s->finish_trial(tid0, TrialState::kComplete, {2.25}, timestamp_at(5, 1)).ok());
    REQUIRE(s->set_trial_user_attr(tid0, "note", "{\"a\": [1, 2.5, null, true]}").ok());
    REQUIRE(s->set_trial_system_attr(tid0, "completed_rung_0", "9.0").ok());
    REQUIRE(s->set_trial_meta(tid0, "token_sha256", "abc").ok());

    auto c1 = s->create_trial(sid, running_trial(-0.5, 5));
    REQUIRE(c1.ok());
    tid1 = *c1;
    REQUIRE(s->finish_trial(tid1, TrialState::kComplete, {INFINITY}, timestamp_at(7)).ok());
    CHECK(s->finish_trial(tid1, TrialState::kComplete, {NAN}, timestamp_at(7)).code() == Status::Code::kInvalidArgument);

    auto c2 = s->create_trial(sid, running_trial(4, 8));
    REQUIRE(c2.ok());
    tid2 = *c2;
    CHECK(s->finish_trial(9999, TrialState::kFail, {}, timestamp_at(8)).code() == Status::Code::kNotFound);
  }
  auto s = open_ok(db.path);
  auto loaded = s->load_study("demo");
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().message());
  const StoredStudy& st = *loaded;
  CHECK(st.id == sid);
  CHECK(st.directions == std::vector<StudyDirection>{StudyDirection::kMaximize});
  CHECK(st.user_attrs.at("team") == "\"cms\"");
  CHECK(st.hpod_meta.at("definition") == "{\"name\":\"demo\"}");
  REQUIRE(st.trials.size() == 3);
  const FrozenTrial& a = st.trials[0];
  CHECK(a.id == tid0);
  CHECK(a.number == 0);
  CHECK(a.state == TrialState::kComplete);
  CHECK(a.values == std::vector<double>{2.25});
  CHECK(a.datetime_start == timestamp_at(0, 250000));
  CHECK(a.datetime_complete == timestamp_at(5, 1));
  CHECK(a.params.at("x").internal == 1.5);
  CHECK(a.external_param("opt") == ParamValue{std::string("sgd")});
  CHECK(a.external_param("n") == ParamValue{std::int64_t{3}});
  REQUIRE(a.intermediate_values.size() == 4);
  CHECK(*a.intermediate_values.at(0) == 9.0);
  CHECK(std::isnan(*a.intermediate_values.at(1)));
  CHECK(*a.intermediate_values.at(2) == INFINITY);
  CHECK(*a.intermediate_values.at(3) == -INFINITY);
  CHECK(a.user_attrs.at("note") == "{\"a\": [1, 2.5, null, true]}");
  CHECK(a.system_attrs.at("completed_rung_0") == "9.0");
  CHECK(st.trial_meta.at(0).at("token_sha256") == "abc");
  CHECK(st.trials[1].values == std::vector<double>{INFINITY});
  CHECK(st.trials[2].state == TrialState::kRunning);
  CHECK(st.trials[2].number == 2);
  CHECK(*s->next_trial_id() == tid2 + 1);
  auto names = s->study_names();
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"demo"});
  CHECK(s->load_study("nope").status().code() == Status::Code::kNotFound);
}

TEST_CASE("a transaction commits all or nothing") {
  TempDb db;
  auto s = open_ok(db.path);
  auto sid = *s->create_study("t", {StudyDirection::kMinimize});
  auto tid = *s->create_trial(sid, running_trial(0, 1));
  Status st = s->transaction([&] {
    HPOD_RETURN_IF_ERROR(s->add_intermediate_value(tid, 0, 1.0));
    HPOD_RETURN_IF_ERROR(s->add_intermediate_value(tid, 1, 2.0));
    return Status::Internal("give up");
  });
  CHECK(st.message() == "give up");
  CHECK(s->load_study("t")->trials[0].intermediate_values.empty());
  st = s->transaction([&] {
    for (int i = 0; i < 100; ++i) HPOD_RETURN_IF_ERROR(s->add_intermediate_value(tid, i, i * 0.5));
    // Trials created inside a transaction join it rather than nesting.
    return s->create_trial(sid, running_trial(1, 2)).status();
  });
  REQUIRE_MESSAGE(st.ok(), st.message());
  auto loaded = s->load_study("t");
  CHECK(loaded->trials[0].intermediate_values.size() == 100);
  CHECK(loaded->trials.size() == 2);
  CHECK(s->transaction([&] { return s->transaction([] { return Status::OK(); }); }).code() == Status::Code::kInternal);
}

TEST_CASE("explicit trial ids and numbers, WAITING trials without a start time") {
  TempDb db;
  auto s = open_ok(db.path);
  auto sid = *s->create_study("ids", {StudyDirection::kMinimize});
  FrozenTrial t = running_trial(0, 1);
  t.id = 41;
  t.number = 0;
  CHECK(*s->create_trial(sid, t) == 41);
  FrozenTrial w;
  w.state = TrialState::kWaiting;
  w.system_attrs["fixed_params"] = "{\"x\": 1.0}";
  auto wid = *s->create_trial(sid, w);
  CHECK(wid == 42);
  REQUIRE(s->set_trial_state(wid, TrialState::kRunning, timestamp_at(3)).ok());
  auto loaded = s->load_study("ids");
  REQUIRE(loaded->trials.size() == 2);
  CHECK(loaded->trials[1].number == 1);  // count of the study's earlier trials
  CHECK(loaded->trials[1].state == TrialState::kRunning);
  CHECK(loaded->trials[1].datetime_start == timestamp_at(3));
}

TEST_CASE("Optuna datetime text") {
  auto t = timestamp_at(12, 345678);
  std::string s = format_optuna_datetime(t);
  CHECK(s.size() == 26);
  CHECK(s[10] == ' ');
  CHECK(s.substr(19) == ".345678");
  CHECK(parse_optuna_datetime(s) == t);
  auto whole = parse_optuna_datetime(s.substr(0, 19));
  REQUIRE(whole);
  CHECK(*whole == timestamp_at(12));
  CHECK(parse_optuna_datetime(s.substr(0, 19) + ".5") == timestamp_at(12, 500000));  // a fraction, not 5 µs
  CHECK(parse_optuna_datetime(s.substr(0, 10) + "T" + s.substr(11)) == t);
  CHECK_FALSE(parse_optuna_datetime("2024-05-01"));
  CHECK_FALSE(parse_optuna_datetime("garbage text here!!"));
}
