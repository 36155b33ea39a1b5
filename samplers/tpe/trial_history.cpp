#include "samplers/tpe/trial_history.hpp"

namespace hpod::tpe {

bool has_params(const FrozenTrial& t, const ParamSet& params) {
  for (std::size_t j = 0; j < params.names.size(); ++j) {
    const TrialParam* p = t.param(params.names[j]);
    if (!p || !compatible(p->distribution, params.distributions[j])) return false;
  }
  return true;
}

}  // namespace hpod::tpe
