"""Branch-free sine, cosine, logarithm and exponential for particle loops the compiler vectorises.

numba calls the C library for ``math.sin``/``math.cos``/``math.log``, one particle at a
time: in a drift step they cost more than the rest of the arithmetic (sine and cosine of
each latitude for the rhumb-line step; a logarithm, a sine and a cosine for each normal
draw of the forcing error). numba vectorises these calls only with Intel's SVML, which
the llvmlite wheels do not carry. The functions here are plain polynomial arithmetic
(Taylor series on a reduced range, in Horner form; e.g. Muller 2016, *Elementary
Functions*, ch. 3 and 11), so loops calling them vectorise; they are accurate to a few
units in the last place on their stated ranges (tested against the C library).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

_LN2 = math.log(2.0)
# ln 2 in two parts (the first with its low 32 bits zero, so k·_LN2_HI is exact for |k| < 2**20)
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_SQRT2 = math.sqrt(2.0)
_MANTISSA = np.int64(0x000FFFFFFFFFFFFF)
_ONE_BITS = np.int64(0x3FF0000000000000)


@nb.njit(inline="always", cache=True)
def sincos_quarter(x):  # pragma: no cover - numba
    """(sin x, cos x) for |x| <= π/4 (Taylor to x¹⁷ and x¹⁶: truncation below 1e-17)."""
    z = x * x
    s = x * (1.0 + z * (-1.0 / 6.0 + z * (1.0 / 120.0 + z * (-1.0 / 5040.0 + z * (1.0 / 362880.0 + z * (
        -1.0 / 39916800.0 + z * (1.0 / 6227020800.0 + z * (-1.0 / 1307674368000.0 + z * (1.0 / 355687428096000.0)))))))))
    c = 1.0 + z * (-0.5 + z * (1.0 / 24.0 + z * (-1.0 / 720.0 + z * (1.0 / 40320.0 + z * (-1.0 / 3628800.0 + z * (
        1.0 / 479001600.0 + z * (-1.0 / 87178291200.0 + z * (1.0 / 20922789888000.0))))))))
    return s, c


@nb.njit(inline="always", cache=True)
def sincos_half_pi(x):  # pragma: no cover - numba
    """(sin x, cos x) for |x| <= π/2 (a latitude in radians): the half angle, doubled once."""
    s, c = sincos_quarter(0.5 * x)
    return 2.0 * s * c, (c - s) * (c + s)


@nb.njit(inline="always", cache=True)
def cos_sin_turn(u):  # pragma: no cover - numba
    """(cos 2πu, sin 2πu) for 0 <= u < 1: the quarter of the angle shifted by half a turn, doubled twice."""
    s, c = sincos_quarter((u - 0.5) * (0.5 * math.pi))
    s, c = 2.0 * s * c, (c - s) * (c + s)
    s, c = 2.0 * s * c, (c - s) * (c + s)
    return -c, -s


@nb.njit(inline="always", cache=True)
def log_positive(x):  # pragma: no cover - numba
    """Natural logarithm of a positive normal float: exponent from the bits, log of the
    mantissa in [√½, √2) by the series of 2·atanh((m − 1)/(m + 1)) to the 23rd power."""
    bits = np.float64(x).view(np.int64)
    e = (bits >> 52) - 1023
    m = np.int64((bits & _MANTISSA) | _ONE_BITS).view(np.float64)
    big = m > _SQRT2
    m = 0.5 * m if big else m
    e = e + 1 if big else e
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    t = 1.0 + z * (1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z * (1.0 / 9.0 + z * (1.0 / 11.0 + z * (
        1.0 / 13.0 + z * (1.0 / 15.0 + z * (1.0 / 17.0 + z * (1.0 / 19.0 + z * (1.0 / 21.0 + z * (1.0 / 23.0)))))))))))
    return e * _LN2 + 2.0 * s * t


@nb.njit(inline="always", cache=True)
def exp_reduced(x):  # pragma: no cover - numba
    """e^x for |x| <= 700: ``2^k · e^r`` with ``k`` the nearest integer to ``x / ln 2``
    (``|r| <= ln 2 / 2``, reduced with ln 2 in two parts) and ``e^r`` by its Taylor
    series to ``r^13`` (truncation below 1e-17); NaN gives NaN."""
    k = math.floor(x * (1.0 / _LN2) + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 + r * (1.0 + r * (1.0 / 2.0 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (
        1.0 / 5040.0 + r * (1.0 / 40320.0 + r * (1.0 / 362880.0 + r * (1.0 / 3628800.0 + r * (1.0 / 39916800.0 + r * (
            1.0 / 479001600.0 + r * (1.0 / 6227020800.0)))))))))))))
    # 2^k from its bits; a NaN k gives some power of two, and p is NaN then
    k = k if abs(k) < 1023.0 else 0.0
    return p * np.int64((np.int64(k) + 1023) << 52).view(np.float64)
