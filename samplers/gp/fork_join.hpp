// Two-way fork-join for the GP sampler's heavy loops (the fit's inverse and kernel
// sweeps, the acquisition screening). The split never depends on the machine: part 0 and
// part 1 always cover the same ranges and partial sums are added in the same order, so a
// seeded study gives bit-identical results on one core (parts run one after the other) and
// on two (part 1 on its own short-lived thread).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <system_error>
#include <thread>
#include <vector>

namespace hpod::gp {

inline void fork_join2(const std::function<void(int part)>& body) {
  static const bool two_cores = std::thread::hardware_concurrency() >= 2;
  if (!two_cores) {
    body(0);
    body(1);
    return;
  }
  std::exception_ptr error1;
  std::thread helper;
  try {
    helper = std::thread([&] {
      try {
        body(1);
      } catch (...) {
        error1 = std::current_exception();
      }
    });
  } catch (const std::system_error&) {  // no thread to be had: do it here
    body(0);
    body(1);
    return;
  }
  std::exception_ptr error0;
  try {
    body(0);
  } catch (...) {
    error0 = std::current_exception();
  }
  helper.join();
  if (error0) std::rethrow_exception(error0);
  if (error1) std::rethrow_exception(error1);
}

// Splits items 0..n-1, whose costs are given, into two fixed (not contiguous) sets of
// about equal total cost: item i goes to the part with the smaller running total (ties to
// part 0). Deterministic in (n, cost).
template <class Cost>
std::vector<int> balance_two_ways(std::size_t n, Cost cost) {
  std::vector<int> part(n);
  double total[2] = {0.0, 0.0};
  for (std::size_t i = 0; i < n; ++i) {
    const int p = total[1] < total[0] ? 1 : 0;
    part[i] = p;
    total[p] += static_cast<double>(cost(i));
  }
  return part;
}

}  // namespace hpod::gp
