// JSON views of trials and studies for the API and the event stream. Non-finite numbers
// are the strings "NaN", "Infinity", "-Infinity"; datetimes are ISO 8601 UTC.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "daemon/service/study_runtime.hpp"
#include "hpod/json_float.hpp"  // number_json writes its tokens

namespace hpod {

nlohmann::json number_json(double v);
// Parses a number or one of the strings above; nullopt otherwise.
std::optional<double> number_from_json(const nlohmann::json& j);
nlohmann::json param_value_to_json(const ParamValue& v);
std::string iso_time(Timestamp t);

struct TrialJsonOptions {
  bool intermediate_values = false;
  bool attrs = true;
};
nlohmann::json trial_json(const StudyRuntime& s, const FrozenTrial& t, TrialJsonOptions o = {});
// Summary for lists: state, counts by state, best trial, budget progress.
nlohmann::json study_summary_json(const StudyRuntime& s);

}  // namespace hpod
