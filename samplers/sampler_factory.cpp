// make_sampler: the study file's "sampler" block → a Sampler.
#include <nlohmann/json.hpp>

#include "core/json_check.hpp"
#include "hpod/sampler.hpp"
#include "samplers/gp/gp_sampler.hpp"
#include "samplers/random_sampler.hpp"
#include "samplers/tpe/tpe_sampler.hpp"

namespace hpod {

namespace {

std::optional<std::uint32_t> parse_seed(jc::Checker& c, const nlohmann::json& b, const std::string& path) {
  auto s = c.integer(b, path, "seed", false);
  if (!s) return std::nullopt;
  if (*s < 0 || *s > 0xFFFFFFFFLL) {
    c.error(jc::Checker::join(path, "seed"), "must be between 0 and 4294967295");
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*s);
}

// An integer option within [min, max], into `into` when present and valid.
void parse_count(jc::Checker& c, const nlohmann::json& b, const std::string& path, const char* key, std::int64_t min,
                 std::int64_t max, int& into) {
  auto v = c.integer(b, path, key, false);
  if (!v) return;
  if (*v < min) c.error(jc::Checker::join(path, key), "must be >= " + std::to_string(min));
  else if (*v > max) c.error(jc::Checker::join(path, key), "must be <= " + std::to_string(max));
  else into = static_cast<int>(*v);
}

// {"type": "gp", ...}: Optuna 4.9's GPSampler options. constraints_func (a Python callable)
// has no equivalent.
Result<std::unique_ptr<Sampler>> make_gp_sampler(jc::Checker& c, const nlohmann::json& block, const std::string& path) {
  c.known_keys(block, path,
               {"type", "seed", "n_startup_trials", "deterministic_objective", "independent_sampler",
                "warn_independent_sampling"});
  gp::GpSamplerOptions o;
  o.seed = parse_seed(c, block, path);
  parse_count(c, block, path, "n_startup_trials", 0, 1000000000, o.n_startup_trials);
  if (auto d = c.boolean(block, path, "deterministic_objective")) o.deterministic_objective = *d;
  c.boolean(block, path, "warn_independent_sampling");  // accepted; hpod samplers do not log
  if (block.contains("independent_sampler") && !block["independent_sampler"].is_null()) {
    const std::string ipath = jc::Checker::join(path, "independent_sampler");
    const nlohmann::json& ind = block["independent_sampler"];
    if (c.expect_object(ind, ipath)) {
      auto itype = c.string(ind, ipath, "type");
      if (!itype || *itype != "random") {
        c.error(jc::Checker::join(ipath, "type"), "only {\"type\": \"random\"} is supported");
      } else {
        c.known_keys(ind, ipath, {"type", "seed"});
        // Without its own seed it inherits the GP's, so a seeded study stays reproducible.
        o.independent_seed = parse_seed(c, ind, ipath);
      }
    }
  }
  if (!c.ok()) return c.status();
  return std::unique_ptr<Sampler>(new gp::GpSampler(std::move(o)));
}

// The "tpe" block: Optuna 4.x option names and defaults (optuna/samplers/_tpe/sampler.py
// (4.9), TPESampler.__init__). gamma and weights
// are Python functions in Optuna; here they name a preset.
Result<tpe::TpeOptions> parse_tpe(const nlohmann::json& b, const std::string& path) {
  jc::Checker c;
  c.known_keys(b, path,
               {"type", "consider_prior", "prior_weight", "consider_magic_clip", "consider_endpoints",
                "n_startup_trials", "n_ei_candidates", "gamma", "weights", "seed", "multivariate", "group",
                "constant_liar", "warn_independent_sampling"});
  tpe::TpeOptions o;
  auto flag = [&](const char* key, bool& into) {
    if (auto v = c.boolean(b, path, key)) into = *v;
  };
  flag("consider_prior", o.consider_prior);
  flag("consider_magic_clip", o.consider_magic_clip);
  flag("consider_endpoints", o.consider_endpoints);
  flag("multivariate", o.multivariate);
  flag("group", o.group);
  flag("constant_liar", o.constant_liar);
  flag("warn_independent_sampling", o.warn_independent_sampling);
  o.consider_prior = true;  // Optuna 4.4+ ignores false
  if (auto v = c.number(b, path, "prior_weight", false)) {
    if (*v > 0) o.prior_weight = *v;
    else c.error(jc::Checker::join(path, "prior_weight"), "must be > 0");
  }
  parse_count(c, b, path, "n_startup_trials", 0, 1000000000, o.n_startup_trials);
  // Candidates are held in memory per ask; a million is far beyond any useful setting.
  parse_count(c, b, path, "n_ei_candidates", 1, 1000000, o.n_ei_candidates);
  const std::vector<std::string> presets{"default", "hyperopt"};
  auto preset = [&](const char* key, auto parse, auto& into) {
    auto v = c.string(b, path, key);
    if (!v) return;
    if (auto p = parse(*v)) into = *p;
    else c.error(jc::Checker::join(path, key), "must be \"default\" or \"hyperopt\"" + jc::did_you_mean(*v, presets));
  };
  preset("gamma", tpe::gamma_preset_from_name, o.gamma);
  preset("weights", tpe::weights_preset_from_name, o.weights);
  o.seed = parse_seed(c, b, path);
  if (o.group && !o.multivariate) c.error(jc::Checker::join(path, "group"), "requires \"multivariate\": true");
  if (!c.ok()) return c.status();
  return o;
}

}  // namespace

Result<std::unique_ptr<Sampler>> make_sampler(const nlohmann::json& block, std::string_view json_path) {
  const std::string path(json_path);
  jc::Checker c;
  if (block.is_null()) return make_sampler(nlohmann::json{{"type", "tpe"}}, json_path);
  if (!c.expect_object(block, path)) return c.status();
  auto type = c.string(block, path, "type");
  if (!type) {
    if (c.ok()) c.error(path, "missing \"type\" (one of \"tpe\", \"gp\", \"random\")");
    return c.status();
  }
  if (*type == "gp") return make_gp_sampler(c, block, path);
  if (*type == "random") {
    c.known_keys(block, path, {"type", "seed"});
    auto seed = parse_seed(c, block, path);
    if (!c.ok()) return c.status();
    return std::unique_ptr<Sampler>(new RandomSampler(seed));
  }
  if (*type == "tpe") {
    HPOD_ASSIGN_OR_RETURN(auto o, parse_tpe(block, path));
    return std::unique_ptr<Sampler>(new tpe::TpeSampler(std::move(o)));
  }
  std::vector<std::string> known{"tpe", "gp", "random"};
  c.error(jc::Checker::join(path, "type"),
          "unknown sampler \"" + *type + "\" (one of \"tpe\", \"gp\", \"random\")" + jc::did_you_mean(*type, known));
  return c.status();
}

}  // namespace hpod
