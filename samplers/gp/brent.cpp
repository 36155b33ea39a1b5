#include "samplers/gp/brent.hpp"

#include <cmath>

namespace hpod::gp {

double brent_minimize(const std::function<double(double)>& f, double a, double b, double x0, double xtol,
                      int max_evaluations) {
  const double golden = 0.5 * (3.0 - std::sqrt(5.0));
  double x = x0, w = x0, v = x0;
  double fx = f(x0), fw = fx, fv = fx;
  double d = 0.0, e = 0.0;  // the last step and the one before it
  for (int evaluations = 1; evaluations < max_evaluations; ++evaluations) {
    const double mid = 0.5 * (a + b);
    const double tol1 = xtol, tol2 = 2.0 * xtol;
    if (std::fabs(x - mid) <= tol2 - 0.5 * (b - a)) break;
    bool golden_step = true;
    if (std::fabs(e) > tol1) {
      // Parabola through (x, fx), (w, fw), (v, fv); accepted if it falls inside the
      // bracket and moves less than half the step before last.
      double r = (x - w) * (fx - fv);
      double q = (x - v) * (fx - fw);
      double p = (x - v) * q - (x - w) * r;
      q = 2.0 * (q - r);
      if (q > 0.0) p = -p;
      else q = -q;
      const double previous = e;
      e = d;
      if (std::fabs(p) < std::fabs(0.5 * q * previous) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q;
        const double u = x + d;
        if (u - a < tol2 || b - u < tol2) d = x < mid ? tol1 : -tol1;
        golden_step = false;
      }
    }
    if (golden_step) {
      e = x < mid ? b - x : a - x;
      d = golden * e;
    }
    const double u = x + (std::fabs(d) >= tol1 ? d : (d > 0.0 ? tol1 : -tol1));
    const double fu = f(u);
    if (fu <= fx) {
      if (u < x) b = x;
      else a = x;
      v = w, fv = fw;
      w = x, fw = fx;
      x = u, fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w == x) {
        v = w, fv = fw;
        w = u, fw = fu;
      } else if (fu <= fv || v == x || v == w) {
        v = u, fv = fu;
      }
    }
  }
  return x;
}

}  // namespace hpod::gp
