#include "samplers/tpe/erf_batch.hpp"

#include <array>
#include <cmath>
#include <numbers>

#include "samplers/tpe/cpu_features.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HPOD_ERF_X86 1
#endif

namespace hpod::tpe {

namespace {

constexpr int kCentres = 13;  // 0, 0.5, …, 6
constexpr int kDegree = 16;
constexpr double kSpacing = 0.5;
constexpr double kSaturation = 6.25;  // |t| beyond: erf = ±1

// coef[c][k] = erf^{(k)}(t_c) / k!, stored highest degree first for Horner.
struct Table {
  std::array<std::array<double, kDegree + 1>, kCentres> coef;
};

const Table& table() {
  static const Table t = [] {
    Table out{};
    for (int c = 0; c < kCentres; ++c) {
      const long double t0 = c * static_cast<long double>(kSpacing);
      // erf^{(n)}(t) = 2/√π · (−1)^{n−1} H_{n−1}(t) e^{−t²}, with the physicists' Hermite
      // polynomials H_0 = 1, H_1 = 2t, H_{m+1} = 2t·H_m − 2m·H_{m−1}.
      const long double g = 2.0L / std::sqrt(std::numbers::pi_v<long double>) * std::exp(-t0 * t0);
      std::array<long double, kDegree + 1> hermite{};
      hermite[0] = 1.0L;
      hermite[1] = 2.0L * t0;
      for (int m = 1; m < kDegree; ++m)
        hermite[static_cast<std::size_t>(m + 1)] = 2.0L * t0 * hermite[static_cast<std::size_t>(m)] - 2.0L * m * hermite[static_cast<std::size_t>(m - 1)];
      std::array<long double, kDegree + 1> k{};
      k[0] = std::erf(t0);
      long double factorial = 1.0L;
      for (int n = 1; n <= kDegree; ++n) {
        factorial *= n;
        const long double sign = (n - 1) % 2 == 0 ? 1.0L : -1.0L;
        k[static_cast<std::size_t>(n)] = g * sign * hermite[static_cast<std::size_t>(n - 1)] / factorial;
      }
      for (int n = 0; n <= kDegree; ++n)
        out.coef[static_cast<std::size_t>(c)][static_cast<std::size_t>(kDegree - n)] = static_cast<double>(k[static_cast<std::size_t>(n)]);
    }
    return out;
  }();
  return t;
}

inline double erf_lane(double t, const Table& tab) {
  const double a = std::fabs(t);
  if (!(a < kSaturation)) return std::copysign(1.0, t);
  const double centre = std::nearbyint(a * (1.0 / kSpacing));
  const double h = std::fma(-centre, kSpacing, a);
  const auto& c = tab.coef[static_cast<std::size_t>(centre)];
  double p = c[0];
#pragma GCC unroll 16
  for (int k = 1; k <= kDegree; ++k) p = std::fma(p, h, c[static_cast<std::size_t>(k)]);
  return std::copysign(p, t);
}

#ifdef HPOD_ERF_X86
__attribute__((target("avx2,fma"))) void erf_avx2(const double* t, double* out, std::size_t n, const Table& tab) {
  const __m256d sign_mask = _mm256_set1_pd(-0.0), inv_spacing = _mm256_set1_pd(1.0 / kSpacing);
  const __m256d spacing = _mm256_set1_pd(kSpacing), saturation = _mm256_set1_pd(kSaturation);
  const __m256d one = _mm256_set1_pd(1.0), last_centre = _mm256_set1_pd(kCentres - 1);
  const double* base = &tab.coef[0][0];
  const __m256i stride = _mm256_set1_epi64x(kDegree + 1);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d x = _mm256_loadu_pd(t + i);
    const __m256d sign = _mm256_and_pd(x, sign_mask);
    const __m256d a = _mm256_andnot_pd(sign_mask, x);
    const __m256d saturated = _mm256_cmp_pd(a, saturation, _CMP_NLT_UQ);
    // Saturated lanes evaluate the last centre's polynomial and are replaced below.
    const __m256d centre = _mm256_min_pd(_mm256_round_pd(_mm256_mul_pd(a, inv_spacing), _MM_FROUND_TO_NEAREST_INT), last_centre);
    const __m256d h = _mm256_fnmadd_pd(centre, spacing, a);
    const __m256i row = _mm256_mul_epu32(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(centre)), stride);
    __m256d p = _mm256_i64gather_pd(base, row, 8);
#pragma GCC unroll 16  // see sum_exp.cpp
    for (int k = 1; k <= kDegree; ++k)
      p = _mm256_fmadd_pd(p, h, _mm256_i64gather_pd(base + k, row, 8));
    p = _mm256_blendv_pd(p, one, saturated);
    _mm256_storeu_pd(out + i, _mm256_or_pd(p, sign));
  }
  for (; i < n; ++i) out[i] = erf_lane(t[i], tab);
}
#endif

}  // namespace

namespace detail {
void erf_batch_portable(const double* t, double* out, std::size_t n) {
  const Table& tab = table();
  for (std::size_t i = 0; i < n; ++i) out[i] = erf_lane(t[i], tab);
}
}  // namespace detail

void erf_batch(const double* t, double* out, std::size_t n) {
#ifdef HPOD_ERF_X86
  if (cpu_has_avx2_fma()) {
    erf_avx2(t, out, n, table());
    return;
  }
#endif
  detail::erf_batch_portable(t, out, n);
}

}  // namespace hpod::tpe
