"""One numba pass per time step for gridded forcing: sample, leeway, move.

The general step of :func:`sarex.drift.simulate` samples the environment into
arrays, computes velocities into arrays and moves particles from arrays, one
kernel after the other: every phase streams all particles through memory. When
wind and current are both :class:`~sarex.environment.regular.RegularGridField`
(the common case, on the same grid or not), :func:`drift_step_kernel` does the whole
step chunk by chunk in cache instead. Each field is sampled from the cells of the window
interpolated to the sample's time once per step
(:func:`~sarex.environment.gridsample.time_cells`), not from two time levels per
particle. It does the same arithmetic as the general step
(:func:`~sarex.environment.gridsample.locate` and :func:`~sarex.environment.gridsample.blend`
on the same node values, :func:`~sarex.drift.kernels.leeway_from_coefficients`,
:func:`~sarex.drift.geodesy.rhumb_step`) in the same order, so its results are
bit for bit those of the general step. It only reports the particles it cannot
handle (a sample outside the loaded window or on missing data); the caller then
runs the general step, which applies the outside-domain policy.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from sarex.drift.geodesy import _DEG, rhumb_step_sc, stage_point_sc
from sarex.drift.kernels import CAPSIZE_LEEWAY_FRACTION, capsize_draw, crosswind_coefficients, leeway_from_coefficients
from sarex.vecmath import sincos_half_pi
from sarex.environment.base import FLAG_OK
from sarex.environment.gridsample import sample_cells_many


CHUNK = 2048
"""Particles per chunk: the phases of a step run over a chunk whose scratch fits in L1/L2."""


@nb.njit(cache=True, error_model="numpy")
def _velocities(xa, ya, m, use, b0, wp, wxs, wys, wad, cp, cxs, cys, cad, sc,  # pragma: no cover - numba
                a_dw, b_dw, coef, z_cw, lf, du, dv, ve, vn, draw, dt, seed, pids, step, capsized, flip):
    """Object velocity at ``(xa[k], ya[k])`` for the chunk's particles ``b0 + k`` where ``use[k]``.

    Samples wind and current (:func:`~sarex.environment.gridsample.sample_cells_many`) into
    the scratch ``sc``, then the leeway (crosswind coefficients of each particle's side
    in ``coef``, leeway factor ``lf[k]``) plus the forcing error into ``ve``/``vn``. The
    flag of each point ends in ``sc``'s wind flags (the wind's failure first, as the
    general path reports it); ``draw``: the capsizing draw of the
    step's start, after its leeway (sets ``flip[k]`` and ``lf[k]`` for the second stage).
    """
    wu, wv, cu, cv, wf, cf = sc
    sample_cells_many(xa, ya, m, use, wp, wxs, wys, wad, wu, wv, wf)
    sample_cells_many(xa, ya, m, use, cp, cxs, cys, cad, cu, cv, cf)
    acw, bcw, scw = coef
    # Every point, settled or not: without branches or gathers the loop vectorises; what
    # is not used (inactive, failed sample) is never read.
    for k in range(m):
        p = b0 + k
        e, n = leeway_from_coefficients(wu[k], wv[k], cu[k], cv[k], a_dw[p], b_dw[p], acw[k], bcw[k], scw[k], z_cw[p], lf[k])
        ve[k] = e + du[p]
        vn[k] = n + dv[p]
    for k in range(m):
        wf[k] = cf[k] if wf[k] == FLAG_OK else wf[k]  # the wind's failure first, as the general path reports it
    if draw:  # after the first stage's leeway, as the general path draws it (capsize_kernel)
        for k in range(m):
            p = b0 + k
            if use[k] and wf[k] == FLAG_OK and capsized[p] == 0 and capsize_draw(wu[k], wv[k], dt, seed, pids[p], step):
                flip[k] = True
                lf[k] = CAPSIZE_LEEWAY_FRACTION


@nb.njit(inline="always", cache=True)
def _hand_over(go, flags, need, b0, m):  # pragma: no cover - numba
    """Particles ``b0 + k`` still going whose sample failed: ``need`` gets the flag, they stop; their count."""
    bad = 0
    for k in range(m):
        if go[k] and flags[k] != FLAG_OK:
            go[k] = False
            need[b0 + k] = flags[k]
            bad += 1
    return bad


@nb.njit(parallel=True, cache=True, error_model="numpy")
def drift_step_kernel(
    lon, lat, active, dt, rk2,
    wp0, wxs0, wys0, wad0, cp0, cxs0, cys0, cad0,
    wp1, wxs1, wys1, wad1, cp1, cxs1, cys1, cad1,
    a_dw, b_dw, side, z_cw, cw_coef, cls, leeway_factor, du, dv,
    capsize, seed, pids, step, capsized,
    out_lon, out_lat, need, flips,
):  # pragma: no cover - numba
    """Positions after one step of ``dt`` s for the active particles (inactive ones copied).

    Wind ``w`` and current ``c`` at the start of the step (``0``) and at its middle
    (``1``, for the explicit midpoint scheme ``rk2``): time cells
    (:func:`~sarex.environment.gridsample.time_cells`), window axes and descriptor as
    :meth:`RegularGridField.window_at` gives them. ``du``/``dv``: each particle's
    forcing-error velocity (m/s, zeros without one), added to the object's velocity at
    both stages. ``capsize``: draw capsizing from the wind at the start of the step
    (:func:`~sarex.drift.kernels.capsize_draw` with ``seed``, ``pids``, ``step``), as the
    general step does; ``flips`` is set 1 where a particle capsizes this step (0
    elsewhere): the caller applies it (the kernel changes no state, so it can be rerun).

    Each chunk of particles goes through the step in phases, each a loop over the chunk:
    sampling (branch-free, scalar: the compiler does not vectorise its gathers here), the
    leeway and the sine and cosine of the latitude (vectorised), the RK2 midpoint
    (:func:`~sarex.drift.geodesy.stage_point_sc`), and the rhumb-line
    displacement (:func:`~sarex.drift.geodesy.rhumb_step_sc`: square roots and divisions
    only, vectorised). The arithmetic is the same as particle by particle (IEEE
    operations give the same results in vector registers; ``error_model="numpy"`` only
    drops the division-by-zero checks that would prevent vectorisation).

    Returns
    -------
    int
        Number of active particles for which a sample was not ``FLAG_OK``: their
        ``need`` is that flag (0 for every other particle), their position is copied
        and their state untouched, so the caller redoes the step for them alone.
    """
    n = lon.size
    n_chunks = (n + CHUNK - 1) // CHUNK
    half = 0.5 * dt
    multi = cls.size > 1  # cls: each particle's row of cw_coef (one 0 for a single class)
    n_bad = 0
    for c in nb.prange(n_chunks):
        b0 = c * CHUNK
        m = min(CHUNK, n - b0)
        sc = (np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m, dtype=np.int8), np.zeros(m, dtype=np.int8))
        ve = np.zeros(m)
        vn = np.zeros(m)
        lf = leeway_factor[b0 : b0 + m].copy()  # after this step's capsizing draw
        flip = np.zeros(m, dtype=np.bool_)
        x = lon[b0 : b0 + m].copy()  # a fresh array: the same argument type as the midpoints (one compiled _velocities)
        y = lat[b0 : b0 + m].copy()
        go = active[b0 : b0 + m].copy()
        coef = (np.empty(m), np.empty(m), np.empty(m))  # crosswind a, b, S of each particle's class and side
        for k in range(m):
            p = b0 + k
            coef[0][k], coef[1][k], coef[2][k] = crosswind_coefficients(cw_coef, (cls[p] if multi else cls[0]), side[p])
        _velocities(x, y, m, go, b0, wp0, wxs0, wys0, wad0, cp0, cxs0, cys0, cad0, sc,
                    a_dw, b_dw, coef, z_cw, lf, du, dv, ve, vn, capsize, dt, seed, pids, step, capsized, flip)
        need[b0 : b0 + m] = FLAG_OK
        bad = _hand_over(go, sc[4], need, b0, m)
        s0 = np.empty(m)
        c0 = np.empty(m)
        for k in range(m):
            s0[k], c0[k] = sincos_half_pi(y[k] * _DEG)
        if rk2:
            mx = np.empty(m)
            my = np.empty(m)
            for k in range(m):
                mx[k], my[k] = stage_point_sc(x[k], y[k], s0[k], c0[k], ve[k], vn[k], half)
            _velocities(mx, my, m, go, b0, wp1, wxs1, wys1, wad1, cp1, cxs1, cys1, cad1, sc,
                        a_dw, b_dw, coef, z_cw, lf, du, dv, ve, vn, False, dt, seed, pids, step, capsized, flip)
            bad += _hand_over(go, sc[4], need, b0, m)
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
