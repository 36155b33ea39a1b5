// Helpers for the TPE sampler tests: running trials of an in-memory study.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "hpod/in_memory_study.hpp"
#include "hpod/sampler.hpp"

namespace hpod::testing {

using Params = std::map<std::string, double>;

// Adds a RUNNING trial, asks `sampler` for `space`, stores the parameters. Returns the
// trial's number.
inline int ask(InMemoryStudy& study, Sampler& sampler, const SearchSpace& space, Params* got = nullptr) {
  FrozenTrial& t = study.add_trial(FrozenTrial{});
  Params p = sampler.sample(study, t, space);
  FrozenTrial* m = study.mutable_trial(t.number);
  for (auto& [name, v] : p) m->params[name] = TrialParam{v, space.at(name)};
  if (got) *got = p;
  return t.number;
}

inline void tell(InMemoryStudy& study, int number, double value) {
  study.finish(number, TrialState::kComplete, {value}, std::chrono::system_clock::now());
}

// Sequential ask/tell for n trials; f gets the internal values.
inline void optimize(InMemoryStudy& study, Sampler& sampler, const SearchSpace& space, int n,
                     const std::function<double(const Params&)>& f) {
  for (int i = 0; i < n; ++i) {
    Params p;
    int number = ask(study, sampler, space, &p);
    tell(study, number, f(p));
  }
}

}  // namespace hpod::testing
