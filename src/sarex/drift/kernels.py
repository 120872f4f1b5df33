"""Numba kernels of the Leeway model: leeway velocity and jibing.

Formulation (Allen & Plourde 1999; Allen 2005; Breivik & Allen 2008, *J. Mar.
Syst.* 69): for a 10 m wind of speed U and downwind unit vector d, an object's
leeway is ``L_dw·d + L_cw·r`` with r the unit vector 90° to the right of downwind,
``L = (a + ε/20)·U + b + ε/2`` for each component (slope a as a fraction of U;
offset b and ε in m/s; the "20" and "2" make the perturbation equal ε at U = 10 m/s).
ε_dw is drawn once per particle; the crosswind draw is kept as a standard normal z
so that ``ε_cw = z·S_side`` uses the standard error of the side the object is on.
Left-side coefficients are negative in the table, so ``L_cw`` is negative on the left.
Jibing (switching side) happens with probability ``1 − exp(−λ·dt)`` per step.
Capsizing follows OpenDrift's Leeway model (its defaults): hourly probability
``0.5 + 0.5·tanh((U − 30 m/s)/5 m/s)``, the leeway reduced to 40 % afterwards.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from sarex.drift.rng import uniform01, uniform_keyed

#: Counter-based stream of the jibing draws (see :func:`sarex.drift.rng.stream_keys`).
JIBE_STREAM = 1

CAPSIZE_WIND_THRESHOLD_M_S = 30.0
CAPSIZE_WIND_SIGMA_M_S = 5.0
CAPSIZE_LEEWAY_FRACTION = 0.4
_CAPSIZE_STREAM = 2  # counter-based stream of the capsizing draws (jibing uses 1)


class Crosswind(NamedTuple):
    """Crosswind leeway coefficients of a particle's class on its side of downwind (SI)."""

    slope: float
    offset: float
    #: standard error, m/s (ε_cw = z·std)
    std: float


class LeewayState(NamedTuple):
    """Each particle's leeway draws and state, as the velocity kernels read them (arrays, one element per particle)."""

    #: a_dw + ε/20 (fraction of U10) and b_dw + ε/2 (m/s)
    dw_slope: np.ndarray
    dw_offset: np.ndarray
    #: 0 right / 1 left of downwind
    side: np.ndarray
    #: standard-normal crosswind draw
    z_cw: np.ndarray
    #: (a_right, b_right, S_right, a_left, b_left, S_left) in SI per class row
    cw_coef: np.ndarray
    #: each particle's row of ``cw_coef`` (one 0 for a single class)
    cls: np.ndarray
    #: scales the leeway (1, or :data:`CAPSIZE_LEEWAY_FRACTION` after capsizing)
    leeway_factor: np.ndarray
    #: the forcing error's velocity, m/s east/north (zeros without one: :mod:`sarex.drift.forcing_error`)
    du: np.ndarray
    dv: np.ndarray


@nb.njit(inline="always", cache=True)
def crosswind_coefficients(cw_coef, c, side):  # pragma: no cover - numba
    """:class:`Crosswind` coefficients of class row ``c`` on ``side`` (0 right, 1 left)."""
    k = 3 * side
    return Crosswind(cw_coef[c, k], cw_coef[c, k + 1], cw_coef[c, k + 2])


@nb.njit(inline="always", cache=True)
def class_row(cls, p):  # pragma: no cover - numba
    """Particle ``p``'s row of the crosswind table (``cls`` of size 1: one class for all)."""
    return cls[p] if cls.size > 1 else cls[0]


@nb.njit(inline="always", cache=True)
def leeway_from_coefficients(wu, wv, cu, cv, a_dw, b_dw, cw, z_cw, f):  # pragma: no cover - numba
    """Object velocity (current + leeway) of one particle, m/s east/north, given its :class:`Crosswind` ``cw``.

    ``a_dw``/``b_dw`` are the particle's downwind slope/offset with ε already folded in;
    ``f`` scales the leeway (e.g. after capsizing). Branch-free (a select for calm wind),
    so loops over particles vectorise.
    """
    speed = math.sqrt(wu * wu + wv * wv)
    calm = not speed > 0.0
    inv = 0.0 if calm else 1.0 / speed
    de = 0.0 if calm else wu * inv
    dn = 1.0 if calm else wv * inv
    eps = z_cw * cw.std
    l_dw = a_dw * speed + b_dw
    l_cw = (cw.slope + eps * 0.05) * speed + cw.offset + eps * 0.5  # ε/20, ε/2
    # right of downwind: (dn, -de)
    return cu + f * (l_dw * de + l_cw * dn), cv + f * (l_dw * dn - l_cw * de)


