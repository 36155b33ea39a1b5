// The scaled complementary error function erfcx(x) = exp(x²)·erfc(x), accurate to a few
// ulps where erfc itself underflows (x > 26.5): log expected improvement needs it for
// very negative z (optuna/_gp/acqf.py standard_logei (4.9)).
#pragma once

namespace hpod::gp {

double erfcx(double x);

// 1 − √π·x·erfcx(x) for x ≥ 0, without the cancellation of computing it that way for large
// x (there it tends to 1/(2x²)).
double one_minus_sqrt_pi_x_erfcx(double x);

}  // namespace hpod::gp
