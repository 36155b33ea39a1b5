// Below/above split against tpe.split_below_above (both directions, every n_below).
#include <doctest/doctest.h>

#include <deque>

#include "samplers/tpe/split.hpp"
#include "test_vectors.hpp"

using namespace hpod;
using namespace hpod::tpe;
using hpod::testing::num;
using hpod::testing::vectors;

TEST_CASE("tpe split below/above equals Optuna for every n_below") {
  auto& cases = vectors()["tpe"]["split_below_above"]["cases"];
  for (auto& [dir_name, c] : cases.items()) {
    const std::string direction = dir_name;  // clang 14 cannot CAPTURE a structured binding
    CAPTURE(direction);
    StudyDirection dir = dir_name == "maximize" ? StudyDirection::kMaximize : StudyDirection::kMinimize;
    std::deque<FrozenTrial> store;
    std::vector<const FrozenTrial*> trials;
    for (auto& t : c["trials"]) {
      FrozenTrial f;
      f.number = t["number"].get<int>();
      f.state = t["state"] == "C" ? TrialState::kComplete : TrialState::kPruned;
      if (!t["value"].is_null()) f.values.push_back(num(t["value"]));
      if (t["intermediate_values"].is_object())
        for (auto& [step, v] : t["intermediate_values"].items()) f.intermediate_values.insert(std::stoll(step), num(v));
      store.push_back(std::move(f));
      trials.push_back(&store.back());
    }
    // A RUNNING trial (constant liar) is always above, whatever n_below.
    FrozenTrial running;
    running.number = 12;
    running.state = TrialState::kRunning;
    auto with_running = trials;
    with_running.push_back(&running);
    for (auto& [n_below, want] : c["below_above_trial_numbers_by_n_below"].items()) {
      const std::string below = n_below;
      CAPTURE(below);
      auto got = split_below_above(trials, std::stoi(n_below), dir);
      CHECK(got.below == want["below"].get<std::vector<int>>());
      CHECK(got.above == want["above"].get<std::vector<int>>());
      auto liar = split_below_above(with_running, std::stoi(n_below) + 1, dir);
      CHECK(std::find(liar.above.begin(), liar.above.end(), 12) != liar.above.end());
    }
  }
}