@nb.njit(inline="always", cache=True)
def object_velocity(wu, wv, cu, cv, lw, p, cw, f):  # pragma: no cover - numba
    """The velocity of particle ``p`` (m/s east, north): the current, its leeway scaled by ``f``, its forcing error.

    The one definition of the velocity's terms, used by the fused step
    (:func:`~sarex.drift.fused.drift_step_kernel`) and the general one
    (:func:`leeway_velocity_kernel`) alike, so both give the same numbers: wind
    ``(wu, wv)`` and current ``(cu, cv)`` sampled at the particle, ``lw`` its
    :class:`LeewayState`, ``cw`` its :class:`Crosswind` coefficients. A new term is added here.
    """
    e, n = leeway_from_coefficients(wu, wv, cu, cv, lw.dw_slope[p], lw.dw_offset[p], cw, lw.z_cw[p], f)
    return e + lw.du[p], n + lw.dv[p]


@nb.njit(parallel=True, cache=True)
def leeway_velocity_kernel(wu, wv, cu, cv, lw, active, out_ve, out_vn):  # pragma: no cover - numba
    """:func:`object_velocity` of every active particle: wind ``wu``/``wv``, current ``cu``/``cv`` (m/s), ``lw`` a :class:`LeewayState`.

    ``out_ve``/``out_vn`` filled (m/s) where ``active``.
    """
    # A tuple of arrays of different types does not enter a parallel loop: its arrays do, by name.
    dw_slope, dw_offset, side, z_cw, cw_coef, cls = lw.dw_slope, lw.dw_offset, lw.side, lw.z_cw, lw.cw_coef, lw.cls
    leeway_factor, du, dv = lw.leeway_factor, lw.du, lw.dv
    for p in nb.prange(wu.size):
        if not active[p]:
            continue
        one = LeewayState(dw_slope, dw_offset, side, z_cw, cw_coef, cls, leeway_factor, du, dv)
        cw = crosswind_coefficients(cw_coef, class_row(cls, p), side[p])
        out_ve[p], out_vn[p] = object_velocity(wu[p], wv[p], cu[p], cv[p], one, p, cw, leeway_factor[p])


@nb.njit(parallel=True, cache=True)
def jibe_kernel(side, keys, step, p_jibe, active):  # pragma: no cover - numba
    """Flip side (0 right / 1 left) of active particles with probability ``p_jibe`` this step.

    ``keys``: the particles' :func:`~sarex.drift.rng.stream_keys` of :data:`JIBE_STREAM`.
    Every particle's draw is computed (a pure function of its counter) and applied where
    active: without a branch the loop vectorises.
    """
    n = 0
    for p in nb.prange(side.size):
        flip = active[p] & (uniform_keyed(keys[p], step) < p_jibe)
        side[p] = (1 - side[p]) if flip else side[p]
        n += 1 if flip else 0
    return n


@nb.njit(inline="always", cache=True)
def capsize_draw(wu, wv, dt, seed, pid, step):  # pragma: no cover - numba
    """Whether an upright particle in wind (wu, wv) m/s capsizes during a step of ``dt`` s."""
    speed = math.sqrt(wu * wu + wv * wv)
    p = (0.5 + 0.5 * math.tanh((speed - CAPSIZE_WIND_THRESHOLD_M_S) / CAPSIZE_WIND_SIGMA_M_S)) * dt / 3600.0
    return uniform01(seed, pid, step, _CAPSIZE_STREAM) < p


@nb.njit(parallel=True, cache=True)
def capsize_kernel(wu, wv, dt, seed, pids, step, active, capsized, leeway_factor):  # pragma: no cover - numba
    """:func:`capsize_draw` for every active upright particle; capsized ones get the reduced leeway."""
    for p in nb.prange(wu.size):
        if active[p] and capsized[p] == 0 and capsize_draw(wu[p], wv[p], dt, seed, pids[p], step):
            capsized[p] = 1
            leeway_factor[p] = CAPSIZE_LEEWAY_FRACTION


def jibe_probability_per_step(p_per_hour: float, dt_s: float) -> float:
    """Per-step jibing probability from an hourly probability (Breivik & Allen 2008)."""
    if p_per_hour <= 0.0:
        return 0.0
    rate = -math.log(1.0 - p_per_hour) / 3600.0
    return 1.0 - math.exp(-rate * abs(dt_s))
