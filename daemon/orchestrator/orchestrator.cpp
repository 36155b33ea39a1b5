#include "daemon/orchestrator/orchestrator.hpp"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "daemon/orchestrator/command_line.hpp"
#include "daemon/orchestrator/outcome.hpp"
#include "daemon/orchestrator/trial_watch.hpp"
#include "daemon/saturating_duration.hpp"

namespace hpod {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string json_text(const std::string& s) { return json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

std::optional<JobRef> job_from_meta(const std::map<std::string, std::string>& meta) {
  auto it = meta.find("job");
  if (it == meta.end()) return std::nullopt;
  json j = json::parse(it->second, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  JobRef r;
  r.kind = j.value("kind", "");
  r.id = j.value("id", "");
  r.run_dir = j.value("run_dir", "");
  r.details = j.value("details", "");
  return r;
}

// `url`: the HPOD_URL the job was given (a restarted hpod must be reachable there).
std::string job_meta(const JobRef& r, const std::string& url) {
  return json{{"kind", r.kind}, {"id", r.id}, {"run_dir", r.run_dir}, {"details", r.details}, {"url", url}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A refusal's message without the trial it was about, so refusals of different trials for
// the same reason compare equal.
std::string refusal_key(const std::string& message, const std::string& study, int number) {
  std::string key = message;
  const std::string context = "study " + study + " trial " + std::to_string(number) + ": ";
  if (auto p = key.find(context); p != std::string::npos) key.erase(p, context.size());
  return key;
}

}  // namespace

Orchestrator::Orchestrator(StudyService& service, std::map<std::string, Executor*> executors, OrchestratorOptions options)
    : service_(service), executors_(std::move(executors)), opt_(std::move(options)) {
  for (auto& [kind, e] : executors_) {
    if (!e || lanes_.count(e)) continue;
    Lanes& l = lanes_[e];
    if (opt_.executor_calls_inline) continue;
    l.poll = std::make_unique<WorkerPool>(1);
    l.stop = std::make_unique<WorkerPool>(1);
    for (int i = 0; i < std::max(1, e->launch_lanes()); ++i) l.launch.push_back(std::make_unique<WorkerPool>(1));
  }
}

Orchestrator::~Orchestrator() { shutdown(); }

void Orchestrator::shutdown() {
  *alive_ = false;
  for (auto& [_, l] : lanes_) {
    if (l.poll) l.poll->stop();
    if (l.stop) l.stop->stop();
    for (auto& w : l.launch) w->stop();
  }
}

bool Orchestrator::runs(const StudyRuntime& s) const { return s.spec && s.spec->trial; }

Executor* Orchestrator::executor_for(const StudyRuntime& s) {
  std::string kind = s.spec->executor.type == ExecutorSpec::Type::kSlurm ? "slurm" : "local";
  auto it = executors_.find(kind);
  return it == executors_.end() ? nullptr : it->second;
}

WorkerPool* Orchestrator::launcher_for(Executor* e) {
  Lanes& l = lanes(e);
  if (l.launch.empty()) return nullptr;
  return l.launch[l.next_launch++ % l.launch.size()].get();
}

void Orchestrator::run_on(WorkerPool* pool, std::function<void()> call) {
  if (pool) pool->run(std::move(call));
  else call();
}

std::string Orchestrator::run_dir(const StudyRuntime& s, int number) const {
  return (fs::path(opt_.runs_dir) / s.name() / std::to_string(number)).string();
}

LaunchSpec Orchestrator::launch_spec(StudyRuntime& s, int number, const std::string& token) {
  const TrialSpec& ts = *s.spec->trial;
  const FrozenTrial& t = *s.trial(number);
  LaunchSpec spec;
  spec.study = s.name();
  spec.trial_number = number;
  spec.trial_id = t.id;
  spec.argv = trial_argv(ts, t);
  fs::path wd(ts.workdir);
  spec.workdir = (wd.is_absolute() ? wd : fs::path(opt_.default_workdir) / wd).lexically_normal().string();
  spec.run_dir = run_dir(s, number);
  spec.env = trial_env(ts, t, {opt_.public_url, s.name(), token, spec.run_dir});
  spec.executor = s.spec->executor;
  spec.trial_started = t.datetime_start;
  return spec;
}

// ------------------------------------------------------------------------------ start-up

void Orchestrator::start() {
  auto now = steady_now();
  for (StudyRuntime* s : service_.studies()) {
    if (!runs(*s)) continue;
    Executor* e = executor_for(*s);
    for (const FrozenTrial* t : s->study.trials()) {
      auto& tr = s->trials[static_cast<std::size_t>(t->number)];
      auto job = job_from_meta(tr.meta);
      if (t->state == TrialState::kRunning) {
        if (job) {
          Flight f;
          f.study = s;
          f.number = t->number;
          f.executor = e;
          f.job = job;
          f.seen_running = true;
          mark_trial_started(tr, now);
          flights_[t->id] = std::move(f);
          info("re-attached trial " + std::to_string(t->number) + " of " + s->name() + " (" + job->kind + " job " + job->id + ")");
        } else {
          // Planned but not started, or started just before hpod died and before its job
          // was stored: find that job before launching a twin.
          recover_or_launch(*s, t->number);
        }
      } else if (is_finished(t->state) && job && !tr.meta.count("job_ended")) {
        // The trial ended (e.g. pruned) but its job may still run: make sure it stops.
        Flight f;
        f.study = s;
        f.number = t->number;
        f.executor = e;
        f.job = job;
        f.trial_done = true;
        f.seen_running = true;
        f.terminate_at = now + saturating_seconds<Steady::duration>(s->spec->trial->prune_grace_s);
        show_stop(flights_[t->id] = std::move(f));
      }
    }
  }
  for (auto& [kind, _] : executors_) next_poll_[kind] = now;
}

// ------------------------------------------------------------------------------ the loop

void Orchestrator::tick() {
  auto now = steady_now();
  for (StudyRuntime* s : service_.studies())
    if (runs(*s)) fill_slots(*s);
  std::vector<std::int64_t> ids;
  for (auto& [id, _] : flights_) ids.push_back(id);
  for (auto id : ids) {
    auto it = flights_.find(id);
    if (it == flights_.end()) continue;
    Flight& f = it->second;
    StudyRuntime& s = *f.study;
    if (!f.job) {
      if (f.launching) continue;
      if (s.trial(f.number)->state != TrialState::kRunning) {
        // Finished (stopped, killed) while it waited to be launched: nothing to launch.
        s.pending_stops.erase(f.number);
        flights_.erase(it);
        continue;
      }
      if (f.retry_launch_at != Steady::time_point{} && now >= f.retry_launch_at) {
        f.retry_launch_at = {};
        if (f.token.empty()) recover_or_launch(s, f.number);
        else launch(s, f.number, f.token);
      }
      continue;
    }
    const FrozenTrial* t = s.trial(f.number);
    if (!f.trial_done && t->state == TrialState::kRunning && f.seen_running) {
      if (auto why = trial_timeout(*s.spec->trial, s.trials[static_cast<std::size_t>(f.number)], now)) {
        stats_.heartbeat_timeouts++;  // both timeouts: the trial was taken for dead or hung
        warn("trial " + std::to_string(f.number) + " of " + s.name() + ": " + *why);
        fail_and_maybe_retry(s, f.number, *why, false, {});
        stop_job(f, 0);
      }
    }
    if (f.trial_done) advance_stop(f, now);
  }
  for (auto& [kind, e] : executors_) {
    if (!e || poll_in_progress_[kind]) continue;
    bool due = now >= next_poll_[kind] || (kind == "local" && local_poll_requested_);
    if (due) poll(kind);
  }
}

void Orchestrator::local_child_exited() {
  local_poll_requested_ = true;
  if (!poll_in_progress_["local"] && executors_.count("local")) poll("local");
}

void Orchestrator::fill_slots(StudyRuntime& s) {
  if (!runs(s) || s.control != StudyControl::kRunning) return;
  auto& st = studies_[s.id];
  if (steady_now() < st.backoff_until) return;
  Executor* e = executor_for(s);
  if (!e) {
    s.last_error = "no executor of kind " + std::string(s.spec->executor.type == ExecutorSpec::Type::kSlurm ? "slurm" : "local") +
                   " is available in this hpod";
    return;
  }
  // Trials being planned hold their places too.
  int running = s.running_count() + st.pending_starts;
  LaunchSpec probe;
  probe.executor = s.spec->executor;
  auto now = opt_.clock->system();
  while (running < s.spec->budget.max_parallel && !s.budget_exhausted(now)) {
    // Trials waiting for a free GPU slot already hold their places.
    if (!e->can_launch(probe)) break;
    start_trial(s);
    ++running;
  }
}

void Orchestrator::start_trial(StudyRuntime& s) {
  auto& st = studies_[s.id];
  auto cb = [this, sp = &s, alive = alive_](Result<AskResult> r) {
    if (!*alive) return;
    if (!r.ok()) {
      sp->last_error = "planning a trial: " + r.status().message();
      warn(sp->name() + ": " + sp->last_error);
      studies_[sp->id].backoff_until = steady_now() + std::chrono::seconds(5);
      return;
    }
    launch(*sp, r->number, r->token);
  };
  if (s.waiting.empty() && st.ahead && st.ahead->first == static_cast<int>(s.study.size()) + s.numbers_reserved) {
    std::map<std::string, TrialParam> params;
    for (auto& [name, v] : st.ahead->second) params[name] = TrialParam{v, s.spec->search_space.at(name)};
    st.ahead.reset();
    service_.create_trial_with_params(s, params, {}, cb);  // created now: no planning wait
  } else {
    st.ahead.reset();
    st.pending_starts++;
    service_.ask(s, [this, sp = &s, cb, alive = alive_](Result<AskResult> r) {
      if (*alive) studies_[sp->id].pending_starts--;
      cb(std::move(r));
    });
  }
  if (!st.planning_scheduled) {
    st.planning_scheduled = true;
    opt_.post([this, sp = &s, alive = alive_] {
      if (*alive) plan_ahead(*sp);
    });
  }
}

void Orchestrator::plan_ahead(StudyRuntime& s) {
  auto& st = studies_[s.id];
  st.planning_scheduled = false;
  if (!runs(s) || s.control != StudyControl::kRunning || !s.waiting.empty()) return;
  if (s.budget_exhausted(opt_.clock->system())) return;
  int number = static_cast<int>(s.study.size()) + s.numbers_reserved;
  if (st.ahead && st.ahead->first == number) return;
  FrozenTrial next;
  next.number = number;
  next.state = TrialState::kRunning;
  service_.plan(s, next, [this, sp = &s, number, alive = alive_](Result<std::map<std::string, double>> params) {
    if (!*alive || !params.ok()) return;
    studies_[sp->id].ahead = std::make_pair(number, std::move(params).value());
  });
}

void Orchestrator::launch(StudyRuntime& s, int number, std::string token) {
  const FrozenTrial* t = s.trial(number);
  if (!t) return;
  Executor* e = executor_for(s);
  Flight& f = flights_[t->id];
  f.study = &s;
  f.number = number;
  f.executor = e;
  f.token = token;
  if (!e) {
    fail_and_maybe_retry(s, number, "no executor for this study", false, {});
    flights_.erase(t->id);
    return;
  }
  auto now = steady_now();
  if (s.control == StudyControl::kPaused) {  // e.g. paused after refused launches: wait for resume
    f.retry_launch_at = now + std::chrono::seconds(1);
    return;
  }
  if (now < studies_[s.id].backoff_until) {
    f.retry_launch_at = studies_[s.id].backoff_until;
    return;
  }
  LaunchSpec spec = launch_spec(s, number, token);
  std::error_code ec;
  fs::create_directories(spec.run_dir, ec);
  if (ec) {
    fail_and_maybe_retry(s, number, "cannot create run directory " + spec.run_dir + ": " + ec.message(), false, {});
    flights_.erase(t->id);
    return;
  }
  if (!e->can_launch(spec)) {
    f.retry_launch_at = now + std::chrono::milliseconds(200);
    return;
  }
  f.launching = true;
  std::int64_t id = t->id;
  run_on(launcher_for(e), [this, e, spec = std::move(spec), id, alive = alive_] {
    auto r = e->launch(spec);
    opt_.post([this, id, r = std::move(r), alive] {
      if (*alive) on_launched(id, r);
    });
  });
}

void Orchestrator::on_launched(std::int64_t id, Result<JobRef> r) {
  auto it = flights_.find(id);
  if (it == flights_.end()) {
    if (r.ok()) {
      // Nobody waits for it any more: do not leave it running.
      for (auto& [e, l] : lanes_) {
        if (e->kind() != r->kind) continue;
        JobRef job = *r;
        run_on(l.stop.get(), [this, e = e, job, alive = alive_] {
          Status st = e->kill(job);
          if (!st.ok())
            opt_.post([this, st, job, alive] {
              if (*alive) warn("cancelling " + job.kind + " job " + job.id + ", launched for a trial hpod no longer runs: " + st.message());
            });
        });
      }
    }
    return;
  }
  Flight& f = it->second;
  f.launching = false;
  StudyRuntime& s = *f.study;
  auto& st = studies_[s.id];
  auto now = steady_now();
  if (!r.ok()) {
    if (r.status().code() == Status::Code::kUnavailable) {
      // No slot, or the Slurm controller does not answer: try again shortly.
      s.last_error = "launch delayed: " + r.status().message();
      f.retry_launch_at = now + std::chrono::seconds(2);
      return;
    }
    // Refused (bad partition, missing program): not an outcome of the trial, which keeps
    // its place and parameters and is launched again after the back-off. The launches of
    // one round (up to max_parallel, sent together) back off once: 5 s, 10 s, ... 5 min.
    stats_.launch_failures++;
    const std::string why = r.status().message();
    bool new_round = now >= st.backoff_until;
    if (new_round) {
      st.consecutive_failures++;
      std::string key = refusal_key(why, s.name(), f.number);
      st.identical_refusals = key == st.last_refusal ? st.identical_refusals + 1 : 1;
      st.last_refusal = key;
      auto delay = std::min(300.0, 5.0 * static_cast<double>(1 << std::min(st.consecutive_failures - 1, 6)));
      st.backoff_until = now + std::chrono::milliseconds(static_cast<long>(delay * 1000));
    }
    f.retry_launch_at = st.backoff_until;
    // A pause's message stays: it says why the study stopped launching.
    if (s.control == StudyControl::kRunning) s.last_error = "launch refused: " + why;
    warn(s.name() + " trial " + std::to_string(f.number) + ": " + s.last_error + " (trying again in " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(st.backoff_until - now).count()) + " s)");
    if (new_round && opt_.pause_after_refusals > 0 && st.identical_refusals >= opt_.pause_after_refusals &&
        s.control == StudyControl::kRunning) {
      s.last_error = "launch refused " + std::to_string(st.identical_refusals) +
                     " rounds in a row, study paused (fix the cause, then resume it): " + why;
      warn(s.name() + ": " + s.last_error);
      service_.set_control(s, StudyControl::kPaused, [this, name = s.name(), alive = alive_](const Status& st2) {
        if (*alive && !st2.ok()) warn(name + ": pausing after refused launches: " + st2.message());
      });
    }
    return;
  }
  f.token.clear();
  st.consecutive_failures = 0;
  st.identical_refusals = 0;
  st.last_refusal.clear();
  if (s.last_error.rfind("launch", 0) == 0) s.last_error.clear();
  stats_.launched++;
  if (st.freed_at != Steady::time_point{}) {
    stats_.relaunch_seconds_total += std::chrono::duration<double>(now - st.freed_at).count();
    stats_.relaunches++;
    st.freed_at = {};
  }
  adopt(f, *r, true);
}

void Orchestrator::adopt(Flight& f, const JobRef& job, bool launched_now) {
  StudyRuntime& s = *f.study;
  const FrozenTrial* t = s.trial(f.number);
  std::int64_t id = t->id;
  f.job = job;
  f.launching = false;
  mark_trial_started(s.trials[static_cast<std::size_t>(f.number)], steady_now());
  service_.set_trial_meta(s, f.number, "job", job_meta(job, opt_.public_url), [this, alive = alive_](const Status& st2) {
    if (*alive && !st2.ok()) warn("storing a job reference: " + st2.message());
  });
  std::map<std::string, std::string> attrs{{"executor", json_text(job.kind)}, {"job_id", json_text(job.id)},
                                           {"run_dir", json_text(job.run_dir)}};
  json ev{{"trial_id", id}, {"number", f.number}, {"executor", job.kind}, {"job_id", job.id}};
  if (job.kind == "local") {
    // A local process runs at once, here.
    f.seen_running = true;
    attrs["node"] = json_text(hostname());
    ev["node"] = hostname();
    json d = json::parse(job.details, nullptr, false);
    if (!d.is_discarded() && d.value("gpu", -1) >= 0) {
      attrs["gpus"] = json_text(std::to_string(d["gpu"].get<int>()));
      ev["gpus"] = std::to_string(d["gpu"].get<int>());
    }
    service_.events().publish(s.name(), "launch", ev.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (job.kind == "slurm") {
    attrs["slurm_job_id"] = json_text(job.id);
  }
  // Found after a restart: it may have run for a while; the heartbeat clock starts now.
  if (!launched_now) f.seen_running = true;
  service_.set_trial_system_attrs(s, f.number, attrs, log_failure(s.name() + " trial " + std::to_string(f.number) + ": storing its job attributes"));
  if (t->state != TrialState::kRunning) stop_job(f, 0);  // stopped or killed while launching
}

void Orchestrator::recover_or_launch(StudyRuntime& s, int number) {
  const FrozenTrial* t = s.trial(number);
  if (!t) return;
  Executor* e = executor_for(s);
  if (!e) return launch(s, number, "");
  Flight& f = flights_[t->id];
  f.study = &s;
  f.number = number;
  f.executor = e;
  f.token.clear();
  f.launching = true;
  std::int64_t id = t->id;
  run_on(launcher_for(e), [this, e, spec = launch_spec(s, number, ""), id, alive = alive_] {
    auto found = e->find_unrecorded(spec);
    opt_.post([this, id, found = std::move(found), alive]() mutable {
      if (*alive) on_recovered(id, std::move(found));
    });
  });
}

void Orchestrator::on_recovered(std::int64_t id, Result<std::optional<JobRef>> found) {
  auto it = flights_.find(id);
  if (it == flights_.end()) return;
  Flight& f = it->second;
  f.launching = false;
  StudyRuntime& s = *f.study;
  const int number = f.number;
  const std::string which = "trial " + std::to_string(number) + " of " + s.name();
  if (!found.ok()) {
    // Launching now could start a twin of a job that is queued already.
    s.last_error = "launch delayed: " + found.status().message();
    warn(which + ": cannot tell whether its job was submitted before hpod stopped: " + found.status().message() +
         " (will ask again)");
    f.retry_launch_at = steady_now() + std::chrono::seconds(5);
    return;
  }
  if (*found) {
    info(which + ": its " + (*found)->kind + " job " + (*found)->id +
         " was started before hpod stopped but never recorded; adopting it");
    adopt(f, **found, false);
    return;
  }
  // Planned but never started: start it now, with a fresh token (the old one was never
  // handed out, and hpod keeps only hashes).
  info("launching " + which + ", planned before the restart");
  service_.rotate_token(s, number, [this, sp = &s, number, alive = alive_](Result<std::string> tok) {
    if (!*alive) return;
    if (!tok.ok()) return warn(tok.status().message());
    launch(*sp, number, *tok);
  });
}

// ------------------------------------------------------------------------------ watching

void Orchestrator::poll(const std::string& kind) {
  Executor* e = executors_[kind];
  std::vector<JobRef> refs;
  for (auto& [_, f] : flights_)
    if (f.job && f.job->kind == kind) refs.push_back(*f.job);
  auto now = steady_now();
  double interval = kind == "local" ? opt_.local_poll_interval_s : opt_.poll_interval_s;
  next_poll_[kind] = now + std::chrono::milliseconds(static_cast<long>(interval * 1000));
  if (kind == "local") local_poll_requested_ = false;
  if (refs.empty()) return;
  poll_in_progress_[kind] = true;
  stats_.polls++;
  run_on(lanes(e).poll.get(), [this, e, kind, refs = std::move(refs), alive = alive_] {
    auto t0 = steady_now();
    auto statuses = e->poll(refs);
    double secs = std::chrono::duration<double>(steady_now() - t0).count();
    opt_.post([this, kind, statuses = std::move(statuses), secs, alive]() mutable {
      if (*alive) on_polled(kind, std::move(statuses), secs);
    });
  });
}

void Orchestrator::on_polled(const std::string& kind, std::map<std::string, JobStatus> statuses, double seconds) {
  poll_in_progress_[kind] = false;
  stats_.last_poll_seconds = seconds;
  auto now = steady_now();
  std::vector<std::int64_t> ids;
  for (auto& [id, f] : flights_)
    if (f.job && f.job->kind == kind) ids.push_back(id);
  for (auto id : ids) {
    auto it = flights_.find(id);
    if (it == flights_.end()) continue;
    Flight& f = it->second;
    auto s_it = statuses.find(f.job->id);
    if (s_it == statuses.end()) continue;
    const JobStatus& st = s_it->second;
    StudyRuntime& s = *f.study;
    if (st.phase == JobPhase::kRunning && !f.seen_running) {
      f.seen_running = true;
      mark_trial_started(s.trials[static_cast<std::size_t>(f.number)], now);
      if (!st.attrs.empty())
        service_.set_trial_system_attrs(s, f.number, st.attrs,
                                        log_failure(s.name() + " trial " + std::to_string(f.number) + ": storing its node and GPUs"));
      json ev{{"trial_id", id}, {"number", f.number}, {"executor", kind}, {"job_id", f.job->id}};
      for (const char* k : {"node", "gpus"}) {
        auto a = st.attrs.find(k);
        if (a != st.attrs.end()) ev[k] = json::parse(a->second, nullptr, false);
      }
      service_.events().publish(s.name(), "launch", ev.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else if (st.phase == JobPhase::kFinished) {
      job_ended(f, st);
    }
  }
  if (local_poll_requested_ && kind == "local") poll("local");
}

void Orchestrator::job_ended(Flight& f, const JobStatus& st) {
  StudyRuntime& s = *f.study;
  int number = f.number;
  std::int64_t id = s.trial(number)->id;
  std::map<std::string, std::string> attrs = st.attrs;
  attrs["job_state"] = json_text(st.state);
  const FrozenTrial* t = s.trial(number);
  const std::string job = f.job->kind + " job " + f.job->id + " ended " + st.state;
  const std::string detail = st.reason.empty() ? "" : " (" + st.reason + ")";
  if (t->state == TrialState::kRunning) {
    TrialOutcome o = settle_outcome(*t, st, *s.spec->trial);
    if (o.state == TrialState::kComplete) {
      info(s.name() + " trial " + std::to_string(number) + ": " + job + detail + " -> COMPLETE");
      service_.finish_trial(s, number, TrialState::kComplete, o.values, attrs,
                            log_failure(s.name() + " trial " + std::to_string(number) + ": storing its COMPLETE state"));
    } else {
      warn(s.name() + " trial " + std::to_string(number) + ": " + job + detail + " -> FAIL: " + o.reason);
      std::string tail = file_tail(run_dir(s, number) + "/stderr");
      if (!tail.empty()) attrs["stderr_tail"] = json_text(tail);
      fail_and_maybe_retry(s, number, o.reason, o.retry, attrs);
    }
  } else {
    info(s.name() + " trial " + std::to_string(number) + " (already " + trial_state_name(t->state) + "): " + job + detail);
    service_.set_trial_system_attrs(s, number, attrs, log_failure(s.name() + " trial " + std::to_string(number) + ": storing its job's end"));
  }
  service_.set_trial_meta(s, number, "job_ended", "1", log_failure(s.name() + " trial " + std::to_string(number) + ": marking its job ended"));
  s.pending_stops.erase(number);
  flights_.erase(id);
  studies_[s.id].freed_at = steady_now();
  fill_slots(s);
}

void Orchestrator::fail_and_maybe_retry(StudyRuntime& s, int number, const std::string& reason, bool retry,
                                        std::map<std::string, std::string> attrs) {
  const FrozenTrial* t = s.trial(number);
  if (!t || t->state != TrialState::kRunning) return;
  auto& tr = s.trials[static_cast<std::size_t>(number)];
  int attempt = 1;
  if (auto a = tr.meta.find("attempt"); a != tr.meta.end()) attempt = std::atoi(a->second.c_str());
  bool will_retry = retry && attempt <= s.spec->trial->max_retries && s.control == StudyControl::kRunning;
  // Marked before the trial finishes, so the study is not counted complete in between.
  if (will_retry) tr.superseded = true;
  attrs["fail_reason"] = json_text(reason);
  service_.finish_trial(s, number, TrialState::kFail, {}, attrs, [this, alive = alive_](const Status& st) {
    if (*alive && !st.ok()) warn("finishing a trial: " + st.message());
  });
  if (will_retry) retry_trial(s, number, attempt);
}

void Orchestrator::retry_trial(StudyRuntime& s, int number, int attempt) {
  stats_.retries++;
  const FrozenTrial* old = s.trial(number);
  std::map<std::string, std::string> meta{{"retry_of", std::to_string(number)}, {"attempt", std::to_string(attempt + 1)}};
  std::map<std::string, TrialParam> params(old->params.begin(), old->params.end());
  service_.create_trial_with_params(s, params, meta, [this, sp = &s, number, alive = alive_](Result<AskResult> r) {
    if (!*alive) return;
    if (!r.ok()) return warn("creating a retry of trial " + std::to_string(number) + ": " + r.status().message());
    int new_number = r->number;
    std::string link = sp->name() + " trial " + std::to_string(number) + ": linking it to its retry " + std::to_string(new_number);
    service_.set_trial_meta(*sp, number, "retried_as", std::to_string(new_number), log_failure(link));
    service_.set_trial_system_attrs(*sp, number, {{"retried_as", std::to_string(new_number)}}, log_failure(link));
    service_.set_trial_system_attrs(*sp, new_number, {{"retry_of", std::to_string(number)}}, log_failure(link));
    info(sp->name() + ": trial " + std::to_string(number) + " re-runs as trial " + std::to_string(new_number));
    launch(*sp, new_number, r->token);
  });
}

void Orchestrator::stop_job(Flight& f, double grace_s) {
  f.trial_done = true;
  auto at = steady_now() + saturating_seconds<Steady::duration>(grace_s);
  if (at < f.terminate_at) f.terminate_at = at;
  show_stop(f);
}

void Orchestrator::advance_stop(Flight& f, Steady::time_point now) {
  if (f.stop_call_in_flight || f.left_to_end || now < f.stop_retry_at) return;
  // SIGKILL is sent again (kill_at moves on) for as long as the job is not seen ended.
  const bool kill = f.term_sent && now >= f.kill_at;
  if (!kill && (f.term_sent || now < f.terminate_at)) return;
  Executor* e = f.executor;
  if (!e) return;  // its executor is not configured in this hpod: nothing can stop it
  if (e->command_ended(*f.job)) {
    // The command told its value (or was pruned) and exited: a cancel now would only make
    // Slurm record CANCELLED for a job that ended on its own.
    f.left_to_end = true;
    info(f.study->name() + " trial " + std::to_string(f.number) + ": the command of " + f.job->kind + " job " +
         f.job->id + " has ended; waiting for the job's end instead of stopping it");
    show_stop(f);
    return;
  }
  f.stop_call_in_flight = true;
  JobRef job = *f.job;
  std::int64_t id = f.study->trial(f.number)->id;
  run_on(lanes(e).stop.get(), [this, e, job, id, kill, alive = alive_] {
    Status st = kill ? e->kill(job) : e->terminate(job);
    opt_.post([this, id, kill, st, alive] {
      if (*alive) on_stop_call(id, kill, st);
    });
  });
}

void Orchestrator::on_stop_call(std::int64_t id, bool kill, Status st) {
  auto it = flights_.find(id);
  if (it == flights_.end()) return;  // the job was seen ended meanwhile
  Flight& f = it->second;
  f.stop_call_in_flight = false;
  auto now = steady_now();
  const std::string what = std::string(kill ? "kill" : "SIGTERM") + " of " + f.job->kind + " job " + f.job->id +
                           " (" + f.study->name() + " trial " + std::to_string(f.number) + ")";
  if (!st.ok()) {
    f.stop_failures++;
    f.stop_error = st.message();
    f.stop_retry_at = now + std::chrono::milliseconds(static_cast<long>(std::max(1.0, opt_.poll_interval_s) * 1000));
    if (f.stop_failures == 1 || f.stop_failures % 10 == 0)
      warn(what + " failed (" + std::to_string(f.stop_failures) + " attempts so far; retrying until the job ends): " +
           st.message());
    show_stop(f);
    return;
  }
  if (f.stop_failures > 0) info(what + " delivered after " + std::to_string(f.stop_failures) + " failed attempts");
  f.stop_failures = 0;
  f.stop_error.clear();
  auto after_term = std::chrono::duration_cast<std::chrono::milliseconds>(
      saturating_seconds<Steady::duration>(opt_.kill_after_term_s));
  if (!kill) {
    // Measured from the SIGTERM that was delivered, after an outage too.
    f.term_sent = true;
    f.kill_at = now + after_term;
    stats_.terminated++;
  } else {
    f.kill_sent = true;
    f.kill_at = now + std::max<std::chrono::milliseconds>(after_term, std::chrono::seconds(30));
    stats_.killed++;
  }
  show_stop(f);
}

void Orchestrator::show_stop(const Flight& f) {
  if (!f.trial_done || !f.job) return;
  auto now = steady_now();
  auto [it, added] = f.study->pending_stops.try_emplace(f.number);
  PendingStop& p = it->second;
  if (added) p.since = now;
  p.job_id = f.job->id;
  p.stage = f.left_to_end  ? "its command has ended; waiting for the job's end"
            : f.kill_sent  ? "killed; waiting for the job's end"
            : f.term_sent  ? "SIGTERM sent; kill follows after kill_after_term_s"
            : now < f.terminate_at ? "grace period (prune_grace_s)"
                                   : "SIGTERM not delivered yet";
  p.failed_attempts = f.stop_failures;
  p.last_error = f.stop_error;
}

// ------------------------------------------------------------------------------ observer

void Orchestrator::on_study_added(StudyRuntime& s) {
  if (runs(s)) fill_slots(s);
}

void Orchestrator::on_control_changed(StudyRuntime& s) {
  if (!runs(s)) return;
  if (s.control == StudyControl::kStopped) {
    for (auto& [id, f] : flights_) {
      if (f.study != &s) continue;
      const FrozenTrial* t = s.trial(f.number);
      if (t->state == TrialState::kRunning) fail_and_maybe_retry(s, f.number, "the study was stopped", false, {});
      stop_job(f, 0);
    }
    for (const FrozenTrial* t : s.study.trials())
      if (t->state == TrialState::kRunning) fail_and_maybe_retry(s, t->number, "the study was stopped", false, {});
  } else if (s.control == StudyControl::kRunning) {
    auto& st = studies_[s.id];
    st.backoff_until = {};
    st.consecutive_failures = 0;
    st.identical_refusals = 0;
    for (auto& [id, f] : flights_)
      if (f.study == &s && !f.job && !f.launching && f.retry_launch_at != Steady::time_point{}) f.retry_launch_at = steady_now();
    fill_slots(s);
  }
}

void Orchestrator::on_trial_finished(StudyRuntime& s, int number) {
  const FrozenTrial* t = s.trial(number);
  auto it = flights_.find(t->id);
  if (it != flights_.end()) stop_job(it->second, s.spec && s.spec->trial ? s.spec->trial->prune_grace_s : 0);
  studies_[s.id].freed_at = steady_now();
  fill_slots(s);
}

void Orchestrator::on_trial_killed(StudyRuntime& s, int number) {
  const FrozenTrial* t = s.trial(number);
  auto it = flights_.find(t->id);
  if (it != flights_.end()) stop_job(it->second, 0);
  studies_[s.id].freed_at = steady_now();
  fill_slots(s);
}

StatusCallback Orchestrator::log_failure(std::string what) {
  return [this, what = std::move(what), alive = alive_](const Status& st) {
    if (*alive && !st.ok()) warn(what + ": " + st.message());
  };
}

}  // namespace hpod
