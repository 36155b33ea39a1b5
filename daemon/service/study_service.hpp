// The daemon's operations on studies and trials, shared by the HTTP API and the
// orchestrator. Every method runs on the owner thread. State changes apply in memory at
// once (so decisions never read SQLite); their writes go to the StorageWriter, and a
// callback reports the outcome only once the write is durable.
//
// Never say "stored" about what is not: a request that repeats one whose write is still
// on its way (a client's retry) is answered only after that write committed, and a write
// the database refuses for good (memory and file now disagree) puts the service into a
// sticky error state in which it accepts no more writes until hpod is restarted and
// reloads the file (leveldb's bg_error_). Trials finished by another program in the file
// are adopted as that program left them, never overwritten.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/clock.hpp"
#include "daemon/events/event_hub.hpp"
#include "daemon/service/study_runtime.hpp"
#include "daemon/storage/storage_writer.hpp"
#include "hpod/status.hpp"
#include "hpod/storage.hpp"

namespace hpod {

template <typename T>
using Callback = std::function<void(Result<T>)>;
using StatusCallback = std::function<void(const Status&)>;

struct AskResult {
  std::int64_t trial_id = -1;
  int number = -1;
  std::map<std::string, ParamValue> params;  // external values
  std::string token;                          // the trial's secret (only its hash is kept)
};

struct ReportResult {
  bool should_prune = false;
  TrialState state = TrialState::kRunning;
};

struct TellRequest {
  TrialState state = TrialState::kComplete;  // COMPLETE, FAIL or PRUNED
  std::optional<double> value;               // required for COMPLETE; NaN turns it into FAIL
  std::string reason;                        // FAIL: why (stored as system attribute fail_reason)
  std::map<std::string, std::string> user_attrs;  // JSON text
};

// Who may act on a trial, from the token presented.
enum class TrialAccess { kNone, kThisTrial, kOtherTrial, kAdmin };

// The orchestrator listens to what happens to trials.
class StudyObserver {
 public:
  virtual ~StudyObserver() = default;
  virtual void on_study_added(StudyRuntime&) {}
  virtual void on_control_changed(StudyRuntime&) {}
  // A trial reached a finished state through the API or a prune decision (not through the
  // observer's own finish calls).
  virtual void on_trial_finished(StudyRuntime&, int /*number*/) {}
  // An operator killed the trial: its job should stop now, without a grace period.
  virtual void on_trial_killed(StudyRuntime& s, int number) { on_trial_finished(s, number); }
};

class WorkerPool;

struct ServiceOptions {
  // Marks written into trial system attributes so operators see why a trial ended.
  bool record_fail_reason = true;
  // Where samplers run, and how their results come back to the owner thread. Without a
  // pool, plans run inline (tests, fuzzing).
  WorkerPool* sampler_pool = nullptr;
  std::function<void(std::function<void()>)> post;
  // Log hooks (the daemon's logger); may be empty.
  std::function<void(const std::string&)> warn, error;
  const Clock* clock = &real_clock();
};

class StudyService {
 public:
  StudyService(StorageWriter& writer, EventHub& events, ServiceOptions options = {});

  // Start-up: loads every study of the file (before the writer runs any write).
  Status load(Storage& storage);
  void set_observer(StudyObserver* observer) { observer_ = observer; }

  // ---- studies
  // A new study, or the existing one when the name and definition match (created=false).
  // A different definition under the same name is Conflict.
  void submit_study(StudySpec spec, std::function<void(Result<StudyRuntime*>, bool created)> done);
  StudyRuntime* find_study(std::string_view name);
  std::vector<StudyRuntime*> studies();
  void set_control(StudyRuntime& s, StudyControl c, StatusCallback done);

