// hpod_make_study: writes a large study straight into hpod's SQLite file through hpod's own
// Storage (no HTTP), so the dashboard's scale test can start hpod on 10,000 trials and a
// million intermediate values within seconds.
//
//   hpod_make_study DB [--name big] [--trials 10000] [--values 1000000] [--running 8] [--seed 1]
//
// The study is a managed ask/tell study (its definition is stored, so hpod shows its budget)
// with five parameters of every kind; about 60 % of the trials are COMPLETE, 35 % PRUNED
// (shorter curves), 3 % FAIL and the last `running` are RUNNING. The learning curves decay
// towards a final value that depends mostly on the learning rate. Exactly `values`
// intermediate values are written. Prints {"study", "trials", "values", "seconds"}.
#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "hpod/rng.hpp"
#include "hpod/storage.hpp"
#include "hpod/study.hpp"
#include "samplers/random_sampler.hpp"

using namespace hpod;
using json = nlohmann::json;

namespace {

int fail(const Status& s) {
  std::cerr << "hpod_make_study: " << s.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: hpod_make_study DB [--name N] [--trials N] [--values N] [--running N] [--seed N]\n";
    return 2;
  }
  std::string name = "big";
  long trials = 10000, values = 1000000, running = 8;
  std::uint32_t seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--name") name = v;
    else if (a == "--trials") trials = std::stol(v);
    else if (a == "--values") values = std::stol(v);
    else if (a == "--running") running = std::stol(v);
    else if (a == "--seed") seed = static_cast<std::uint32_t>(std::stoul(v));
    else return fail(Status::InvalidArgument("unknown flag " + a));
  }
  if (trials < 1 || values < 0 || running < 0 || running > trials) return fail(Status::InvalidArgument("bad sizes"));
  auto t0 = std::chrono::steady_clock::now();
  json def = {{"name", name},
              {"direction", "minimize"},
              {"search_space",
               {{"lr", {{"type", "float"}, {"low", 1e-5}, {"high", 0.1}, {"log", true}}},
                {"dropout", {{"type", "float"}, {"low", 0.0}, {"high", 0.5}, {"step", 0.05}}},
                {"layers", {{"type", "int"}, {"low", 1}, {"high", 6}}},
                {"batch", {{"type", "int"}, {"low", 16}, {"high", 512}, {"log", true}}},
                {"optimizer", {{"type", "categorical"}, {"choices", {"adam", "sgd", "rmsprop"}}}}}},
              {"sampler", {{"type", "random"}, {"seed", 1}}},
              {"pruner", {{"type", "median"}}},
              {"budget", {{"n_trials", trials * 2}, {"max_parallel", running > 0 ? running : 1}}}};
  auto spec = parse_study_spec(def.dump(), "hpod_make_study");
  if (!spec.ok()) return fail(spec.status());

  StorageOptions o;
  o.path = argv[1];
  o.synchronous = "NORMAL";
  o.optuna_schema = "v3.0.0.d";
  auto opened = Storage::open(o);
  if (!opened.ok()) return fail(opened.status());
  Storage& s = **opened;

  NumpyRandom rng(seed);
  // Curve lengths: pruned trials stop early; the others share the rest of `values`.
  std::vector<TrialState> states(static_cast<std::size_t>(trials));
  std::vector<long> lengths(static_cast<std::size_t>(trials), 0);
  long pruned_total = 0, others = 0;
  for (long i = 0; i < trials; ++i) {
    double u = rng.random_sample();
    TrialState st = i >= trials - running ? TrialState::kRunning
                    : u < 0.35          ? TrialState::kPruned
                    : u < 0.38          ? TrialState::kFail
                                        : TrialState::kComplete;
    states[static_cast<std::size_t>(i)] = st;
    if (st == TrialState::kPruned) {
      lengths[static_cast<std::size_t>(i)] = 5 + static_cast<long>(rng.random_sample() * 60);
      pruned_total += lengths[static_cast<std::size_t>(i)];
    } else {
      ++others;
    }
  }
  long rest = std::max(0L, values - pruned_total);
  long k = 0;
  for (long i = 0; i < trials; ++i) {
    if (states[static_cast<std::size_t>(i)] == TrialState::kPruned) continue;
    lengths[static_cast<std::size_t>(i)] = rest / others + (k++ < rest % others ? 1 : 0);
  }

  auto sid = s.create_study(name, spec->directions);
  if (!sid.ok()) return fail(sid.status());
  auto now = std::chrono::system_clock::now();
  std::string started = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() - trials);
  long written = 0;
  Status st = s.transaction([&]() -> Status {
    HPOD_RETURN_IF_ERROR(s.set_study_meta(*sid, "definition", spec->canonical_json));
    HPOD_RETURN_IF_ERROR(s.set_study_meta(*sid, "state", "running"));
    HPOD_RETURN_IF_ERROR(s.set_study_meta(*sid, "started_unix", started));
    for (long i = 0; i < trials; ++i) {
      FrozenTrial t;
      t.number = static_cast<int>(i);
      t.state = states[static_cast<std::size_t>(i)];
      for (auto& [pname, d] : spec->search_space) t.params[pname] = TrialParam{sample_random_internal(d, rng), d};
      double lr = t.params["lr"].internal, dropout = t.params["dropout"].internal;
      double layers = t.params["layers"].internal, opt = t.params["optimizer"].internal;
      // Mostly the learning rate (best near 1e-3), a little dropout and depth.
      double final = 0.05 + 0.5 * std::pow(std::log10(lr) + 3, 2) + 0.2 * std::pow(dropout - 0.2, 2) +
                     0.02 * std::abs(layers - 3) + 0.01 * opt;
      double start = final + 2.0 + rng.random_sample();
      double tau = 5 + 30 * rng.random_sample();
      long len = lengths[static_cast<std::size_t>(i)];
      t.intermediate_values.reserve(static_cast<std::size_t>(len));
      double last = start;
      for (long step = 0; step < len; ++step) {
        last = final + (start - final) * std::exp(-static_cast<double>(step) / tau) + 0.02 * (rng.random_sample() - 0.5);
        t.intermediate_values.insert(step, last);
      }
      written += len;
      t.datetime_start = now - std::chrono::seconds(trials - i + 60);
      if (t.state == TrialState::kComplete) t.values = {last};
      if (t.state == TrialState::kPruned && len > 0) t.values = {last};
      if (t.state == TrialState::kFail) t.system_attrs["fail_reason"] = "\"exited with code 1\"";
      if (t.state != TrialState::kRunning) t.datetime_complete = *t.datetime_start + std::chrono::seconds(30 + len);
      if (t.state == TrialState::kRunning) {
        t.system_attrs["executor"] = "\"local\"";
        t.system_attrs["job_id"] = "\"" + std::to_string(40000 + i) + "\"";
        t.system_attrs["node"] = "\"node" + std::to_string(i % 4) + "\"";
        t.system_attrs["gpus"] = "\"" + std::to_string(i % 2) + "\"";
      }
      HPOD_RETURN_IF_ERROR(s.create_trial(*sid, t).status());
    }
    return Status::OK();
  });
  if (!st.ok()) return fail(st);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << json{{"study", name}, {"trials", trials}, {"values", written}, {"seconds", secs}}.dump() << "\n";
  return 0;
}
