// hpod_storage_tool: drives hpod's Storage for the Optuna compatibility test
// (tests/python/test_optuna_compat.py), which checks what Optuna reads against what
// hpod wrote, and the other way round.
//
//   hpod_storage_tool write-fixture DB --schema REV --study NAME   → prints what it wrote
//   hpod_storage_tool dump DB STUDY                                 → prints what hpod reads
//   hpod_storage_tool append DB STUDY N                             → appends N trials, prints them
//
// Output is JSON: {"study", "directions", "trials": [{number, state, params, values,
// intermediate_values, user_attrs, system_attrs, datetime_start, datetime_complete}]};
// non-finite numbers are the strings "nan", "inf", "-inf".
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "hpod/storage.hpp"
#include "samplers/random_sampler.hpp"

using namespace hpod;
using json = nlohmann::json;

namespace {

json number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

json trial_json(const FrozenTrial& t) {
  json j;
  j["number"] = t.number;
  j["state"] = trial_state_name(t.state);
  json params = json::object();
  for (auto& [name, p] : t.params) params[name] = json::parse(param_value_json(to_external(p.distribution, p.internal)));
  j["params"] = params;
  json dists = json::object();
  for (auto& [name, p] : t.params) dists[name] = json::parse(distribution_to_json(p.distribution));
  j["distributions"] = dists;
  json values = json::array();
  for (double v : t.values) values.push_back(number(v));
  j["values"] = t.values.empty() ? json(nullptr) : values;
  json iv = json::object();
  for (auto& [step, v] : t.intermediate_values) iv[std::to_string(step)] = number(v);
  j["intermediate_values"] = iv;
  json ua = json::object(), sa = json::object();
  for (auto& [k, v] : t.user_attrs) ua[k] = json::parse(v);
  for (auto& [k, v] : t.system_attrs) sa[k] = json::parse(v);
  j["user_attrs"] = ua;
  j["system_attrs"] = sa;
  j["datetime_start"] = t.datetime_start ? json(format_optuna_datetime(*t.datetime_start)) : json(nullptr);
  j["datetime_complete"] = t.datetime_complete ? json(format_optuna_datetime(*t.datetime_complete)) : json(nullptr);
  return j;
}

json study_json(const StoredStudy& s) {
  json j;
  j["study"] = s.name;
  json dirs = json::array();
  for (auto d : s.directions) dirs.push_back(direction_name(d));
  j["directions"] = dirs;
  json trials = json::array();
  for (auto& t : s.trials) trials.push_back(trial_json(t));
  j["trials"] = trials;
  return j;
}

int fail(const Status& s) {
  std::cerr << "hpod_storage_tool: " << s.message() << "\n";
  return 1;
}

SearchSpace fixture_space() {
  SearchSpace sp;
  sp.emplace("x", *make_float_distribution(-5, 5, false, std::nullopt));
  sp.emplace("lr", *make_float_distribution(1e-5, 1.0, true, std::nullopt));
  sp.emplace("dropout", *make_float_distribution(0.0, 0.5, false, 0.05));
  sp.emplace("layers", *make_int_distribution(1, 6, false, 1));
  sp.emplace("batch", *make_int_distribution(16, 512, true, 1));
  sp.emplace("k", *make_int_distribution(0, 10, false, 2));
  sp.emplace("opt", CategoricalDistribution{{std::string("adam"), std::string("sgd"), std::monostate{},
                                             std::int64_t{2}, 0.5, true}});
  return sp;
}

// Trial i of the fixture: every state, NaN and infinite intermediate values, attributes.
FrozenTrial fixture_trial(int i, const SearchSpace& space, Timestamp t0) {
  FrozenTrial t;
  NumpyRandom rng(static_cast<std::uint32_t>(1000 + i));
  for (auto& [name, d] : space) t.params[name] = TrialParam{sample_random_internal(d, rng), d};
  double x = t.params["x"].internal;
  double base = (x - 1) * (x - 1) + std::log10(t.params["lr"].internal) * 0.1;
  t.datetime_start = t0 + std::chrono::seconds(10 * i) + std::chrono::microseconds(123456);
  const TrialState cycle[] = {TrialState::kComplete, TrialState::kComplete, TrialState::kPruned,
                              TrialState::kComplete, TrialState::kFail, TrialState::kComplete};
  t.state = i >= 22 ? TrialState::kRunning : cycle[i % 6];
  int steps = t.state == TrialState::kPruned ? 2 : 5;
  for (int s = 0; s < steps; ++s) t.intermediate_values.insert(s, base + 1.0 / (s + 1));
  if (i % 7 == 3) t.intermediate_values = {}, t.intermediate_values.insert(0, NAN), t.intermediate_values.insert(1, base);
  if (i % 5 == 1) t.intermediate_values.insert(7, INFINITY);
  if (i % 8 == 2 && t.state == TrialState::kPruned) t.intermediate_values.insert(9, NAN);  // pruned on NaN: no value
  if (i % 9 == 4) t.intermediate_values.insert(8, -INFINITY);
  if (t.state == TrialState::kComplete) t.values = {base};
  if (t.state == TrialState::kPruned) {
    double last = *t.intermediate_values.at(*t.intermediate_values.last_step());
    if (!std::isnan(last)) t.values = {last};
  }
  if (is_finished(t.state)) t.datetime_complete = *t.datetime_start + std::chrono::milliseconds(2500 + i);
  t.user_attrs["i"] = std::to_string(i);
  t.user_attrs["tag"] = "\"t" + std::to_string(i) + "\"";
  t.user_attrs["mixed"] = "[1, 2.5, null, true, \"x\"]";
  t.system_attrs["hpod:attempt"] = "1";
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: hpod_storage_tool write-fixture DB --schema REV --study NAME | dump DB STUDY | append DB STUDY N\n";
    return 2;
  }
  std::string cmd = argv[1];
  StorageOptions o;
  o.path = argv[2];
  std::string study = "hpod-fixture";
  for (int i = 3; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--schema") o.optuna_schema = argv[i + 1];
    if (std::string(argv[i]) == "--study") study = argv[i + 1];
  }
  auto opened = Storage::open(o);
  if (!opened.ok()) return fail(opened.status());
  Storage& s = **opened;