  // ---- trials
  std::pair<StudyRuntime*, const FrozenTrial*> find_trial(std::int64_t trial_id);
  // Plans and creates the next trial (an enqueued one first): RUNNING, with a token.
  void ask(StudyRuntime& s, Callback<AskResult> done);
  // Fixed parameters (external values; missing ones are sampled at ask time) as a WAITING
  // trial, Optuna's enqueue_trial.
  void enqueue(StudyRuntime& s, const std::map<std::string, ParamValue>& params,
               const std::map<std::string, std::string>& user_attrs, Callback<AskResult> done);
  void report(std::int64_t trial_id, std::int64_t step, double value, Callback<ReportResult> done);
  void tell(std::int64_t trial_id, TellRequest request, Callback<TrialState> done);
  void heartbeat(std::int64_t trial_id, StatusCallback done);
  // Operator kill: FAIL with `reason`; the observer hears of it (and kills the job).
  void kill_trial(StudyRuntime& s, int number, const std::string& reason, StatusCallback done);
  // Finishes a RUNNING trial (operator kill, heartbeat timeout, job outcome) without
  // notifying the observer, which is the usual caller.
  void finish_trial(StudyRuntime& s, int number, TrialState state, std::vector<double> values,
                    std::map<std::string, std::string> system_attrs, StatusCallback done);
  void set_trial_meta(StudyRuntime& s, int number, const std::string& key, const std::string& value,
                      StatusCallback done);
  void set_trial_system_attrs(StudyRuntime& s, int number, std::map<std::string, std::string> attrs,
                              StatusCallback done);
  // Creates a RUNNING trial with the given parameters (a retry); the token is returned.
  void create_trial_with_params(StudyRuntime& s, const std::map<std::string, TrialParam>& params,
                                std::map<std::string, std::string> meta, Callback<AskResult> done);

  // A new secret for a RUNNING trial (the old one stops working once this commits): used
  // when hpod (re)launches a trial whose token it no longer knows, e.g. after a restart.
  void rotate_token(StudyRuntime& s, int number, Callback<std::string> done);

  // OK, or Unavailable saying why writes are refused now: the database is locked or failing
  // (transient), or a write failed for good (sticky until restart).
  Status writable() const;
  const Status& sticky_error() const { return sticky_; }

  // ---- authentication
  TrialAccess trial_access(std::int64_t trial_id, const std::string& token_sha256) const;

  // Plans parameters for a trial (used by ask and by the orchestrator): on the sampler pool,
  // on a snapshot of the study, one plan per study at a time; `done` runs on the owner thread.
  void plan(StudyRuntime& s, FrozenTrial trial, Callback<std::map<std::string, double>> done);

  EventHub& events() { return events_; }
  StorageWriter& writer() { return writer_; }

  // Counters for /metrics.
  struct Counters {
    std::uint64_t reports = 0, asks = 0, tells = 0, prunes = 0;
    double sampler_seconds_total = 0;
    std::uint64_t sampler_calls = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  Result<std::unique_ptr<StudyRuntime>> build_runtime(std::int64_t id, StoredStudy stored);
  void publish_trial(StudyRuntime& s, const FrozenTrial& t, const char* type);
  void maybe_complete(StudyRuntime& s);
  void finish_internal(StudyRuntime& s, int number, TrialState state, std::vector<double> values,
                       std::map<std::string, std::string> system_attrs, std::map<std::string, std::string> user_attrs,
                       StatusCallback done);
  AskResult start_trial(StudyRuntime& s, int number, std::map<std::string, std::string> meta);
  Status check_plan(const StudyRuntime& s, const FrozenTrial& trial, const std::map<std::string, double>& params) const;
  void plan_done(StudyRuntime& s);
  // Submits a write whose change memory already holds. A write refused because another
  // program finished the trial (`foreign` filled) adopts that outcome; any other failure
  // makes the service's error sticky.
  using ForeignRow = std::shared_ptr<std::optional<TrialRow>>;
  void commit(StorageWriter::Op op, StatusCallback done, ForeignRow foreign = nullptr, StudyRuntime* s = nullptr,
              int number = -1);
  void adopt_foreign(StudyRuntime& s, int number, const TrialRow& row);
  // Answers a retried request once every write before it committed (the one it repeats
  // among them): `done` gets the error if that write failed or the trial was adopted.
  void after_pending_writes(StudyRuntime& s, int number, StatusCallback done);

  StorageWriter& writer_;
  EventHub& events_;
  ServiceOptions options_;
  StudyObserver* observer_ = nullptr;
  std::map<std::string, std::unique_ptr<StudyRuntime>, std::less<>> studies_;
  std::unordered_map<std::int64_t, std::pair<StudyRuntime*, int>> trial_index_;  // id → (study, number)
  std::unordered_map<std::string, std::int64_t> token_index_;                  // token hash → trial id
  std::map<std::string, bool, std::less<>> pending_names_;                      // studies being created
  std::int64_t next_trial_id_ = 1;
  Counters counters_;
  Status sticky_;
};

// JSON text for a value in trial attributes and the API: numbers, or "NaN"/"Infinity"/
// "-Infinity" (JSON has no non-finite numbers).
std::string json_number(double v);

}  // namespace hpod
