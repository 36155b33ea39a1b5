// The one-sided Wilcoxon signed-rank test as scipy.stats.wilcoxon computes it with
// zero_method="zsplit", correction=False and method "auto" (scipy 1.10; docs/architecture.md
// "Known differences between Optuna versions").
#pragma once

#include <span>

namespace hpod {

enum class WilcoxonAlternative { kGreater, kLess };

// p-value for the differences `d` (n >= 1, all finite). Small samples (n <= 50) without
// zeros or tied |d| use the exact null distribution of the positive rank sum; otherwise
// the normal approximation with the tie correction of the variance.
double wilcoxon_signed_rank_pvalue(std::span<const double> d, WilcoxonAlternative alternative);

}  // namespace hpod
