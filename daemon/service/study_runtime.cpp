#include "daemon/service/study_runtime.hpp"

namespace hpod {

const char* control_name(StudyControl c) {
  switch (c) {
    case StudyControl::kRunning: return "running";
    case StudyControl::kPaused: return "paused";
    case StudyControl::kStopped: return "stopped";
    case StudyControl::kCompleted: return "completed";
  }
  return "running";
}

std::optional<StudyControl> control_from_name(std::string_view s) {
  if (s == "running") return StudyControl::kRunning;
  if (s == "paused") return StudyControl::kPaused;
  if (s == "stopped") return StudyControl::kStopped;
  if (s == "completed") return StudyControl::kCompleted;
  return std::nullopt;
}

int StudyRuntime::budget_used() const {
  int n = 0;
  for (const FrozenTrial* t : study.trials())
    if (t->state != TrialState::kWaiting && !trials[static_cast<std::size_t>(t->number)].superseded) ++n;
  return n;
}

int StudyRuntime::finished_count() const {
  int n = 0;
  for (const FrozenTrial* t : study.trials())
    if (is_finished(t->state) && !trials[static_cast<std::size_t>(t->number)].superseded) ++n;
  return n;
}

int StudyRuntime::running_count() const {
  int n = 0;
  for (const FrozenTrial* t : study.trials()) n += t->state == TrialState::kRunning ? 1 : 0;
  return n;
}

std::map<TrialState, int> StudyRuntime::counts_by_state() const {
  std::map<TrialState, int> m;
  for (const FrozenTrial* t : study.trials()) m[t->state]++;
  return m;
}

std::optional<std::string> StudyRuntime::why_no_new_trials(std::chrono::system_clock::time_point now) const {
  if (control == StudyControl::kStopped) return "the study is stopped";
  if (control == StudyControl::kCompleted) return "the study is completed";
  if (!spec) return "the study was not created by hpod (it has no search space)";
  if (spec->budget.n_trials && budget_used() >= *spec->budget.n_trials)
    return "the budget of " + std::to_string(*spec->budget.n_trials) + " trials is used";
  if (spec->budget.timeout_s &&
      std::chrono::duration<double>(now - started).count() >= *spec->budget.timeout_s)
    return "the study's timeout_s has passed";
  return std::nullopt;
}

bool StudyRuntime::budget_exhausted(std::chrono::system_clock::time_point now) const {
  return why_no_new_trials(now).has_value();
}

}  // namespace hpod
