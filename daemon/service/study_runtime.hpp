// A study as the daemon holds it in memory: its definition, trials, sampler, pruner and
// operator state. Owned and touched by the owner thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hpod/in_memory_study.hpp"
#include "hpod/pruner.hpp"
#include "hpod/sampler.hpp"
#include "hpod/study.hpp"

namespace hpod {

enum class StudyControl { kRunning, kPaused, kStopped, kCompleted };
const char* control_name(StudyControl c);  // "running", "paused", "stopped", "completed"
std::optional<StudyControl> control_from_name(std::string_view s);

// hpod_trial_meta key set once a trial has sent a heartbeat: only such trials are held to
// heartbeat_timeout_s (a trial that never sends one, e.g. plain curl, is not).
inline constexpr const char* kHeartbeatsMeta = "heartbeats";

// Daemon-only facts about a trial (persisted in hpod_trial_meta).
struct TrialRuntime {
  std::string token_sha256;                           // empty: no trial token (e.g. WAITING)
  std::chrono::steady_clock::time_point last_seen;    // last report, heartbeat or launch
  std::chrono::steady_clock::time_point last_report;  // last report or launch (progress_timeout_s)
  bool superseded = false;                            // re-run as another trial: not counted in the budget
  bool adopted_foreign = false;                       // another program finished it in the file
  std::map<std::string, std::string> meta;            // hpod_trial_meta mirror (job, retry links, ...)
};

// A job hpod has to stop (its trial ended: pruned, killed, stopped) that Slurm or the OS has
// not reported ended yet; kept by the orchestrator, shown on the study.
struct PendingStop {
  std::string job_id;
  std::string stage;        // "grace period", "SIGTERM not delivered yet", "SIGTERM sent", ...
  int failed_attempts = 0;  // executor calls that failed (e.g. controller down)
  std::string last_error;
  std::chrono::steady_clock::time_point since;
};

struct StudyRuntime {
  StudyRuntime(std::int64_t study_id, std::string name, std::vector<StudyDirection> directions)
      : id(study_id), study(std::move(name), std::move(directions)) {}

  std::int64_t id;
  std::optional<StudySpec> spec;  // none: a study hpod did not create (e.g. made by Optuna)
  InMemoryStudy study;
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<Pruner> pruner;
  StudyControl control = StudyControl::kRunning;
  std::map<std::string, std::string> meta;          // hpod_study_meta mirror
  std::map<std::string, std::string> user_attrs;    // JSON text
  std::map<std::string, std::string> system_attrs;  // JSON text
  std::vector<TrialRuntime> trials;                 // by trial number
  std::deque<int> waiting;                          // enqueued (WAITING) trials, oldest first
  std::chrono::system_clock::time_point started;    // for budget.timeout_s
  std::string last_error;                           // shown on the study (e.g. a refused launch)
  std::map<int, PendingStop> pending_stops;         // by trial number
  bool planning = false;                            // a sampler call is in flight (one at a time)
  // Asks being planned hold the next trial numbers from the moment they start, so plans
  // in flight together get distinct numbers (the sampler's per-trial seed).
  int numbers_reserved = 0;
  std::deque<std::function<void()>> plan_queue;     // plans waiting for it

  const std::string& name() const { return study.name(); }
  StudyDirection direction() const { return study.direction(); }
  const FrozenTrial* trial(int number) const { return study.trial(number); }

  // Trials that count against budget.n_trials: all but WAITING ones and those re-run as
  // another trial.
  int budget_used() const;
  // Finished trials that count.
  int finished_count() const;
  int running_count() const;
  std::map<TrialState, int> counts_by_state() const;
  // No new trial may start: stopped, completed, budget used or timed out.
  bool budget_exhausted(std::chrono::system_clock::time_point now) const;
  std::optional<std::string> why_no_new_trials(std::chrono::system_clock::time_point now) const;
};

}  // namespace hpod
