#include "samplers/tpe/working_space.hpp"

#include <algorithm>

namespace hpod::tpe {

NumericSpace numeric_space(const Distribution& d, bool int_log_continuous) {
  NumericSpace s;
  if (auto* f = std::get_if<FloatDistribution>(&d)) {
    s.low = f->low;
    s.high = f->high;
    s.log = f->log;
    if (f->step) {
      s.kind = KernelKind::kDiscrete;
      s.step = *f->step;
      s.low_w = s.low - s.step / 2;
      s.high_w = s.high + s.step / 2;
    } else {
      s.low_w = s.to_working(s.low);
      s.high_w = s.to_working(s.high);
    }
    return s;
  }
  const auto& i = std::get<IntDistribution>(d);
  s.low = static_cast<double>(i.low);
  s.high = static_cast<double>(i.high);
  s.log = i.log;
  if (i.log) {
    s.kind = int_log_continuous ? KernelKind::kContinuous : KernelKind::kDiscreteLog;
    s.round_to_int = int_log_continuous;
    s.step = 1;
    s.low_w = std::log(s.low - 0.5);
    s.high_w = std::log(s.high + 0.5);
  } else {
    s.kind = KernelKind::kDiscrete;
    s.step = static_cast<double>(i.step);
    s.low_w = s.low - s.step / 2;
    s.high_w = s.high + s.step / 2;
  }
  return s;
}

double NumericSpace::from_working(double w) const {
  switch (kind) {
    case KernelKind::kContinuous:
      if (round_to_int) return std::clamp(std::nearbyint(std::exp(w)), low, high);
      return std::clamp(log ? std::exp(w) : w, low, high);
    case KernelKind::kDiscrete:
      return std::clamp(std::nearbyint((w - low) / step) * step + low, low, high);
    case KernelKind::kDiscreteLog:
      return std::clamp(std::nearbyint(std::exp(w) - low) + low, low, high);
  }
  return w;
}

}  // namespace hpod::tpe
