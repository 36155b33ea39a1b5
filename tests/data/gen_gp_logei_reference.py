#!/usr/bin/python3
"""High-precision references for erfcx and the standard log expected improvement.

mpmath is not installed for Debian's Python, so this uses the standard library's
`decimal`: erf by its everywhere-positive series
    erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n * x / (1*3*...*(2n+1)),
then erfc = 1 - erf. The working precision is set per argument to the digits lost in
1 - erf (x^2*log10(e), e.g. 348 at x = 28.3) plus 80, so every printed double is the
correctly rounded value. Independent of the C++ code (which uses a continued fraction and
std::erfc). Writes gp_logei_reference.json next to this file.

    h(z)  = log(E[max(0, Z + z)]) = log(z * Phi(z) + phi(z)),  Z ~ N(0, 1)
    h'(z) = Phi(z) / (z * Phi(z) + phi(z))
"""
import json
import os
from decimal import Decimal, getcontext

getcontext().prec = 1100
D = Decimal


def pi():
    # Chudnovsky would be faster; Machin's formula is plenty at this precision.
    def arctan_inv(n):
        x = D(1) / n
        x2 = x * x
        s, t, k = D(0), x, 0
        while t != 0:
            term = t / (2 * k + 1)
            s += -term if k % 2 else term
            t *= x2
            k += 1
            if abs(term) < D(10) ** (-1010):
                break
        return s
    return 4 * (4 * arctan_inv(5) - arctan_inv(239))


PI = pi()
SQRT_PI = PI.sqrt()
SQRT2 = D(2).sqrt()


def set_precision(x):
    getcontext().prec = int(float(x) ** 2 * 0.4343) + 80


def erf(x):
    if x == 0:
        return D(0)
    x2 = x * x
    term = x
    s = x
    n = 0
    while True:
        n += 1
        term = term * 2 * x2 / (2 * n + 1)
        s += term
        if term < s * D(10) ** (-getcontext().prec - 5):
            break
    return 2 / SQRT_PI * (-x2).exp() * s


def erfc(x):
    if x < 0:
        return 2 - erfc(-x)
    return 1 - erf(x)


def Phi(z):
    return erfc(-z / SQRT2) / 2


def phi(z):
    return (-(z * z) / 2).exp() / (2 * PI).sqrt()


def h(z):
    return (z * Phi(z) + phi(z)).ln()


def dh(z):
    return Phi(z) / (z * Phi(z) + phi(z))


def erfcx(x):
    return (x * x).exp() * erfc(x)


def at(fn, arg, scale):
    """fn(arg) with the precision erfc needs at arg*scale, returned as a double."""
    a = D(repr(arg))
    set_precision(float(a) * scale)
    value = float(fn(a))
    getcontext().prec = 1100
    return value


zs = [10, 5, 3, 2, 1, 0.5, 0.1, 0, -0.1, -0.5, -1, -1.5, -2, -2.5, -3, -4, -5, -6, -7.5, -9, -10,
      -12, -15, -17.5, -20, -24.9, -25, -25.1, -26, -28, -30, -33, -36, -38, -40]
xs = [0, 1e-8, 0.01, 0.1, 0.3, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 5, 6,
      8, 10, 12.5, 15, 20, 25, 28.3, 30, -0.5, -1, -2, -3, -5]
out = {
    "generator": "tests/data/gen_gp_logei_reference.py (Python decimal, 1000 digits)",
    "standard_logei": [{"z": z, "h": at(h, z, 0.7072), "dh": at(dh, z, 0.7072)} for z in zs],
    "erfcx": [{"x": x, "value": at(erfcx, x, 1.0)} for x in xs],
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gp_logei_reference.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
print("wrote", path)
