// Snapshots that samplers read on their own thread while the owner goes on.
#include <doctest/doctest.h>

#include "hpod/in_memory_study.hpp"

using namespace hpod;

TEST_CASE("a snapshot shares finished trials and is unaffected by later changes") {
  InMemoryStudy s("snap", {StudyDirection::kMinimize});
  auto dist = Distribution{*make_float_distribution(0, 1, false, std::nullopt)};
  for (int i = 0; i < 4; ++i) {
    FrozenTrial t;
    t.id = 100 + i;
    t.params["x"] = TrialParam{0.1 * i, dist};
    for (int step = 0; step < 5; ++step) t.intermediate_values.insert(step, i + step);
    s.add_trial(std::move(t));
  }
  s.finish(2, TrialState::kComplete, {0.5}, Timestamp{});
  s.finish(0, TrialState::kPruned, {}, Timestamp{});
  SnapshotStudy snap(s);
  REQUIRE(snap.trials().size() == 4);
  CHECK(snap.finished_order() == std::vector<int>{2, 0});
  CHECK(snap.trial(2) == s.frozen(2).get());  // shared, not copied
  CHECK(snap.trial(2)->values == std::vector<double>{0.5});
  CHECK(snap.trial(0)->values == std::vector<double>{4.0});  // PRUNED takes the last value
  // Only the last intermediate value travels: it is all a sampler reads.
  CHECK(snap.trial(0)->intermediate_values.size() == 1);
  CHECK(*snap.trial(0)->last_step() == 4);
  CHECK(snap.trial(1)->state == TrialState::kRunning);
  s.mutable_trial(1)->intermediate_values.insert(9, 1.0);
  s.finish(1, TrialState::kComplete, {0.1}, Timestamp{});
  s.add_trial(FrozenTrial{});
  CHECK(snap.trial(1)->state == TrialState::kRunning);
  CHECK(*snap.trial(1)->last_step() == 4);
  CHECK(snap.trials().size() == 4);
  CHECK(snap.trial(4) == nullptr);
  SnapshotStudy odd(s, [](const FrozenTrial& t) { return t.number % 2 == 1; });
  CHECK(odd.trials().size() == 2);
  CHECK(odd.finished_order() == std::vector<int>{1});
  CHECK(odd.trial(2) == nullptr);
  CHECK(odd.trial(3)->number == 3);
}
