// log1p for many arguments in [−1, 0] at once: the logs of the Parzen kernels' truncation
// masses, log(Φ(b) − Φ(a)) = log1p(−Φ(a) − Φ(−b)). With the wide bandwidths of
// multivariate TPE every kernel needs one, and libm's scalar log1p was ~1/6 of an ask.
//
// u = 1 + x is split into 2^k · m with m in [√½, √2); log m = 2·atanh(s), s = (m−1)/(m+1),
// as an odd series to s^21 (|s| ≤ 0.172: truncation below 1e-17 relative); then Goldberg's
// correction log1p(x) = log(u) · x / (u − 1) restores the bits lost in 1 + x. Within a few
// ulps of std::log1p (tested). Lanes with u below the normal range fall back to std::log1p.
// AVX2 + FMA when the CPU has them, else a portable path with the same operations.
#pragma once

#include <cstddef>

namespace hpod::tpe {

// out[i] = log1p(x[i]) for x[i] in [−1, 0] (and NaN for NaN); out may alias x.
void log1p_batch(const double* x, double* out, std::size_t n);

namespace detail {
void log1p_batch_portable(const double* x, double* out, std::size_t n);
}  // namespace detail

}  // namespace hpod::tpe
