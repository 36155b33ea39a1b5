// make_sampler's "tpe" block: defaults, every option, and errors naming the JSON path.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "samplers/tpe/tpe_sampler.hpp"

using namespace hpod;
using nlohmann::json;

namespace {

std::string tpe_error_of(const json& block) {
  auto r = make_sampler(block, "sampler");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kInvalidArgument);
  return r.status().message();
}

const tpe::TpeOptions& options_of(const Result<std::unique_ptr<Sampler>>& r) {
  REQUIRE(r.ok());
  auto* t = dynamic_cast<const tpe::TpeSampler*>(r.value().get());
  REQUIRE(t != nullptr);
  return t->options();
}

}  // namespace

TEST_CASE("tpe factory: a missing block is the default TPE with Optuna 4.x defaults") {
  auto r = make_sampler(json(nullptr), "sampler");
  const auto& o = options_of(r);
  CHECK(r.value()->name() == "tpe");
  CHECK(o.prior_weight == 1.0);
  CHECK(o.consider_magic_clip);
  CHECK_FALSE(o.consider_endpoints);
  CHECK(o.n_startup_trials == 10);
  CHECK(o.n_ei_candidates == 24);
  CHECK(o.gamma == tpe::GammaPreset::kDefault);
  CHECK(o.weights == tpe::WeightsPreset::kDefault);
  CHECK_FALSE(o.seed.has_value());
  CHECK_FALSE(o.multivariate);
  CHECK_FALSE(o.group);
  CHECK_FALSE(o.constant_liar);
  CHECK_FALSE(o.warn_independent_sampling);
}

TEST_CASE("tpe factory: every option is read") {
  auto r = make_sampler(json::parse(R"({"type": "tpe", "consider_prior": false, "prior_weight": 2.5,
      "consider_magic_clip": false, "consider_endpoints": true, "n_startup_trials": 20, "n_ei_candidates": 64,
      "gamma": "hyperopt", "weights": "hyperopt", "seed": 4294967295, "multivariate": true, "group": true,
      "constant_liar": true, "warn_independent_sampling": true})"),
                        "sampler");
  const auto& o = options_of(r);
  CHECK(o.consider_prior);  // ignored as in Optuna 4.4+
  CHECK(o.prior_weight == 2.5);
  CHECK_FALSE(o.consider_magic_clip);
  CHECK(o.consider_endpoints);
  CHECK(o.n_startup_trials == 20);
  CHECK(o.n_ei_candidates == 64);
  CHECK(o.gamma == tpe::GammaPreset::kHyperopt);
  CHECK(o.weights == tpe::WeightsPreset::kHyperopt);
  CHECK(o.seed == 4294967295u);
  CHECK(o.multivariate);
  CHECK(o.group);
  CHECK(o.constant_liar);
  CHECK(o.warn_independent_sampling);
}

TEST_CASE("tpe factory: bad options are errors naming the JSON path") {
  CHECK(tpe_error_of({{"type", "tpe"}, {"n_ei_candidates", 0}}) == "sampler.n_ei_candidates: must be >= 1");
  CHECK(tpe_error_of({{"type", "tpe"}, {"n_ei_candidates", 2000000}}) == "sampler.n_ei_candidates: must be <= 1000000");
  CHECK(tpe_error_of({{"type", "tpe"}, {"multivarite", true}}) ==
        "sampler.multivarite: unknown key (did you mean \"multivariate\"?)");
  CHECK(tpe_error_of({{"type", "tpe"}, {"n_startup_trials", -1}}) == "sampler.n_startup_trials: must be >= 0");
  CHECK(tpe_error_of({{"type", "tpe"}, {"n_startup_trials", 2.5}}) == "sampler.n_startup_trials: must be an integer");
  CHECK(tpe_error_of({{"type", "tpe"}, {"prior_weight", 0}}) == "sampler.prior_weight: must be > 0");
  CHECK(tpe_error_of({{"type", "tpe"}, {"group", true}}) == "sampler.group: requires \"multivariate\": true");
  CHECK(tpe_error_of({{"type", "tpe"}, {"gamma", "hyperopd"}}) ==
        "sampler.gamma: must be \"default\" or \"hyperopt\" (did you mean \"hyperopt\"?)");
  CHECK(tpe_error_of({{"type", "tpe"}, {"weights", 3}}) == "sampler.weights: must be a string");
  CHECK(tpe_error_of({{"type", "tpe"}, {"seed", -1}}) == "sampler.seed: must be between 0 and 4294967295");
  CHECK(tpe_error_of({{"type", "tpe"}, {"constant_liar", "yes"}}) == "sampler.constant_liar: must be true or false");
  CHECK(tpe_error_of({{"type", "tpe"}, {"constraints_func", nullptr}}).starts_with("sampler.constraints_func: unknown key"));
  CHECK(tpe_error_of({{"type", "tpd"}}) == "sampler.type: unknown sampler \"tpd\" (one of \"tpe\", \"gp\", \"random\") (did you mean \"tpe\"?)");
  // Every error at once, one per line.
  CHECK(tpe_error_of({{"type", "tpe"}, {"n_ei_candidates", 0}, {"group", true}}) ==
        "sampler.n_ei_candidates: must be >= 1\nsampler.group: requires \"multivariate\": true");
}

TEST_CASE("random factory: seed and unknown keys") {
  auto r = make_sampler(json{{"type", "random"}, {"seed", 3}}, "sampler");
  REQUIRE(r.ok());
  CHECK(r.value()->name() == "random");
  CHECK(tpe_error_of({{"type", "random"}, {"multivariate", true}}) == "sampler.multivariate: unknown key");
}
