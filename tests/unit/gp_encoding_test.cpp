#include <doctest/doctest.h>

#include "samplers/gp/search_space_encoding.hpp"
#include "test_vectors.hpp"

using namespace hpod;
using namespace hpod::gp;
using hpod::testing::close;
using hpod::testing::vectors;

namespace {

const nlohmann::json& case_json() { return vectors()["gp_optuna_4_9"]["gp_search_space"]; }

SearchSpace vector_space() {
  SearchSpace space;
  for (auto& [name, json] : case_json()["distributions"].items()) {
    auto d = distribution_from_json(json.get<std::string>());
    REQUIRE(d.ok());
    space.emplace(name, *d);
  }
  return space;
}

ParamValue external(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return j.get<std::int64_t>();
  return j.get<double>();
}

}  // namespace

TEST_CASE("gp encoding: dimension kinds and order follow the name-sorted search space") {
  GpSearchSpace s(vector_space());
  // The vectors list parameters in Optuna's order; ours is name order. Map by name.
  auto order = case_json()["param_order"].get<std::vector<std::string>>();
  auto cat = case_json()["is_categorical"].get<std::vector<bool>>();
  auto discrete = case_json()["discrete_indices"].get<std::vector<int>>();
  auto continuous = case_json()["continuous_indices"].get<std::vector<int>>();
  REQUIRE(s.size() == order.size());
  for (std::size_t j = 0; j < s.size(); ++j) {
    auto it = std::find(order.begin(), order.end(), s.dim(j).name);
    REQUIRE(it != order.end());
    int k = static_cast<int>(it - order.begin());
    CAPTURE(s.dim(j).name);
    CHECK(s.categorical_mask()[j] == cat[static_cast<std::size_t>(k)]);
    bool is_discrete = std::find(discrete.begin(), discrete.end(), k) != discrete.end();
    bool is_continuous = std::find(continuous.begin(), continuous.end(), k) != continuous.end();
    CHECK(is_discrete == (s.dim(j).kind != DimKind::kContinuous));
    CHECK(is_continuous == (s.dim(j).kind == DimKind::kContinuous));
  }
  CHECK(s.continuous_indices().size() == continuous.size());
  CHECK(s.discrete_indices().size() == discrete.size());
}

TEST_CASE("gp encoding: normalized params, decoding and grids equal Optuna 4.9's") {
  GpSearchSpace s(vector_space());
  auto order = case_json()["param_order"].get<std::vector<std::string>>();
  auto index_in_vectors = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(order.begin(), order.end(), name) - order.begin());
  };

  auto& params = case_json()["params"];
  auto& normalized = case_json()["normalized"];
  for (std::size_t t = 0; t < params.size(); ++t) {
    for (std::size_t j = 0; j < s.size(); ++j) {
      const auto& e = s.dim(j);
      auto internal = to_internal(e.distribution, external(params[t][e.name]));
      REQUIRE(internal.ok());
      CAPTURE(e.name);
      CHECK(close(s.encode(j, *internal), normalized[t][index_in_vectors(e.name)].get<double>(), 1e-12));
    }
  }

  auto& inputs = case_json()["unnormalize_inputs"];
  auto& outputs = case_json()["unnormalized"];
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    for (std::size_t j = 0; j < s.size(); ++j) {
      const auto& e = s.dim(j);
      CAPTURE(e.name);
      CAPTURE(t);
      ParamValue got = to_external(e.distribution, s.decode(j, inputs[t][index_in_vectors(e.name)].get<double>()));
      ParamValue want = external(outputs[t][e.name]);
      if (auto* g = std::get_if<double>(&got)) {
        CHECK(close(*g, std::get<double>(want), 1e-12));
      } else {
        CHECK(python_equal(got, want));
      }
    }
  }

  auto& grids = case_json()["choices_of_discrete_params_normalized"];
  auto discrete = case_json()["discrete_indices"].get<std::vector<std::size_t>>();
  for (std::size_t g = 0; g < discrete.size(); ++g) {
    const std::string& name = order[discrete[g]];
    std::size_t j = 0;
    while (s.dim(j).name != name) ++j;
    CAPTURE(name);
    auto want = grids[g].get<std::vector<double>>();
    REQUIRE(s.dim(j).grid.size() == want.size());
    for (std::size_t k = 0; k < want.size(); ++k) CHECK(close(s.dim(j).grid[k], want[k], 1e-12));
  }
}

TEST_CASE("gp encoding: quasi-random values are rounded into the grid cell that holds them") {
  SearchSpace space;
  space.emplace("a", IntDistribution{0, 10, false, 2});
  space.emplace("b", CategoricalDistribution{{std::string("x"), std::string("y"), std::string("z")}});
  space.emplace("c", IntDistribution{1, 100, true, 1});
  GpSearchSpace s(space);
  // a: lo = −1, hi = 11, cells of width 2/12 around 0, 2, …, 10.
  CHECK(s.decode(0, s.round_uniform_to_grid(0, 0.0)) == 0);
  CHECK(s.decode(0, s.round_uniform_to_grid(0, 0.49)) == 4);   // v = 4.88
  CHECK(s.decode(0, s.round_uniform_to_grid(0, 0.51)) == 6);   // v = 5.12
  CHECK(s.decode(0, s.round_uniform_to_grid(0, 0.9999)) == 10);
  CHECK(s.round_uniform_to_grid(1, 0.0) == 0);
  CHECK(s.round_uniform_to_grid(1, 0.34) == 1);
  CHECK(s.round_uniform_to_grid(1, 0.999) == 2);
  for (double u : {0.0, 0.2, 0.5, 0.77, 0.999}) {
    double g = s.round_uniform_to_grid(2, u);
    CHECK(std::find(s.dim(2).grid.begin(), s.dim(2).grid.end(), g) != s.dim(2).grid.end());
  }
}
