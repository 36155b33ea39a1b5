// A trial's command line and environment from the study's trial block: {param}
// placeholders filled in, shell quoting for string commands, HPOD_* variables.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "hpod/shell_quote.hpp"
#include "hpod/study.hpp"
#include "hpod/trial.hpp"

namespace hpod {

// How a parameter value is written into a command: floats as Python's repr ("0.001",
// "1e-05"), integers in decimal, strings as they are, booleans "true"/"false", null "null".
std::string placeholder_text(const ParamValue& v);
// Replaces {name} with `text(name)`; {{ and }} become literal braces.
std::string fill_placeholders(const std::string& templ, const std::function<std::string(const std::string&)>& text);

// argv for the executor: the list form filled in; the string form as
// {"/bin/sh", "-c", <filled, every value shell-quoted>}.
std::vector<std::string> trial_argv(const TrialSpec& spec, const FrozenTrial& trial);

struct TrialEnvInput {
  std::string url, study, token, run_dir;
};
// The study's env plus HPOD_URL, HPOD_STUDY, HPOD_TRIAL_ID, HPOD_TRIAL_NUMBER, HPOD_TOKEN,
// HPOD_PARAMS (a JSON object of the external values) and HPOD_RUN_DIR.
std::map<std::string, std::string> trial_env(const TrialSpec& spec, const FrozenTrial& trial, const TrialEnvInput& in);

}  // namespace hpod
