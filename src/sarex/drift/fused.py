"""One numba pass per time step for gridded forcing: sample, leeway, move.

The general step of :func:`sarex.drift.simulate` samples the environment into
arrays, computes velocities into arrays and moves particles from arrays, one
kernel after the other: every phase streams all particles through memory. When
wind and current are both :class:`~sarex.environment.regular.RegularGridField`
(the common case), :func:`drift_step_kernel` does the whole step for a particle
in registers instead. It calls the very same inlined point functions
(:func:`~sarex.environment.regular.sample_point`'s
:func:`~sarex.environment.regular.locate` and :func:`~sarex.environment.regular.interpolate`,
:func:`~sarex.drift.kernels.leeway_velocity`,
:func:`~sarex.drift.geodesy.rhumb_step`) in the same order, so its results are
bit for bit those of the general step. It only reports the particles it cannot
handle (a sample outside the loaded window or on missing data); the caller then
runs the general step, which applies the outside-domain policy.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from sarex.drift.geodesy import _DEG, rhumb_step_sc
from sarex.drift.kernels import CAPSIZE_LEEWAY_FRACTION, capsize_draw, leeway_velocity
from sarex.environment.base import FLAG_OK
from sarex.environment.regular import axis_scale, interpolate, locate


CHUNK = 2048
"""Particles per chunk: the phases of a step run over a chunk whose scratch fits in L1/L2."""


@nb.njit(inline="always", cache=True, error_model="numpy")
def _sample(
    x, y, wu0, wv0, wxs0, wys0, wit0, wft0, cu0, cv0, cxs0, cys0, cit0, cft0, shared, scales
):  # pragma: no cover - numba
    """Wind and current at (x, y) (:func:`sample_point` of each) and the flag of the first failure.

    ``shared``: both windows have the same axes, so the cell and weights found for the
    wind serve the current too (the same numbers :func:`sample_point` would compute).
    ``scales``: :func:`axis_scale` of the wind's and the current's lon and lat axes.
    """
    i, j, w00, w10, w01, w11, flag = locate(wxs0, wys0, x, y, scales[0], scales[1])
    if flag != FLAG_OK:
        return 0.0, 0.0, 0.0, 0.0, flag
    wu, wv, flag = interpolate(wu0, wv0, wit0, wft0, i, j, w00, w10, w01, w11)
    if flag != FLAG_OK:
        return 0.0, 0.0, 0.0, 0.0, flag
    if not shared:
        i, j, w00, w10, w01, w11, flag = locate(cxs0, cys0, x, y, scales[2], scales[3])
        if flag != FLAG_OK:
            return 0.0, 0.0, 0.0, 0.0, flag
    cu, cv, flag = interpolate(cu0, cv0, cit0, cft0, i, j, w00, w10, w01, w11)
    return wu, wv, cu, cv, flag


@nb.njit(parallel=True, cache=True, error_model="numpy")
def drift_step_kernel(
    lon, lat, active, dt, rk2,
    wu0, wv0, wxs0, wys0, wit0, wft0,
    cu0, cv0, cxs0, cys0, cit0, cft0, shared0,
    wu1, wv1, wxs1, wys1, wit1, wft1,
    cu1, cv1, cxs1, cys1, cit1, cft1, shared1,
    a_dw, b_dw, side, z_cw, cw_coef, cls, leeway_factor,
    capsize, seed, pids, step, capsized,
    out_lon, out_lat, need, flips,
):  # pragma: no cover - numba
    """Positions after one step of ``dt`` s for the active particles (inactive ones copied).

    Window ``0`` (wind ``w``, current ``c``: data, axes, time index and fraction as
    returned by :meth:`RegularGridField.window_at`) is sampled at the start of the
    step; window ``1`` at its middle, for the explicit midpoint scheme (``rk2``).
    ``shared0``/``shared1``: wind and current windows have the same lon/lat axes.
    ``capsize``: draw capsizing from the wind at the start of the step
    (:func:`~sarex.drift.kernels.capsize_draw` with ``seed``, ``pids``, ``step``), as the
    general step does; ``flips`` is set 1 where a particle capsizes this step (0
    elsewhere): the caller applies it (the kernel changes no state, so it can be rerun).

    Each chunk of particles goes through the step in phases: sampling and leeway
    (gathers and branches, scalar) with the sine and cosine of the latitude, then
    the rhumb-line displacement (:func:`~sarex.drift.geodesy.rhumb_step_sc`: square
    roots and divisions only) in a branch-free loop the compiler vectorises. The
    arithmetic is the same as particle by particle (IEEE operations give the same
    results in vector registers; ``error_model="numpy"`` only drops the
    division-by-zero checks that would prevent vectorisation).

    Returns
    -------
    int
        Number of active particles for which a sample was not ``FLAG_OK``: their
        ``need`` is that flag (0 for every other particle), their position is copied
        and their state untouched, so the caller redoes the step for them alone.
    """
    n = lon.size
    n_chunks = (n + CHUNK - 1) // CHUNK
    sc0 = (axis_scale(wxs0), axis_scale(wys0), axis_scale(cxs0), axis_scale(cys0))
    sc1 = (axis_scale(wxs1), axis_scale(wys1), axis_scale(cxs1), axis_scale(cys1))
    half = 0.5 * dt
    multi = cls.size > 1  # cls: each particle's row of cw_coef (one 0 for a single class)
    n_bad = 0
    for c in nb.prange(n_chunks):
        b0 = c * CHUNK
        m = min(CHUNK, n - b0)
        ve = np.zeros(m)
        vn = np.zeros(m)
        s0 = np.empty(m)
        c0 = np.empty(m)
        go = np.zeros(m, dtype=np.bool_)
        lf = np.empty(m)  # the leeway factor after this step's capsizing draw
        flip = np.zeros(m, dtype=np.bool_)
        bad = 0
        for k in range(m):
            p = b0 + k
            phi = lat[p] * _DEG
            s0[k] = math.sin(phi)
            c0[k] = math.cos(phi)
            need[p] = FLAG_OK
            if active[p]:
                wu, wv, cu, cv, flag = _sample(
                    lon[p], lat[p], wu0, wv0, wxs0, wys0, wit0, wft0, cu0, cv0, cxs0, cys0, cit0, cft0, shared0, sc0
                )
                if flag == FLAG_OK:
                    ve[k], vn[k] = leeway_velocity(
                        wu, wv, cu, cv, a_dw[p], b_dw[p], side[p], z_cw[p], cw_coef, (cls[p] if multi else cls[0]), leeway_factor[p]
                    )
                    go[k] = True
                    lf[k] = leeway_factor[p]
                    if capsize and capsized[p] == 0 and capsize_draw(wu, wv, dt, seed, pids[p], step):
                        flip[k] = True
                        lf[k] = CAPSIZE_LEEWAY_FRACTION
                else:
                    need[p] = flag
                    bad += 1
        if rk2:
            mx = np.empty(m)
            my = np.empty(m)
            for k in range(m):
                p = b0 + k
                mx[k], my[k] = rhumb_step_sc(lon[p], lat[p], s0[k], c0[k], ve[k], vn[k], half)
            for k in range(m):
                if go[k]:
                    p = b0 + k
                    wu, wv, cu, cv, flag = _sample(
                        mx[k], my[k], wu1, wv1, wxs1, wys1, wit1, wft1, cu1, cv1, cxs1, cys1, cit1, cft1, shared1, sc1
                    )
                    if flag == FLAG_OK:
                        ve[k], vn[k] = leeway_velocity(
                            wu, wv, cu, cv, a_dw[p], b_dw[p], side[p], z_cw[p], cw_coef, (cls[p] if multi else cls[0]), lf[k]
                        )
                    else:
                        go[k] = False
                        need[p] = flag
                        bad += 1
        nx = np.empty(m)
        ny = np.empty(m)
        for k in range(m):  # kept free of the selection below, which stops vectorisation
            p = b0 + k
            nx[k], ny[k] = rhumb_step_sc(lon[p], lat[p], s0[k], c0[k], ve[k], vn[k], dt)
        for k in range(m):
            p = b0 + k
            out_lon[p] = nx[k] if go[k] else lon[p]
            out_lat[p] = ny[k] if go[k] else lat[p]
        if capsize:
            for k in range(m):
                flips[b0 + k] = 1 if (go[k] and flip[k]) else 0
        n_bad += bad
    return n_bad
