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

import numba as nb

from sarex.drift.rng import uniform01, uniform_keyed

#: Counter-based stream of the jibing draws (see :func:`sarex.drift.rng.stream_keys`).
JIBE_STREAM = 1

CAPSIZE_WIND_THRESHOLD_M_S = 30.0
CAPSIZE_WIND_SIGMA_M_S = 5.0
CAPSIZE_LEEWAY_FRACTION = 0.4
_CAPSIZE_STREAM = 2  # counter-based stream of the capsizing draws (jibing uses 1)


@nb.njit(inline="always", cache=True)
def leeway_velocity(wu, wv, cu, cv, a_dw, b_dw, side, z_cw, cw_coef, c, f):  # pragma: no cover - numba
    """Object velocity (current + leeway) of one particle, m/s east/north.

    ``cw_coef[c]`` is (a_right, b_right, S_right, a_left, b_left, S_left) in SI of the
    particle's object class ``c`` (one row per class of a mixture, one row otherwise);
    ``a_dw``/``b_dw`` are the particle's downwind slope/offset with ε already folded in;
    ``f`` scales the leeway (e.g. after capsizing).
    """
    a_cw, b_cw, s_cw = crosswind_coefficients(cw_coef, c, side)
    return leeway_from_coefficients(wu, wv, cu, cv, a_dw, b_dw, a_cw, b_cw, s_cw, z_cw, f)


@nb.njit(inline="always", cache=True)
def crosswind_coefficients(cw_coef, c, side):  # pragma: no cover - numba
    """Crosswind slope, offset and standard error (SI) of class row ``c`` on ``side`` (0 right, 1 left)."""
    k = 3 * side
    return cw_coef[c, k], cw_coef[c, k + 1], cw_coef[c, k + 2]


@nb.njit(inline="always", cache=True)
def leeway_from_coefficients(wu, wv, cu, cv, a_dw, b_dw, a_cw, b_cw, s_cw, z_cw, f):  # pragma: no cover - numba
    """:func:`leeway_velocity` given the crosswind slope, offset and standard error of the particle's side.

    Branch-free (a select for calm wind), so loops over particles vectorise.
    """
    speed = math.sqrt(wu * wu + wv * wv)
    calm = not speed > 0.0
    inv = 0.0 if calm else 1.0 / speed
    de = 0.0 if calm else wu * inv
    dn = 1.0 if calm else wv * inv
    eps = z_cw * s_cw
    l_dw = a_dw * speed + b_dw
    l_cw = (a_cw + eps * 0.05) * speed + b_cw + eps * 0.5  # ε/20, ε/2
    # right of downwind: (dn, -de)
    return cu + f * (l_dw * de + l_cw * dn), cv + f * (l_dw * dn - l_cw * de)


@nb.njit(parallel=True, cache=True)
def leeway_velocity_kernel(
    wu, wv, cu, cv, a_dw, b_dw, side, z_cw, cw_coef, cls, leeway_factor, du, dv, active, out_ve, out_vn
):  # pragma: no cover - numba
    """:func:`leeway_velocity` plus the forcing-error velocity ``du``/``dv`` for every active particle.

    Arrays in, ``out_ve``/``out_vn`` filled (m/s). ``cls``: each particle's row of
    ``cw_coef`` (an array of one 0 for a single class); ``du``/``dv`` zeros without a
    forcing error.
    """
    multi = cls.size > 1
    for p in nb.prange(wu.size):
        if not active[p]:
            continue
        e, n = leeway_velocity(
            wu[p], wv[p], cu[p], cv[p], a_dw[p], b_dw[p], side[p], z_cw[p], cw_coef, (cls[p] if multi else cls[0]), leeway_factor[p]
        )
        out_ve[p] = e + du[p]
        out_vn[p] = n + dv[p]


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
