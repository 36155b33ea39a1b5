#include "daemon/clock.hpp"

namespace hpod {

namespace {

class RealClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point steady() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point system() const override { return std::chrono::system_clock::now(); }
};

}  // namespace

const Clock& real_clock() {
  static const RealClock clock;
  return clock;
}

}  // namespace hpod
