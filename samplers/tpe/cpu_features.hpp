// Run-time choice of the AVX2 + FMA code paths (sum_exp, erf_batch, log1p_batch). Each such path has a
// portable twin doing the same fused operations in the same order, so results do not
// depend on the CPU.
#pragma once

namespace hpod::tpe {

inline bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

}  // namespace hpod::tpe
