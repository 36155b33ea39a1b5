// make_pruner: the study file's "pruner" block → a Pruner. Optuna's option names and
// defaults; every error names its JSON path.
#include <nlohmann/json.hpp>

#include "core/json_check.hpp"
#include "hpod/pruner.hpp"
#include "pruners/hyperband_pruner.hpp"
#include "pruners/nop_pruner.hpp"
#include "pruners/patient_pruner.hpp"
#include "pruners/percentile_pruner.hpp"
#include "pruners/successive_halving_pruner.hpp"
#include "pruners/threshold_pruner.hpp"
#include "pruners/wilcoxon_pruner.hpp"

namespace hpod {

namespace {

using jc::Checker;
using nlohmann::json;

const std::vector<std::string> kTypes{"median",    "percentile", "successive_halving", "hyperband",
                                      "threshold", "patient",    "nop",                "wilcoxon"};

std::int64_t int_option(Checker& c, const json& b, const std::string& path, const char* key, std::int64_t def,
                        std::int64_t min) {
  auto v = c.integer(b, path, key, false);
  if (!v) return def;
  if (*v < min) c.error(Checker::join(path, key), "must be >= " + std::to_string(min));
  return *v;
}

double number_between(Checker& c, const json& b, const std::string& path, const char* key, double def, double lo,
                      double hi, const std::string& rule) {
  auto v = c.number(b, path, key, false);
  if (!v) return def;
  if (*v < lo || *v > hi) c.error(Checker::join(path, key), rule);
  return *v;
}

// A resource: an integer >= 1 or "auto" (nullopt). A missing key gives `def`.
std::optional<std::int64_t> resource_option(Checker& c, const json& b, const std::string& path, const char* key,
                                            std::optional<std::int64_t> def) {
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) return def;
  if (it->is_string() && it->get<std::string>() == "auto") return std::nullopt;
  if (!it->is_number_integer() || it->get<std::int64_t>() < 1) {
    c.error(Checker::join(path, key), "must be an integer >= 1 or \"auto\"");
    return def;
  }
  return it->get<std::int64_t>();
}

std::unique_ptr<Pruner> percentile(Checker& c, const json& b, const std::string& path, bool median) {
  PercentileOptions o;
  if (median) {
    c.known_keys(b, path, {"type", "n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials"});
  } else {
    c.known_keys(b, path, {"type", "percentile", "n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials"});
    if (!c.number(b, path, "percentile", true)) return nullptr;
    o.percentile = number_between(c, b, path, "percentile", 50.0, 0.0, 100.0, "must be between 0 and 100");
  }
  o.n_startup_trials = int_option(c, b, path, "n_startup_trials", o.n_startup_trials, 0);
  o.n_warmup_steps = int_option(c, b, path, "n_warmup_steps", o.n_warmup_steps, 0);
  o.interval_steps = int_option(c, b, path, "interval_steps", o.interval_steps, 1);
  o.n_min_trials = int_option(c, b, path, "n_min_trials", o.n_min_trials, 1);
  return std::make_unique<PercentilePruner>(o, median ? "median" : "percentile");
}

std::unique_ptr<Pruner> successive_halving(Checker& c, const json& b, const std::string& path) {
  c.known_keys(b, path, {"type", "min_resource", "reduction_factor", "min_early_stopping_rate", "bootstrap_count"});
  SuccessiveHalvingOptions o;
  o.min_resource = resource_option(c, b, path, "min_resource", std::nullopt);
  o.reduction_factor = int_option(c, b, path, "reduction_factor", o.reduction_factor, 2);
  o.min_early_stopping_rate = int_option(c, b, path, "min_early_stopping_rate", o.min_early_stopping_rate, 0);
  o.bootstrap_count = int_option(c, b, path, "bootstrap_count", o.bootstrap_count, 0);
  if (o.bootstrap_count > 0 && !o.min_resource)
    c.error(Checker::join(path, "bootstrap_count"), "must be 0 when min_resource is \"auto\"");
  return std::make_unique<SuccessiveHalvingPruner>(o);
}

std::unique_ptr<Pruner> hyperband(Checker& c, const json& b, const std::string& path) {
  c.known_keys(b, path, {"type", "min_resource", "max_resource", "reduction_factor", "bootstrap_count"});
  HyperbandOptions o;
  if (auto it = b.find("min_resource"); it != b.end() && it->is_string())
    c.error(Checker::join(path, "min_resource"), "must be an integer >= 1 (\"auto\" is only for max_resource)");
  else
    o.min_resource = int_option(c, b, path, "min_resource", o.min_resource, 1);
  o.max_resource = resource_option(c, b, path, "max_resource", std::nullopt);
  o.reduction_factor = int_option(c, b, path, "reduction_factor", o.reduction_factor, 2);
  o.bootstrap_count = int_option(c, b, path, "bootstrap_count", o.bootstrap_count, 0);
  if (o.max_resource && *o.max_resource < o.min_resource)
    c.error(Checker::join(path, "max_resource"), "must be >= min_resource (" + std::to_string(o.min_resource) + ")");
  if (o.bootstrap_count > 0 && !o.max_resource)
    c.error(Checker::join(path, "bootstrap_count"), "must be 0 when max_resource is \"auto\"");
  return std::make_unique<HyperbandPruner>(o);
}

std::unique_ptr<Pruner> threshold(Checker& c, const json& b, const std::string& path) {
  c.known_keys(b, path, {"type", "lower", "upper", "n_warmup_steps", "interval_steps"});
  ThresholdOptions o;
  auto lower = c.number(b, path, "lower", false);
  auto upper = c.number(b, path, "upper", false);
  if (lower) o.lower = *lower;
  if (upper) o.upper = *upper;
  if (c.ok() && !lower && !upper) c.error(path, "needs \"lower\" or \"upper\" (or both)");
  if (lower && upper && *lower > *upper) c.error(Checker::join(path, "lower"), "must be <= \"upper\"");
  o.n_warmup_steps = int_option(c, b, path, "n_warmup_steps", o.n_warmup_steps, 0);
  o.interval_steps = int_option(c, b, path, "interval_steps", o.interval_steps, 1);
  return std::make_unique<ThresholdPruner>(o);
}

std::unique_ptr<Pruner> patient(Checker& c, const json& b, const std::string& path) {
  c.known_keys(b, path, {"type", "wrapped_pruner", "patience", "min_delta"});
  PatientOptions o;
  if (c.integer(b, path, "patience", true)) o.patience = int_option(c, b, path, "patience", 0, 0);
  o.min_delta = number_between(c, b, path, "min_delta", 0.0, 0.0, HUGE_VAL, "must be >= 0");
  std::unique_ptr<Pruner> wrapped;
  if (auto it = b.find("wrapped_pruner"); it != b.end() && !it->is_null()) {
    auto inner = make_pruner(*it, Checker::join(path, "wrapped_pruner"));
    if (inner.ok())
      wrapped = std::move(inner).value();
    else
      c.error_raw(inner.status().message());
  }
  return std::make_unique<PatientPruner>(std::move(wrapped), o);
}

std::unique_ptr<Pruner> wilcoxon(Checker& c, const json& b, const std::string& path) {
  c.known_keys(b, path, {"type", "p_threshold", "n_startup_steps"});
  WilcoxonOptions o;
  o.p_threshold = number_between(c, b, path, "p_threshold", o.p_threshold, 0.0, 1.0, "must be between 0 and 1");
  o.n_startup_steps = int_option(c, b, path, "n_startup_steps", o.n_startup_steps, 0);
  return std::make_unique<WilcoxonPruner>(o);
}

}  // namespace

