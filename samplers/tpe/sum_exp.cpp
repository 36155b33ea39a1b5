#include "samplers/tpe/sum_exp.hpp"

#include "samplers/tpe/cpu_features.hpp"
#include "samplers/tpe/ln2_split.hpp"

#include <bit>
#include <cmath>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HPOD_SUM_EXP_X86 1
#endif

namespace hpod::tpe {

namespace {

constexpr double kLog2e = 1.4426950408889634;
constexpr double kFloor = -700.0;
// 1/i! for i = 13 … 0 (Horner order).
constexpr double kCoef[14] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                              1.0 / 362880.0,     1.0 / 40320.0,     1.0 / 5040.0,     1.0 / 720.0,
                              1.0 / 120.0,        1.0 / 24.0,        1.0 / 6.0,        0.5,
                              1.0,                1.0};
// Adding then subtracting 1.5·2^52 rounds to an integer and leaves it in the low bits.
constexpr double kShifter = 6755399441055744.0;

// max(x, kFloor) as std::fmax (NaN gives kFloor), without its library call.
inline double at_floor(double x) { return x > kFloor ? x : kFloor; }

// exp(x) for x in [−700, 0], the same operations as the vector path.
inline double exp_lane(double x) {
  const double k = std::fma(x, kLog2e, kShifter) - kShifter;
  double r = std::fma(-k, kLn2Hi, x);
  r = std::fma(-k, kLn2Lo, r);
  double p = kCoef[0];
#pragma GCC unroll 16
  for (int i = 1; i < 14; ++i) p = std::fma(p, r, kCoef[i]);
  const auto ki = static_cast<std::int64_t>(k);
  const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(ki + 1023) << 52);
  return p * scale;
}

#ifdef HPOD_SUM_EXP_X86
__attribute__((target("avx2,fma"))) double sum_exp_avx2(const double* t, std::size_t n, double m) {
  const __m256d vm = _mm256_set1_pd(m), floor = _mm256_set1_pd(kFloor);
  const __m256d log2e = _mm256_set1_pd(kLog2e), shifter = _mm256_set1_pd(kShifter);
  const __m256d ln2hi = _mm256_set1_pd(kLn2Hi), ln2lo = _mm256_set1_pd(kLn2Lo);
  const __m256i bias = _mm256_set1_epi64x(1023);
  __m256d acc = _mm256_setzero_pd();
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d x = _mm256_max_pd(_mm256_sub_pd(_mm256_loadu_pd(t + i), vm), floor);
    const __m256d shifted = _mm256_fmadd_pd(x, log2e, shifter);
    const __m256d k = _mm256_sub_pd(shifted, shifter);
    __m256d r = _mm256_fnmadd_pd(k, ln2hi, x);
    r = _mm256_fnmadd_pd(k, ln2lo, r);
    __m256d p = _mm256_set1_pd(kCoef[0]);
    // Unrolled by request: GCC -O2 keeps this loop rolled in some builds (the unity build
    // with x86-64-v3 did), which costs a load, a compare and a branch per coefficient.
#pragma GCC unroll 16
    for (int c = 1; c < 14; ++c) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(kCoef[c]));
    // k as an integer: the low bits of `shifted` minus those of the shifter.
    const __m256i ki = _mm256_sub_epi64(_mm256_castpd_si256(shifted), _mm256_castpd_si256(shifter));
    const __m256d scale = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(ki, bias), 52));
    acc = _mm256_add_pd(acc, _mm256_mul_pd(p, scale));
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, acc);
  double tail = 0.0;
  for (; i < n; ++i) tail += exp_lane(at_floor(t[i] - m));
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + tail;
}
#endif

}  // namespace

namespace detail {
double sum_exp_shifted_portable(const double* t, std::size_t n, double m) {
  double acc[4] = {0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; ++l) acc[l] += exp_lane(at_floor(t[i + l] - m));
  double tail = 0.0;
  for (; i < n; ++i) tail += exp_lane(at_floor(t[i] - m));
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + tail;
}
}  // namespace detail

bool sum_exp_uses_avx2() { return cpu_has_avx2_fma(); }

double sum_exp_shifted(const double* t, std::size_t n, double m) {
#ifdef HPOD_SUM_EXP_X86
  if (cpu_has_avx2_fma()) return sum_exp_avx2(t, n, m);
#endif
  return detail::sum_exp_shifted_portable(t, n, m);
}

}  // namespace hpod::tpe
