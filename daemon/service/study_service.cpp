#include "daemon/service/study_service.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "daemon/http/auth.hpp"
#include "daemon/worker_pool.hpp"
#include "daemon/service/trial_json.hpp"

namespace hpod {

using json = nlohmann::json;
using SysClock = std::chrono::system_clock;

std::string json_number(double v) { return number_json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

namespace {

bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

std::string reason_json(const std::string& reason) { return json(reason).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// Inside a write: Conflict (and the file's row in `foreign`) if another program finished
// the trial since hpod last wrote it.
Status check_unfinished_in_file(Storage& st, std::int64_t id, std::optional<TrialRow>& foreign) {
  auto row = st.read_trial(id);
  if (!row.ok()) return row.status();
  if (!is_finished(row->state)) return Status::OK();
  foreign = *row;
  return Status::Conflict("trial " + std::to_string(id) + " was finished by another program (" +
                          trial_state_name(row->state) + " in the database); hpod keeps that outcome");
}

}  // namespace

StudyService::StudyService(StorageWriter& writer, EventHub& events, ServiceOptions options)
    : writer_(writer), events_(events), options_(options) {}

// ------------------------------------------------------------------------------ loading

Result<std::unique_ptr<StudyRuntime>> StudyService::build_runtime(std::int64_t id, StoredStudy stored) {
  auto directions = stored.directions.empty() ? std::vector<StudyDirection>{StudyDirection::kMinimize} : stored.directions;
  auto rt = std::make_unique<StudyRuntime>(id, stored.name, directions);
  rt->meta = stored.hpod_meta;
  for (auto& [k, v] : stored.user_attrs) rt->user_attrs[k] = v;
  for (auto& [k, v] : stored.system_attrs) rt->system_attrs[k] = v;
  rt->started = options_.clock->system();
  if (auto it = rt->meta.find("started_unix"); it != rt->meta.end())
    rt->started = SysClock::time_point(std::chrono::seconds(std::stoll(it->second)));
  if (auto it = rt->meta.find("state"); it != rt->meta.end())
    if (auto c = control_from_name(it->second)) rt->control = *c;
  if (auto it = rt->meta.find("definition"); it != rt->meta.end()) {
    auto spec = parse_study_spec(it->second, "study " + stored.name + " (stored definition)");
    if (!spec.ok()) {
      rt->last_error = spec.status().message();
    } else {
      auto sampler = make_sampler(json::parse(spec->sampler_json), "sampler");
      auto pruner = make_pruner(json::parse(spec->pruner_json), "pruner");
      if (!sampler.ok() || !pruner.ok()) {
        rt->last_error = !sampler.ok() ? sampler.status().message() : pruner.status().message();
      } else {
        rt->spec = std::move(*spec);
        rt->sampler = std::move(sampler).value();
        rt->pruner = std::move(pruner).value();
      }
    }
  }
  for (auto& t : stored.trials) {
    int number = t.number;
    TrialRuntime tr;
    tr.last_seen = options_.clock->steady();
    if (auto m = stored.trial_meta.find(number); m != stored.trial_meta.end()) {
      tr.meta = m->second;
      if (auto tok = tr.meta.find("token_sha256"); tok != tr.meta.end()) tr.token_sha256 = tok->second;
      tr.superseded = tr.meta.count("retried_as") > 0;
    }
    bool waiting = t.state == TrialState::kWaiting;
    FrozenTrial& added = rt->study.add_trial(std::move(t));
    if (added.number != number) {
      return Status::IOError("study " + stored.name + ": trial numbers are not dense (found " + std::to_string(number) +
                             " at position " + std::to_string(added.number) + ")");
    }
    if (waiting) rt->waiting.push_back(number);
    rt->trials.push_back(std::move(tr));
  }
  return rt;
}

Status StudyService::load(Storage& storage) {
  auto next = storage.next_trial_id();
  if (!next.ok()) return next.status();
  next_trial_id_ = *next;
  auto all = storage.load_all_studies();
  if (!all.ok()) return all.status();
  for (auto& stored : *all) {
    std::int64_t id = stored.id;
    std::string name = stored.name;
    auto rt = build_runtime(id, std::move(stored));
    if (!rt.ok()) return rt.status();
    StudyRuntime* s = rt->get();
    for (const FrozenTrial* t : s->study.trials()) {
      trial_index_[t->id] = {s, t->number};
      const auto& tok = s->trials[static_cast<std::size_t>(t->number)].token_sha256;
      if (!tok.empty()) token_index_[tok] = t->id;
    }
    studies_.emplace(name, std::move(rt).value());
  }
  return Status::OK();
}

// ------------------------------------------------------------------------------ studies

StudyRuntime* StudyService::find_study(std::string_view name) {
  auto it = studies_.find(name);
  return it == studies_.end() ? nullptr : it->second.get();
}

std::vector<StudyRuntime*> StudyService::studies() {
  std::vector<StudyRuntime*> out;
  for (auto& [_, s] : studies_) out.push_back(s.get());
  return out;
}

void StudyService::submit_study(StudySpec spec, std::function<void(Result<StudyRuntime*>, bool)> done) {
  if (StudyRuntime* existing = find_study(spec.name)) {
    if (!existing->spec)
      return done(Status::Conflict("a study named \"" + spec.name + "\" exists in the database and was not created by hpod"), false);
    if (existing->spec->canonical_json != spec.canonical_json)
      return done(Status::Conflict("a study named \"" + spec.name + "\" exists with a different definition"), false);
    return done(existing, false);
  }
  if (pending_names_.count(spec.name))
    return done(Status::Conflict("a study named \"" + spec.name + "\" is being created"), false);
  auto sampler = make_sampler(json::parse(spec.sampler_json), "sampler");
  if (!sampler.ok()) return done(sampler.status(), false);
  auto pruner = make_pruner(json::parse(spec.pruner_json), "pruner");
  if (!pruner.ok()) return done(pruner.status(), false);

  pending_names_[spec.name] = true;
  auto id = std::make_shared<std::int64_t>(-1);
  auto started = options_.clock->system();
  auto shared_spec = std::make_shared<StudySpec>(std::move(spec));
  auto shared_sampler = std::make_shared<std::unique_ptr<Sampler>>(std::move(sampler).value());
  auto shared_pruner = std::make_shared<std::unique_ptr<Pruner>>(std::move(pruner).value());
  std::string started_unix = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(started.time_since_epoch()).count());
  writer_.submit(
      [id, shared_spec, started_unix](Storage& st) -> Status {
        auto r = st.create_study(shared_spec->name, shared_spec->directions);
        if (!r.ok()) return r.status();
        *id = *r;
        HPOD_RETURN_IF_ERROR(st.set_study_meta(*id, "definition", shared_spec->canonical_json));
        HPOD_RETURN_IF_ERROR(st.set_study_meta(*id, "state", "running"));
        HPOD_RETURN_IF_ERROR(st.set_study_meta(*id, "started_unix", started_unix));
        for (auto& [k, v] : shared_spec->user_attrs) HPOD_RETURN_IF_ERROR(st.set_study_user_attr(*id, k, v));
        return Status::OK();
      },
      [this, id, shared_spec, shared_sampler, shared_pruner, started, started_unix, done](const Status& st) {
        pending_names_.erase(shared_spec->name);
        if (!st.ok()) return done(st, false);
        auto rt = std::make_unique<StudyRuntime>(*id, shared_spec->name, shared_spec->directions);
        rt->started = started;
        rt->meta = {{"definition", shared_spec->canonical_json}, {"state", "running"}, {"started_unix", started_unix}};
        for (auto& [k, v] : shared_spec->user_attrs) rt->user_attrs[k] = v;
        rt->spec = std::move(*shared_spec);
        rt->sampler = std::move(*shared_sampler);
        rt->pruner = std::move(*shared_pruner);
        StudyRuntime* s = rt.get();
        studies_.emplace(s->name(), std::move(rt));
        events_.publish(s->name(), "study", study_summary_json(*s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        if (observer_) observer_->on_study_added(*s);
        done(s, true);
      });
}

void StudyService::set_control(StudyRuntime& s, StudyControl c, StatusCallback done) {
  if (s.control == StudyControl::kCompleted && c != StudyControl::kCompleted)
    return done(Status::FailedPrecondition("study " + s.name() + " is completed"));
  if (s.control == StudyControl::kStopped && c != StudyControl::kStopped)
    return done(Status::FailedPrecondition("study " + s.name() + " is stopped; submit a new study to continue"));
  s.control = c;
  s.meta["state"] = control_name(c);
  std::int64_t id = s.id;
  std::string name = control_name(c);
  commit([id, name](Storage& st) { return st.set_study_meta(id, "state", name); }, std::move(done));
  events_.publish(s.name(), "study", study_summary_json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (observer_) observer_->on_control_changed(s);
}

// ------------------------------------------------------------------------------ trials

std::pair<StudyRuntime*, const FrozenTrial*> StudyService::find_trial(std::int64_t trial_id) {
  auto it = trial_index_.find(trial_id);
  if (it == trial_index_.end()) return {nullptr, nullptr};
  return {it->second.first, it->second.first->trial(it->second.second)};
}

TrialAccess StudyService::trial_access(std::int64_t trial_id, const std::string& token_sha256) const {
  auto it = trial_index_.find(trial_id);
  if (it != trial_index_.end()) {
    const auto& own = it->second.first->trials[static_cast<std::size_t>(it->second.second)].token_sha256;
    if (!own.empty() && auth::constant_time_equal(own, token_sha256)) return TrialAccess::kThisTrial;
  }
  return token_index_.count(token_sha256) ? TrialAccess::kOtherTrial : TrialAccess::kNone;
}

Status StudyService::check_plan(const StudyRuntime& s, const FrozenTrial& trial,
                                const std::map<std::string, double>& params) const {
  for (auto& [name, dist] : s.spec->search_space) {
    if (trial.params.count(name)) continue;
    auto it = params.find(name);
    if (it == params.end() || !contains(dist, it->second))
      return Status::Internal("sampler " + s.sampler->name() + " returned no valid value for " + name + " in trial " +
                              std::to_string(trial.number));
  }
  return Status::OK();
}

void StudyService::plan(StudyRuntime& s, FrozenTrial trial, Callback<std::map<std::string, double>> done) {
  if (!s.spec || !s.sampler) return done(Status::FailedPrecondition("study " + s.name() + " has no search space"));
  if (s.planning) {
    // The sampler object keeps caches: its calls for one study go one at a time.
    s.plan_queue.push_back([this, sp = &s, trial = std::move(trial), done = std::move(done)]() mutable {
      plan(*sp, std::move(trial), std::move(done));
    });
    return;
  }
  s.planning = true;
  // The snapshot is taken here, on the owner thread (and with Hyperband, only the trial's
  // bracket): the sampler then reads it on its own thread while reports go on.
  auto filter = s.pruner ? s.pruner->sampler_filter(s.study, trial.number) : std::function<bool(const FrozenTrial&)>{};
  auto snapshot = std::make_shared<SnapshotStudy>(s.study, filter);
  auto finish = [this, sp = &s, trial, done](std::map<std::string, double> params, double seconds) {
    counters_.sampler_seconds_total += seconds;
    counters_.sampler_calls++;
    Status st = check_plan(*sp, trial, params);
    plan_done(*sp);
    if (!st.ok()) return done(st);
    done(std::move(params));
  };
  auto work = [snapshot, sampler = s.sampler.get(), space = s.spec->search_space, trial, clock = options_.clock]() {
    auto t0 = clock->steady();
    auto params = sampler->sample(*snapshot, trial, space);
    return std::make_pair(std::move(params), std::chrono::duration<double>(clock->steady() - t0).count());
  };
  if (!options_.sampler_pool || !options_.post) {
    auto [params, secs] = work();
    return finish(std::move(params), secs);
  }
  options_.sampler_pool->run([work, finish, post = options_.post]() {
    auto result = work();
    post([finish, result = std::move(result)]() mutable { finish(std::move(result.first), result.second); });
  });
}

void StudyService::plan_done(StudyRuntime& s) {
  s.planning = false;
  if (s.plan_queue.empty()) return;
  auto next = std::move(s.plan_queue.front());
  s.plan_queue.pop_front();
  next();
}

AskResult StudyService::start_trial(StudyRuntime& s, int number, std::map<std::string, std::string> meta) {
  FrozenTrial* t = s.study.mutable_trial(number);
  AskResult r;
  r.trial_id = t->id;
  r.number = number;
  r.token = auth::random_token();
  for (auto& [name, p] : t->params) r.params[name] = to_external(p.distribution, p.internal);
  TrialRuntime& tr = s.trials[static_cast<std::size_t>(number)];
  tr.token_sha256 = auth::sha256_hex(r.token);
  tr.last_seen = options_.clock->steady();
  meta["token_sha256"] = tr.token_sha256;
  for (auto& [k, v] : meta) tr.meta[k] = v;
  token_index_[tr.token_sha256] = t->id;
  trial_index_[t->id] = {&s, number};
  return r;
}

void StudyService::ask(StudyRuntime& s, Callback<AskResult> done) {
  if (auto why = s.why_no_new_trials(options_.clock->system())) return done(Status::FailedPrecondition(*why));
  if (s.control == StudyControl::kPaused) return done(Status::FailedPrecondition("the study is paused"));

  FrozenTrial planned;
  int queued = -1;
  if (!s.waiting.empty()) {
    // Taken off the queue now, so that an ask planned meanwhile does not take it too.
    queued = s.waiting.front();
    s.waiting.pop_front();
    planned = *s.trial(queued);
  } else {
    planned.number = static_cast<int>(s.study.size()) + s.numbers_reserved++;
  }
  planned.state = TrialState::kRunning;
  plan(s, planned, [this, sp = &s, planned, queued, done](Result<std::map<std::string, double>> params) mutable {
    StudyRuntime& s = *sp;
    if (queued < 0) s.numbers_reserved--;
    auto now = options_.clock->system();
    std::optional<std::string> why;
    Status refused = params.ok() ? writable() : params.status();
    if (!params.ok()) why = params.status().message();
    else if (!refused.ok()) why = refused.message();
    else if (auto w = s.why_no_new_trials(now)) why = *w;  // the state may have changed while planning
    else if (s.control == StudyControl::kPaused) why = "the study is paused";
    if (why) {
      if (queued >= 0) s.waiting.push_front(queued);
      return done(!refused.ok() ? refused : Status::FailedPrecondition(*why));
    }
    for (auto& [name, v] : *params) planned.params[name] = TrialParam{v, s.spec->search_space.at(name)};
    planned.datetime_start = now;
    int number;
    if (queued >= 0) {
      number = queued;
      FrozenTrial* t = s.study.mutable_trial(number);
      t->params = planned.params;
      t->state = TrialState::kRunning;
      t->datetime_start = now;
    } else {
      planned.id = next_trial_id_++;
      number = s.study.add_trial(planned).number;
      s.trials.emplace_back();
    }
    AskResult r = start_trial(s, number, {});
    counters_.asks++;
    const FrozenTrial& t = *s.trial(number);
    publish_trial(s, t, "trial");
    FrozenTrial copy = t;
    std::int64_t sid = s.id;
    bool from_queue = queued >= 0;
    std::string token_hash = s.trials[static_cast<std::size_t>(number)].token_sha256;
    std::map<std::string, TrialParam> new_params;
    for (auto& [name, _] : *params) new_params[name] = copy.params[name];
    commit(
        [sid, copy, from_queue, token_hash, new_params](Storage& st) -> Status {
          if (from_queue) {
            HPOD_RETURN_IF_ERROR(st.set_trial_state(copy.id, TrialState::kRunning, copy.datetime_start));
            for (auto& [name, p] : new_params) HPOD_RETURN_IF_ERROR(st.set_trial_param(copy.id, name, p));
          } else {
            auto id = st.create_trial(sid, copy);
            if (!id.ok()) return id.status();
          }
          return st.set_trial_meta(copy.id, "token_sha256", token_hash);
        },
        [r, done](const Status& st) {
          if (!st.ok()) return done(st);
          done(r);
        });
  });
}

void StudyService::enqueue(StudyRuntime& s, const std::map<std::string, ParamValue>& params,
                           const std::map<std::string, std::string>& user_attrs, Callback<AskResult> done) {
  if (!s.spec) return done(Status::FailedPrecondition("study " + s.name() + " has no search space"));
  if (s.control == StudyControl::kStopped || s.control == StudyControl::kCompleted)
    return done(Status::FailedPrecondition("the study is " + std::string(control_name(s.control))));
  if (Status w = writable(); !w.ok()) return done(w);
  FrozenTrial t;
  t.id = next_trial_id_;
  t.state = TrialState::kWaiting;
  json fixed = json::object();
  for (auto& [name, v] : params) {
    auto d = s.spec->search_space.find(name);
    if (d == s.spec->search_space.end()) return done(Status::InvalidArgument("params." + name + ": not a parameter of the study"));
    auto internal = to_internal(d->second, v);
    if (!internal.ok()) return done(Status::InvalidArgument("params." + name + ": " + internal.status().message()));
    if (!contains(d->second, *internal))
      return done(Status::InvalidArgument("params." + name + ": " + param_value_json(v) + " is outside the distribution"));
    t.params[name] = TrialParam{*internal, d->second};
    fixed[name] = param_value_to_json(v);
  }
  // Optuna's marker for an enqueued trial, so Optuna workers would honour it too.
  t.system_attrs["fixed_params"] = fixed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (auto& [k, v] : user_attrs) t.user_attrs[k] = v;
  ++next_trial_id_;
  FrozenTrial& added = s.study.add_trial(std::move(t));
  s.trials.emplace_back();
  s.waiting.push_back(added.number);
  trial_index_[added.id] = {&s, added.number};
  AskResult r;
  r.trial_id = added.id;
  r.number = added.number;
  for (auto& [name, v] : params) r.params[name] = v;
  publish_trial(s, added, "trial");
  FrozenTrial copy = added;
  std::int64_t sid = s.id;
  commit([sid, copy](Storage& st) { return st.create_trial(sid, copy).status(); },
         [r, done](const Status& st) {
           if (!st.ok()) return done(st);
           done(r);
         });
}

void StudyService::create_trial_with_params(StudyRuntime& s, const std::map<std::string, TrialParam>& params,
                                            std::map<std::string, std::string> meta, Callback<AskResult> done) {
  FrozenTrial t;
  t.id = next_trial_id_++;
  t.state = TrialState::kRunning;
  t.datetime_start = options_.clock->system();
  for (auto& [name, p] : params) t.params[name] = p;
  int number = s.study.add_trial(std::move(t)).number;
  s.trials.emplace_back();
  AskResult r = start_trial(s, number, meta);
  const FrozenTrial& added = *s.trial(number);
  publish_trial(s, added, "trial");
  FrozenTrial copy = added;
  std::int64_t sid = s.id;
  auto all_meta = s.trials[static_cast<std::size_t>(number)].meta;
  commit(
      [sid, copy, all_meta](Storage& st) -> Status {
        auto id = st.create_trial(sid, copy);
        if (!id.ok()) return id.status();
        for (auto& [k, v] : all_meta) HPOD_RETURN_IF_ERROR(st.set_trial_meta(copy.id, k, v));
        return Status::OK();
      },
      [r, done](const Status& st) {
        if (!st.ok()) return done(st);
        done(r);
      });
}

void StudyService::report(std::int64_t trial_id, std::int64_t step, double value, Callback<ReportResult> done) {
  auto [s, ct] = find_trial(trial_id);
  if (!s) return done(Status::NotFound("no trial with id " + std::to_string(trial_id)));
  if (step < 0) return done(Status::InvalidArgument("\"step\" must be an integer >= 0"));
  if (ct->state != TrialState::kRunning)
    return done(Status::Conflict("trial " + std::to_string(trial_id) + " is " + trial_state_name(ct->state) +
                                 ": reports are accepted only while it runs"));
  FrozenTrial* t = s->study.mutable_trial(ct->number);
  TrialRuntime& tr = s->trials[static_cast<std::size_t>(t->number)];
  tr.last_seen = tr.last_report = options_.clock->steady();
  if (auto existing = t->intermediate_values.at(step)) {
    // A client retrying a report it got no answer for gets the same answer, once the
    // original write committed; a different value for a reported step is a mistake worth
    // saying.
    if (!same_value(*existing, value))
      return done(Status::Conflict("step " + std::to_string(step) + " of trial " + std::to_string(trial_id) +
                                   " was already reported with value " + json_number(*existing)));
    return after_pending_writes(*s, t->number, [done](const Status& st) {
      if (!st.ok()) return done(st);
      done(ReportResult{false, TrialState::kRunning});
    });
  }
  if (Status w = writable(); !w.ok()) return done(w);
  t->intermediate_values.insert(step, value);
  counters_.reports++;
  PruneDecision d;
  if (s->pruner) d = s->pruner->should_prune(s->study, *t);
  for (auto& [k, v] : d.system_attrs) t->system_attrs[k] = v;
  auto now = options_.clock->system();
  std::vector<double> values;
  if (d.prune) {
    t->system_attrs["pruned_at_step"] = std::to_string(step);
    s->study.finish(t->number, TrialState::kPruned, {}, now);
    values = t->values;
    counters_.prunes++;
  }
  events_.publish(s->name(), "report",
                  json{{"trial_id", trial_id}, {"number", t->number}, {"step", step}, {"value", number_json(value)}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (d.prune) publish_trial(*s, *t, "trial");

  std::int64_t id = t->id;
  bool pruned = d.prune;
  auto attrs = d.system_attrs;
  if (pruned) attrs.emplace_back("pruned_at_step", std::to_string(step));
  auto foreign = std::make_shared<std::optional<TrialRow>>();
  commit(
      [id, step, value, attrs, pruned, values, now, foreign](Storage& st) -> Status {
        HPOD_RETURN_IF_ERROR(check_unfinished_in_file(st, id, *foreign));
        HPOD_RETURN_IF_ERROR(st.add_intermediate_value(id, step, value));
        for (auto& [k, v] : attrs) HPOD_RETURN_IF_ERROR(st.set_trial_system_attr(id, k, v));
        if (pruned) HPOD_RETURN_IF_ERROR(st.finish_trial(id, TrialState::kPruned, values, now));
        return Status::OK();
      },
      [done, pruned](const Status& st) {
        if (!st.ok()) return done(st);
        done(ReportResult{pruned, pruned ? TrialState::kPruned : TrialState::kRunning});
      },
      foreign, s, t->number);
  if (pruned) {
    if (observer_) observer_->on_trial_finished(*s, t->number);
    maybe_complete(*s);
  }
}

void StudyService::tell(std::int64_t trial_id, TellRequest req, Callback<TrialState> done) {
  auto [s, ct] = find_trial(trial_id);
  if (!s) return done(Status::NotFound("no trial with id " + std::to_string(trial_id)));
  if (req.state == TrialState::kComplete && !req.value)
    return done(Status::InvalidArgument("a complete trial needs a \"value\""));
  if (ct->state != TrialState::kRunning) {
    bool same = ct->state == req.state &&
                (req.state != TrialState::kComplete || (ct->value() && same_value(*ct->value(), *req.value)));
    if (!same || s->trials[static_cast<std::size_t>(ct->number)].adopted_foreign)
      return done(Status::Conflict("trial " + std::to_string(trial_id) + " is already " + trial_state_name(ct->state)));
    // A retried tell, or a tell of PRUNED after a report pruned the trial: the answer waits
    // for the original write, and attributes it brings are stored, not dropped.
    TrialState state = ct->state;
    std::map<std::string, std::string> changed;
    for (auto& [k, v] : req.user_attrs) {
      auto it = ct->user_attrs.find(k);
      if (it == ct->user_attrs.end() || it->second != v) changed[k] = v;
    }
    auto answer = [done, state](const Status& st) {
      if (!st.ok()) return done(st);
      done(state);
    };
    if (changed.empty()) return after_pending_writes(*s, ct->number, answer);
    if (Status w = writable(); !w.ok()) return done(w);
    FrozenTrial* t = s->study.mutable_trial(ct->number);
    for (auto& [k, v] : changed) t->user_attrs[k] = v;
    publish_trial(*s, *t, "trial");
    std::int64_t id = t->id;
    return commit(
        [id, changed](Storage& st) -> Status {
          for (auto& [k, v] : changed) HPOD_RETURN_IF_ERROR(st.set_trial_user_attr(id, k, v));
          return Status::OK();
        },
        answer);
  }
  if (Status w = writable(); !w.ok()) return done(w);
  counters_.tells++;
  std::map<std::string, std::string> sys;
  std::vector<double> values;
  TrialState state = req.state;
  if (state == TrialState::kComplete) {
    if (std::isnan(*req.value)) {
      // Optuna turns a NaN objective into a failed trial.
      state = TrialState::kFail;
      sys["fail_reason"] = reason_json("the objective value is NaN");
    } else {
      values = {*req.value};
    }
  } else if (state == TrialState::kFail && options_.record_fail_reason) {
    sys["fail_reason"] = reason_json(req.reason.empty() ? "failed by the trial" : req.reason);
  }
  int number = ct->number;
  finish_internal(*s, number, state, values, sys, req.user_attrs, [done, state](const Status& st) {
    if (!st.ok()) return done(st);
    done(state);
  });
  if (observer_) observer_->on_trial_finished(*s, number);
}

void StudyService::kill_trial(StudyRuntime& s, int number, const std::string& reason, StatusCallback done) {
  const FrozenTrial* t = s.trial(number);
  bool was_running = t && t->state == TrialState::kRunning;
  if (Status w = writable(); was_running && !w.ok()) return done(w);
  finish_internal(s, number, TrialState::kFail, {}, {{"fail_reason", reason_json(reason)}}, {}, std::move(done));
  if (observer_ && was_running) observer_->on_trial_killed(s, number);
}

void StudyService::rotate_token(StudyRuntime& s, int number, Callback<std::string> done) {
  const FrozenTrial* t = s.trial(number);
  if (!t || t->state != TrialState::kRunning)
    return done(Status::FailedPrecondition("trial " + std::to_string(number) + " of " + s.name() + " is not running"));
  std::string token = auth::random_token();
  TrialRuntime& tr = s.trials[static_cast<std::size_t>(number)];
  if (!tr.token_sha256.empty()) token_index_.erase(tr.token_sha256);
  tr.token_sha256 = auth::sha256_hex(token);
  tr.meta["token_sha256"] = tr.token_sha256;
  token_index_[tr.token_sha256] = t->id;
  std::int64_t id = t->id;
  std::string hash = tr.token_sha256;
  commit([id, hash](Storage& st) { return st.set_trial_meta(id, "token_sha256", hash); },
         [done, token](const Status& st) {
           if (!st.ok()) return done(st);
           done(token);
         });
}

void StudyService::heartbeat(std::int64_t trial_id, StatusCallback done) {
  auto [s, t] = find_trial(trial_id);
  if (!s) return done(Status::NotFound("no trial with id " + std::to_string(trial_id)));
  if (t->state != TrialState::kRunning)
    return done(Status::Conflict("trial " + std::to_string(trial_id) + " is " + trial_state_name(t->state)));
  TrialRuntime& tr = s->trials[static_cast<std::size_t>(t->number)];
  tr.last_seen = options_.clock->steady();
  if (tr.meta.count(kHeartbeatsMeta)) return done(Status::OK());
  // From now on the trial is held to heartbeat_timeout_s, also after a restart: the first
  // heartbeat is answered once that is stored.
  if (Status w = writable(); !w.ok()) return done(w);
  set_trial_meta(*s, t->number, kHeartbeatsMeta, "1", std::move(done));
}

void StudyService::finish_trial(StudyRuntime& s, int number, TrialState state, std::vector<double> values,
                                std::map<std::string, std::string> system_attrs, StatusCallback done) {
  finish_internal(s, number, state, std::move(values), std::move(system_attrs), {}, std::move(done));
}

void StudyService::finish_internal(StudyRuntime& s, int number, TrialState state, std::vector<double> values,
                                   std::map<std::string, std::string> system_attrs,
                                   std::map<std::string, std::string> user_attrs, StatusCallback done) {
  FrozenTrial* t = s.study.mutable_trial(number);
  if (!t || t->state != TrialState::kRunning) {
    return done(Status::Conflict("trial " + std::to_string(number) + " of " + s.name() + " is not running"));
  }
  auto now = options_.clock->system();
  for (auto& [k, v] : system_attrs) t->system_attrs[k] = v;
  for (auto& [k, v] : user_attrs) t->user_attrs[k] = v;
  s.study.finish(number, state, std::move(values), now);
  publish_trial(s, *t, "trial");
  std::int64_t id = t->id;
  std::vector<double> stored = t->values;
  auto foreign = std::make_shared<std::optional<TrialRow>>();
  commit(
      [id, state, stored, system_attrs, user_attrs, now, foreign](Storage& st) -> Status {
        HPOD_RETURN_IF_ERROR(check_unfinished_in_file(st, id, *foreign));
        for (auto& [k, v] : system_attrs) HPOD_RETURN_IF_ERROR(st.set_trial_system_attr(id, k, v));
        for (auto& [k, v] : user_attrs) HPOD_RETURN_IF_ERROR(st.set_trial_user_attr(id, k, v));
        return st.finish_trial(id, state, stored, now);
      },
      std::move(done), foreign, &s, number);
  maybe_complete(s);
}

void StudyService::set_trial_meta(StudyRuntime& s, int number, const std::string& key, const std::string& value,
                                  StatusCallback done) {
  const FrozenTrial* t = s.trial(number);
  if (!t) return done(Status::NotFound("no trial " + std::to_string(number) + " in " + s.name()));
  s.trials[static_cast<std::size_t>(number)].meta[key] = value;
  std::int64_t id = t->id;
  commit([id, key, value](Storage& st) { return st.set_trial_meta(id, key, value); }, std::move(done));
}

void StudyService::set_trial_system_attrs(StudyRuntime& s, int number, std::map<std::string, std::string> attrs,
                                          StatusCallback done) {
  FrozenTrial* t = s.study.mutable_trial(number);
  if (!t) return done(Status::NotFound("no trial " + std::to_string(number) + " in " + s.name()));
  for (auto& [k, v] : attrs) t->system_attrs[k] = v;
  std::int64_t id = t->id;
  commit(
      [id, attrs](Storage& st) -> Status {
        for (auto& [k, v] : attrs) HPOD_RETURN_IF_ERROR(st.set_trial_system_attr(id, k, v));
        return Status::OK();
      },
      std::move(done));
}

void StudyService::publish_trial(StudyRuntime& s, const FrozenTrial& t, const char* type) {
  events_.publish(s.name(), type, trial_json(s, t, {false, true}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void StudyService::maybe_complete(StudyRuntime& s) {
  if (!s.spec || s.control == StudyControl::kCompleted || s.control == StudyControl::kStopped) return;
  if (s.running_count() > 0) return;
  bool budget_done = s.spec->budget.n_trials && s.finished_count() >= *s.spec->budget.n_trials;
  if (!budget_done) return;
  set_control(s, StudyControl::kCompleted, [this, name = s.name()](const Status& st) {
    if (!st.ok() && options_.warn) options_.warn("study " + name + ": recording its completion: " + st.message());
  });
}

// ------------------------------------------------------------------------------ writes

Status StudyService::writable() const {
  if (!sticky_.ok()) return sticky_;
  return writer_.health();
}

void StudyService::commit(StorageWriter::Op op, StatusCallback done, ForeignRow foreign, StudyRuntime* s, int number) {
  writer_.submit(std::move(op), [this, done = std::move(done), foreign, s, number](const Status& st) {
    if (!st.ok()) {
      if (foreign && *foreign && s) {
        adopt_foreign(*s, number, **foreign);
      } else if (sticky_.ok()) {
        sticky_ = Status::Unavailable("hpod accepts no more writes: a write failed (" + st.message() +
                                      "), so its memory and the database file may disagree; restart hpod to reload the file");
        if (options_.error) options_.error(sticky_.message());
      }
    }
    if (done) done(st);
  });
}

void StudyService::after_pending_writes(StudyRuntime& s, int number, StatusCallback done) {
  writer_.barrier([this, sp = &s, number, done = std::move(done)](const Status& st) {
    if (!st.ok()) return done(st);
    if (!sticky_.ok()) return done(sticky_);
    if (sp->trials[static_cast<std::size_t>(number)].adopted_foreign)
      return done(Status::Conflict("trial " + std::to_string(number) + " of " + sp->name() +
                                   " was finished by another program; hpod keeps that outcome"));
    done(Status::OK());
  });
}

void StudyService::adopt_foreign(StudyRuntime& s, int number, const TrialRow& row) {
  TrialRuntime& tr = s.trials[static_cast<std::size_t>(number)];
  if (tr.adopted_foreign) return;
  tr.adopted_foreign = true;
  FrozenTrial* t = s.study.mutable_trial(number);
  bool was_running = t->state == TrialState::kRunning;
  s.study.adopt_outcome(number, row.state, row.values, row.datetime_complete);
  if (options_.warn)
    options_.warn("study " + s.name() + ": trial " + std::to_string(number) + " was finished by another program (" +
                  trial_state_name(row.state) + " in the database); hpod adopts that outcome and writes no new state for it");
  publish_trial(s, *t, "trial");
  if (was_running && observer_) observer_->on_trial_finished(s, number);
  maybe_complete(s);
}

}  // namespace hpod
