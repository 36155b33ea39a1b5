// Seconds (a double from a configuration or study file) as a clock duration that never
// overflows: `now + saturating_seconds(1e10)` is far in the future, not in the past (a
// plain cast of 1e13 ms to a 64-bit nanosecond count wraps, and a grace period became an
// immediate SIGTERM). NaN and negative values are zero.
#pragma once

#include <chrono>

namespace hpod {

template <class Duration = std::chrono::steady_clock::duration>
Duration saturating_seconds(double seconds) {
  if (!(seconds > 0)) return Duration::zero();
  // Half the range: adding it to any clock reading since boot (or 1970) still fits.
  constexpr Duration kCap = Duration::max() / 2;
  if (seconds >= std::chrono::duration<double>(kCap).count()) return kCap;
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

}  // namespace hpod
