// ln 2 as two doubles, for the exponent arithmetic of the vector exp (sum_exp) and log
// (log1p_batch): k·kLn2Hi is exact for |k| < 2^11 and kLn2Lo carries the rest.
#pragma once

namespace hpod::tpe {

inline constexpr double kLn2Hi = 0.693147180369123816490;
inline constexpr double kLn2Lo = 1.90821492927058770002e-10;

}  // namespace hpod::tpe
