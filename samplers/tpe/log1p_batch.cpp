#include "samplers/tpe/log1p_batch.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "samplers/tpe/cpu_features.hpp"
#include "samplers/tpe/ln2_split.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HPOD_LOG1P_X86 1
#endif

namespace hpod::tpe {

namespace {

constexpr double kSqrt2 = std::numbers::sqrt2;
constexpr double kMinNormal = std::numeric_limits<double>::min();
constexpr std::uint64_t kMantissa = 0x000FFFFFFFFFFFFFull;
constexpr std::uint64_t kOneBits = 0x3FF0000000000000ull;
constexpr double kTwo52 = 0x1p52;
// 1/(2j+1) for j = 10 … 0 (Horner order in z = s²).
constexpr double kInvOdd[11] = {1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11,
                                1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3,  1.0};

// One argument, the same operations as the vector path.
inline double log1p_lane(double x) {
  const double u = 1.0 + x;
  if (!(u >= kMinNormal)) return std::log1p(x);  // 0, subnormal, below −1, NaN
  if (u == 1.0) return x;
  const auto bits = std::bit_cast<std::uint64_t>(u);
  double e = static_cast<double>(bits >> 52) - 1023.0;
  double m = std::bit_cast<double>((bits & kMantissa) | kOneBits);  // [1, 2)
  if (m >= kSqrt2) {
    m *= 0.5;
    e += 1.0;
  }
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  double p = kInvOdd[0];
#pragma GCC unroll 16
  for (int c = 1; c < 11; ++c) p = std::fma(p, z, kInvOdd[c]);
  const double log_m = (s + s) * p;
  const double log_u = std::fma(e, kLn2Hi, std::fma(e, kLn2Lo, log_m));
  return log_u * (x / (u - 1.0));
}

#ifdef HPOD_LOG1P_X86
__attribute__((target("avx2,fma"))) void log1p_avx2(const double* x, double* out, std::size_t n) {
  const __m256d one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0), half = _mm256_set1_pd(0.5);
  const __m256d sqrt2 = _mm256_set1_pd(kSqrt2), min_normal = _mm256_set1_pd(kMinNormal);
  const __m256d ln2hi = _mm256_set1_pd(kLn2Hi), ln2lo = _mm256_set1_pd(kLn2Lo), bias = _mm256_set1_pd(1023.0);
  // The exponent field (0 … 2047) as a double: its bits under those of 2^52, minus 2^52.
  const __m256d two52 = _mm256_set1_pd(kTwo52);
  const __m256i two52_bits = _mm256_set1_epi64x(static_cast<long long>(std::bit_cast<std::uint64_t>(kTwo52)));
  const __m256i mantissa = _mm256_set1_epi64x(static_cast<long long>(kMantissa));
  const __m256i one_bits = _mm256_set1_epi64x(static_cast<long long>(kOneBits));
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d xv = _mm256_loadu_pd(x + i);
    const __m256d u = _mm256_add_pd(one, xv);
    const __m256i bits = _mm256_castpd_si256(u);
    __m256d e = _mm256_sub_pd(
        _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(bits, 52), two52_bits)), two52), bias);
    __m256d m = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, mantissa), one_bits));
    const __m256d big = _mm256_cmp_pd(m, sqrt2, _CMP_GE_OQ);
    m = _mm256_blendv_pd(m, _mm256_mul_pd(m, half), big);
    e = _mm256_add_pd(e, _mm256_and_pd(big, one));
    const __m256d f = _mm256_sub_pd(m, one);
    const __m256d s = _mm256_div_pd(f, _mm256_add_pd(two, f));
    const __m256d z = _mm256_mul_pd(s, s);
    __m256d p = _mm256_set1_pd(kInvOdd[0]);
#pragma GCC unroll 16
    for (int c = 1; c < 11; ++c) p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(kInvOdd[c]));
    const __m256d log_m = _mm256_mul_pd(_mm256_add_pd(s, s), p);
    const __m256d log_u = _mm256_fmadd_pd(e, ln2hi, _mm256_fmadd_pd(e, ln2lo, log_m));
    __m256d r = _mm256_mul_pd(log_u, _mm256_div_pd(xv, _mm256_sub_pd(u, one)));
    r = _mm256_blendv_pd(r, xv, _mm256_cmp_pd(u, one, _CMP_EQ_OQ));
    // Rare lanes (u not a normal number ≥ DBL_MIN, or NaN) go to libm, as in log1p_lane;
    // x is kept first because out may alias it.
    const int rare = _mm256_movemask_pd(_mm256_cmp_pd(u, min_normal, _CMP_NGE_UQ));
    alignas(32) double xs[4];
    if (rare) _mm256_store_pd(xs, xv);
    _mm256_storeu_pd(out + i, r);
    if (rare)
      for (int l = 0; l < 4; ++l)
        if ((rare >> l) & 1) out[i + static_cast<std::size_t>(l)] = std::log1p(xs[l]);
  }
  for (; i < n; ++i) out[i] = log1p_lane(x[i]);
}
#endif

}  // namespace

namespace detail {
void log1p_batch_portable(const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = log1p_lane(x[i]);
}
}  // namespace detail

void log1p_batch(const double* x, double* out, std::size_t n) {
#ifdef HPOD_LOG1P_X86
  if (cpu_has_avx2_fma()) {
    log1p_avx2(x, out, n);
    return;
  }
#endif
  detail::log1p_batch_portable(x, out, n);
}

}  // namespace hpod::tpe
