// StudySpec: a study definition (README "Study definition"), parsed and validated.
//
// Parsing is all-or-nothing: either every field is valid and a StudySpec comes back, or
// an InvalidArgument Status lists every error found, each as "<source>: <json path>:
// <rule>", and nothing is applied anywhere.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hpod/search_space.hpp"
#include "hpod/status.hpp"
#include "hpod/trial.hpp"

namespace hpod {

struct BudgetSpec {
  std::optional<int> n_trials;       // none: until timeout_s or stop
  int max_parallel = 1;
  std::optional<double> timeout_s;   // seconds since the study started
};

enum class FinalValueMode { kTell, kLastReport };

struct TrialSpec {
  // Exactly one of argv (run directly, no shell) and shell (run through /bin/sh -c with
  // every substituted value shell-quoted) is set. Both may hold {param} placeholders.
  std::vector<std::string> argv;
  std::optional<std::string> shell;
  std::string workdir = ".";
  std::map<std::string, std::string> env;
  double prune_grace_s = 30.0;
  // Applies only to trials that have sent a heartbeat (hpod_client does, from a thread):
  // for a node cut off from hpod. 0 disables it.
  double heartbeat_timeout_s = 900.0;
  // Opt-in: a trial with no new report for this long is taken for a hung training loop,
  // killed and FAIL. 0 (the default) disables it.
  double progress_timeout_s = 0.0;
  int max_retries = 1;
  FinalValueMode final_value = FinalValueMode::kTell;
};

struct LocalExecutorSpec {
  std::vector<int> gpus;  // empty: no GPU slots; otherwise one trial per slot
};

struct SlurmExecutorSpec {
  std::optional<std::string> partition, account, qos, time, gres, gpus, mem, constraint;
  std::optional<int> cpus_per_task;
  std::vector<std::string> extra_args;
};

struct ExecutorSpec {
  enum class Type { kLocal, kSlurm };
  Type type = Type::kLocal;
  LocalExecutorSpec local;
  SlurmExecutorSpec slurm;
};

struct StudySpec {
  std::string name;
  std::vector<StudyDirection> directions{StudyDirection::kMinimize};
  SearchSpace search_space;
  std::string sampler_json = "null";  // the "sampler" block as JSON text (null = default TPE)
  std::string pruner_json = "null";   // the "pruner" block as JSON text (null = default median)
  BudgetSpec budget;
  std::optional<TrialSpec> trial;     // none: an ask/tell study driven by external workers
  ExecutorSpec executor;
  std::map<std::string, std::string> user_attrs;  // key → JSON text
  // The definition as normalized JSON (sorted keys, defaults not filled in): two
  // submissions are "the same definition" iff these are equal.
  std::string canonical_json;

  StudyDirection direction() const { return directions.front(); }
};

// `source` names where the text came from ("mnist.json", "request body") and prefixes
// every error message.
Result<StudySpec> parse_study_spec(std::string_view text, std::string_view source);
Result<StudySpec> load_study_file(const std::string& path);

// Names inside {...} placeholders of a command string; "{{" and "}}" are literal braces.
// InvalidArgument on an unclosed or empty placeholder.
Result<std::vector<std::string>> placeholder_names(std::string_view s);

// Study names become directory names and URL segments: 1-128 characters of
// [A-Za-z0-9._-], not starting with '.' or '-'.
bool valid_study_name(std::string_view name);

}  // namespace hpod