  if (cmd == "write-fixture") {
    auto sid = s.create_study(study, {StudyDirection::kMinimize});
    if (!sid.ok()) return fail(sid.status());
    Status st = s.set_study_user_attr(*sid, "owner", "\"hpod tests\"");
    if (!st.ok()) return fail(st);
    auto space = fixture_space();
    Timestamp t0 = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    // What the tool prints is the fixture as intended, not as read back: a write-side
    // encoding bug must show up as a difference in Optuna's reading.
    StoredStudy intended;
    intended.name = study;
    intended.directions = {StudyDirection::kMinimize};
    // Written the way the daemon writes: create RUNNING, report, then finish.
    st = s.transaction([&]() -> Status {
      for (int i = 0; i < 24; ++i) {
        FrozenTrial full = fixture_trial(i, space, t0);
        full.number = i;
        intended.trials.push_back(full);
        FrozenTrial created = full;
        created.state = TrialState::kRunning;
        created.values.clear();
        created.intermediate_values = {};
        created.datetime_complete.reset();
        HPOD_ASSIGN_OR_RETURN(auto tid, s.create_trial(*sid, created));
        for (auto& [step, v] : full.intermediate_values) HPOD_RETURN_IF_ERROR(s.add_intermediate_value(tid, step, v));
        if (is_finished(full.state))
          HPOD_RETURN_IF_ERROR(s.finish_trial(tid, full.state, full.values, *full.datetime_complete));
      }
      return Status::OK();
    });
    if (!st.ok()) return fail(st);
    std::cout << study_json(intended).dump(1) << "\n";
    return 0;
  } else if (cmd == "append") {
    if (argc < 5) return fail(Status::InvalidArgument("append DB STUDY N"));
    study = argv[3];
    int n = std::stoi(argv[4]);
    auto loaded = s.load_study(study);
    if (!loaded.ok()) return fail(loaded.status());
    if (loaded->trials.empty()) return fail(Status::FailedPrecondition("the study has no trials to copy a search space from"));
    SearchSpace space;
    for (auto& [name, p] : loaded->trials.front().params) space.emplace(name, p.distribution);
    Status st = s.transaction([&]() -> Status {
      for (int i = 0; i < n; ++i) {
        FrozenTrial t;
        NumpyRandom rng(static_cast<std::uint32_t>(5000 + i));
        for (auto& [name, d] : space) t.params[name] = TrialParam{sample_random_internal(d, rng), d};
        t.datetime_start = std::chrono::system_clock::now();
        HPOD_ASSIGN_OR_RETURN(auto tid, s.create_trial(loaded->id, t));
        HPOD_RETURN_IF_ERROR(s.add_intermediate_value(tid, 0, 100.0 + i));
        HPOD_RETURN_IF_ERROR(s.finish_trial(tid, TrialState::kComplete, {100.0 + i}, std::chrono::system_clock::now()));
      }
      return Status::OK();
    });
    if (!st.ok()) return fail(st);
  } else if (cmd == "dump") {
    study = argv[3];
  } else {
    std::cerr << "unknown command " << cmd << "\n";
    return 2;
  }
  auto loaded = s.load_study(study);
  if (!loaded.ok()) return fail(loaded.status());
  std::cout << study_json(*loaded).dump(1) << "\n";
  return 0;
}
