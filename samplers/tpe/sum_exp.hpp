// The inner loop of every log-sum-exp of the Parzen estimator: Σ exp(t_i − m).
//
// exp is the hot spot of TPE (one per kernel and candidate). This computes it with a
// polynomial (Cody–Waite reduction, degree-13 Taylor series; within 2 ulp of exp) on
// four lanes with AVX2 + FMA when the CPU has them, chosen at run time. The portable
// path performs the same fused operations in the same order, so both give bit-identical
// sums and a seeded study repeats exactly on any x86-64 machine.
#pragma once

#include <cstddef>

namespace hpod::tpe {

// Σ_i exp(max(t_i − m, −700)) for m >= max t_i (the floor keeps results normal and
// changes nothing a double sum can hold).
double sum_exp_shifted(const double* t, std::size_t n, double m);

// Which path sum_exp_shifted takes on this CPU (for the benchmark report).
bool sum_exp_uses_avx2();

namespace detail {
double sum_exp_shifted_portable(const double* t, std::size_t n, double m);
}  // namespace detail

}  // namespace hpod::tpe
