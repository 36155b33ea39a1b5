// Python Decimal emulation for the step adjustment of float distributions
// (optuna/distributions.py (4.9), _adjust_discrete_uniform_high).
//
// Optuna computes `high` on the step grid with decimal.Decimal built from str(float), in
// the default context (28 significant digits, ROUND_HALF_EVEN). Plain binary floating
// point gets (0.1, 1.0, step 0.2) wrong, so we redo the decimal arithmetic with 128-bit
// coefficients; that covers every realistic range exactly. Spans wider than 10^36 (e.g.
// low 1e-30, high 1e10) fall back to long double, documented in README.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "hpod/distributions.hpp"

namespace hpod {
namespace {

using u128 = unsigned __int128;

constexpr int kPrecision = 28;

u128 pow10(int n) {
  u128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

int digit_count(u128 v) {
  int n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// value = (negative ? -1 : 1) * coef * 10^exp
struct Dec {
  bool negative = false;
  u128 coef = 0;
  int exp = 0;
};

Dec from_double(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  Dec d;
  std::size_t i = 0;
  if (s[i] == '-') {
    d.negative = true;
    ++i;
  }
  int ndigits_after_point = 0;
  bool after_point = false;
  for (; i < s.size() && s[i] != 'e'; ++i) {
    if (s[i] == '.') {
      after_point = true;
      continue;
    }
    d.coef = d.coef * 10 + static_cast<unsigned>(s[i] - '0');
    if (after_point) ++ndigits_after_point;
  }
  int e = std::atoi(s.c_str() + i + 1);
  d.exp = e - ndigits_after_point;
  if (d.coef == 0) d.negative = false;
  return d;
}

// Round to kPrecision significant digits, half to even.
Dec round_context(Dec d) {
  int n = digit_count(d.coef);
  if (n <= kPrecision) return d;
  int drop = n - kPrecision;
  u128 div = pow10(drop);
  u128 q = d.coef / div;
  u128 r = d.coef % div;
  u128 half = div / 2;
  if (r > half || (r == half && (q % 2 == 1))) ++q;
  d.coef = q;
  d.exp += drop;
  if (digit_count(d.coef) > kPrecision) {  // 999.. rounded up to 1000..
    d.coef /= 10;
    d.exp += 1;
  }
  return d;
}

// Scales a and b to a common exponent; false if that would overflow 128 bits.
bool align(Dec& a, Dec& b) {
  if (a.exp == b.exp) return true;
  Dec& hi = a.exp > b.exp ? a : b;
  int lower = a.exp > b.exp ? b.exp : a.exp;
  int shift = hi.exp - lower;
  if (digit_count(hi.coef) + shift > 37) return false;
  hi.coef *= pow10(shift);
  hi.exp = lower;
  return true;
}

std::optional<Dec> add(Dec a, Dec b) {
  if (!align(a, b)) return std::nullopt;
  Dec r;
  r.exp = a.exp;
  if (a.negative == b.negative) {
    r.coef = a.coef + b.coef;
    r.negative = a.negative;
  } else if (a.coef >= b.coef) {
    r.coef = a.coef - b.coef;
    r.negative = a.negative;
  } else {
    r.coef = b.coef - a.coef;
    r.negative = b.negative;
  }
  if (r.coef == 0) r.negative = false;
  return round_context(r);
}

std::optional<Dec> sub(Dec a, Dec b) {
  b.negative = !b.negative;
  if (b.coef == 0) b.negative = false;
  return add(a, b);
}

double to_double(const Dec& d) {
  std::string s;
  if (d.negative) s += '-';
  // print u128
  std::string digits;
  u128 c = d.coef;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(c % 10)));
    c /= 10;
  } while (c != 0);
  s += digits;
  s += 'e';
  s += std::to_string(d.exp);
  double out = 0;
  std::from_chars(s.data(), s.data() + s.size(), out);
  return out;
}

// floor(a / b) for a >= 0, b > 0, exactly; nullopt on overflow.
std::optional<u128> floor_div(Dec a, Dec b) {
  if (!align(a, b)) return std::nullopt;
  return a.coef / b.coef;
}

}  // namespace

namespace decimal {

double adjust_high(double low, double high, double step) {
  Dec dl = from_double(low), dh = from_double(high), ds = from_double(step);
  auto r = sub(dh, dl);
  if (r && !r->negative) {
    if (auto q = floor_div(*r, ds)) {
      Dec prod{false, *q, 0};
      // q * step, exact then rounded to context
      int qd = digit_count(*q), sd = digit_count(ds.coef);
      if (qd + sd <= 38) {
        prod.coef = *q * ds.coef;
        prod.exp = ds.exp;
        prod = round_context(prod);
        if (auto out = add(prod, dl)) return to_double(*out);
      }
    }
  }
  long double lr = static_cast<long double>(high) - low;
  long double q = std::floor(lr / step);
  return static_cast<double>(q * step + low);
}

bool range_less_than_step(double low, double high, double step) {
  auto r = sub(from_double(high), from_double(low));
  if (r) {
    Dec s = from_double(step);
    Dec rr = *r;
    if (align(rr, s)) {
      if (rr.negative) return true;
      return rr.coef < s.coef;
    }
  }
  return static_cast<long double>(high) - low < step;
}

bool is_multiple(double low, double high, double step) {
  auto r = sub(from_double(high), from_double(low));
  if (!r) return std::fmod(high - low, step) == 0.0;
  Dec rr = *r, s = from_double(step);
  if (!align(rr, s)) return std::fmod(high - low, step) == 0.0;
  return rr.coef % s.coef == 0;
}

}  // namespace decimal
}  // namespace hpod
