// Samplers: pure functions of a read-only study view (plus their own seeded random
// state and caches). No I/O.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "hpod/search_space.hpp"
#include "hpod/status.hpp"
#include "hpod/study_view.hpp"

namespace hpod {

class Sampler {
 public:
  virtual ~Sampler() = default;

  // Plans `trial` (RUNNING, already numbered, possibly holding fixed parameters from an
  // enqueue): returns an internal value for every parameter of `space` that the trial
  // does not already have. Single distributions get their only value without consuming
  // random numbers. `study` may or may not contain `trial`.
  //
  // Calls on one sampler object are serialized by the caller; the object may keep caches
  // derived from the study (see StudyView::finished_order).
  virtual std::map<std::string, double> sample(const StudyView& study, const FrozenTrial& trial,
                                               const SearchSpace& space) = 0;

  // Short description for logs and the API ("tpe", "gp", "random").
  virtual std::string name() const = 0;
};

// Builds a sampler from a study file's "sampler" block ({"type": "tpe", ...}); options use
// Optuna's names and defaults. Unknown options or bad values are InvalidArgument errors
// naming `json_path` (e.g. "sampler.n_startup_trials"). A missing block (null) gives
// Optuna's default, the TPESampler.
Result<std::unique_ptr<Sampler>> make_sampler(const nlohmann::json& block, std::string_view json_path);

}  // namespace hpod