Result<std::unique_ptr<Pruner>> make_pruner(const json& block, std::string_view json_path) {
  const std::string path(json_path);
  Checker c;
  if (block.is_null()) return make_pruner(json{{"type", "median"}}, json_path);
  if (!c.expect_object(block, path)) return c.status();
  auto type = c.string(block, path, "type");
  if (!type) {
    if (c.ok()) c.error(path, "missing \"type\" (one of \"median\", \"percentile\", \"successive_halving\", "
                              "\"hyperband\", \"threshold\", \"patient\", \"nop\", \"wilcoxon\")");
    return c.status();
  }
  std::unique_ptr<Pruner> p;
  if (*type == "median" || *type == "percentile") {
    p = percentile(c, block, path, *type == "median");
  } else if (*type == "successive_halving") {
    p = successive_halving(c, block, path);
  } else if (*type == "hyperband") {
    p = hyperband(c, block, path);
  } else if (*type == "threshold") {
    p = threshold(c, block, path);
  } else if (*type == "patient") {
    p = patient(c, block, path);
  } else if (*type == "wilcoxon") {
    p = wilcoxon(c, block, path);
  } else if (*type == "nop" || *type == "none") {
    c.known_keys(block, path, {"type"});
    p = std::make_unique<NopPruner>();
  } else {
    c.error(Checker::join(path, "type"), "unknown pruner \"" + *type + "\"" + jc::did_you_mean(*type, kTypes));
  }
  if (!c.ok()) return c.status();
  return p;
}

}  // namespace hpod
