"""One numba pass per time step for gridded forcing: sample, leeway, move.

The general step of :func:`sarex.drift.simulate` samples the environment into
arrays, computes velocities into arrays and moves particles from arrays, one
kernel after the other: every phase streams all particles through memory. When
wind and current are each on a regular lon/lat grid, a Lambert conformal grid or a
curvilinear (ROMS) grid, in any combination, on the same grid or not,
:func:`drift_step_kernel` does the whole step chunk by chunk in cache instead. A
particle's position is mapped to each field's grid axes in the same pass (Lambert x/y;
a curvilinear grid's fractional indices, searched from the cell the particle was in,
since particles move less than a cell a step). Each field is sampled from the cells of the window
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
from sarex.environment.base import FLAG_NAN, FLAG_OK, FLAG_OUTSIDE
from sarex.environment.cellsearch import locate_hinted_many, point_outside
from sarex.environment.gridsample import KIND_CURVILINEAR, KIND_LCC, KIND_NONE, inside_extent, sample_cells_many
from sarex.environment.lcc import lcc_point


CHUNK = 2048
"""Particles per chunk: the phases of a step run over a chunk whose scratch fits in L1/L2."""


@nb.njit(cache=True)
def _grid_points(kind, lcc, glon, glat, xa, ya, m, use, gx, gy, hi, hj):  # pragma: no cover - numba
    """The points ``(xa[k], ya[k])`` (WGS84 degrees) on a field's grid axes: the arrays to sample at.

    ``kind`` (:data:`~sarex.environment.gridsample.KIND_LONLAT` ...) and ``lcc``, ``glon``,
    ``glat`` from the field's ``fused_geometry``: lon/lat as they are; Lambert x/y
    (:func:`~sarex.environment.lcc.lcc_point`, as the field's ``to_grid``); a curvilinear
    grid's fractional indices (:func:`~sarex.environment.cellsearch.locate_hinted_many`, as
    its ``locate``) searched from each point's cell ``(hj[k], hi[k])`` (``hi[k] < 0``: none),
    which becomes the cell found. A point not found is NaN: sampled as outside, handed back.
    """
    if kind == KIND_LCC:
        c = lcc
        lam0, n, aff, rho0, x0, y0, e = c[0], c[1], c[2], c[3], c[4], c[5], c[6]
        for k in range(m):
            gx[k], gy[k] = lcc_point(xa[k], ya[k], lam0, n, aff, rho0, x0, y0, e)
        return gx, gy
    if kind == KIND_CURVILINEAR:
        locate_hinted_many(glon, glat, xa, ya, m, use, hi, hj, gx, gy)
        return gx, gy
    return xa, ya


@nb.njit(cache=True, error_model="numpy")
def _sample_field(xa, ya, m, use, win, outline, gx, gy, hi, hj, out_u, out_v, out_f, served, tmp):  # pragma: no cover - numba
    """One variable at the points ``k < m`` where ``use[k]``: from its one source, or from a stack.

    ``win``: ``(cells, co, xs, xo, ys, yo, ad, kinds, lcc, ext, glon, glat)``, the sources'
    time cells, x and y axes concatenated with their offsets, and per source its
    descriptor, kind, Lambert constants and whole-grid extent
    (:func:`~sarex.environment.gridsample.grid_extent`). A stack serves each point from its
    first source that has it (skipping those whose kind is ``KIND_NONE``: their time
    range does not cover the sample's), as :class:`~sarex.environment.stack.StackedField`
    does: a point outside a source's whole grid or on its missing data goes to the next
    one; a point inside the grid but outside the loaded window is handed back
    (``FLAG_OUTSIDE``), since the source would serve it. A curvilinear source's grid is
    known to hold a point only where its cell search found it: a point not found from its
    last cell goes on where it lies outside the grid's longitude/latitude box (``ext``) or
    its ``outline`` (:func:`~sarex.environment.cellsearch.grid_outline`), and is handed
    back as ``FLAG_NAN`` otherwise (the general step searches the grid, without a window
    reload). ``served[k]``: the source used.
    """
    cells, co, xs, xo, ys, yo, ad, kinds, lcc, ext, glon, glat = win
    if kinds.size == 1:
        px, py = _grid_points(kinds[0], lcc[0], glon, glat, xa, ya, m, use, gx, gy, hi, hj)
        sample_cells_many(px, py, m, use, cells, xs, ys, ad[0], out_u, out_v, out_f)
        return
    tu, tv, tf, pending = tmp
    for k in range(m):
        out_f[k] = FLAG_OUTSIDE
        pending[k] = use[k]
    for s in range(kinds.size):
        if kinds[s] == KIND_NONE:
            continue
        px, py = _grid_points(kinds[s], lcc[s], glon, glat, xa, ya, m, pending, gx, gy, hi, hj)
        sample_cells_many(px, py, m, pending, cells[co[s] : co[s + 1]], xs[xo[s] : xo[s + 1]], ys[yo[s] : yo[s + 1]], ad[s], tu, tv, tf)
        left = 0
        for k in range(m):
            if not pending[k]:
                continue
            if tf[k] == FLAG_OK:
                out_u[k], out_v[k], out_f[k], served[k], pending[k] = tu[k], tv[k], FLAG_OK, s, False
            elif tf[k] == FLAG_NAN:
                out_f[k] = FLAG_NAN
                left += 1
            elif kinds[s] == KIND_CURVILINEAR:
                if px[k] == px[k]:  # in a cell of the grid, outside the loaded window
                    out_f[k], pending[k] = FLAG_OUTSIDE, False
                elif not inside_extent(ext[s], xa[k], ya[k]) or point_outside(outline[0], outline[1], outline[2], outline[3], outline[4], xa[k], ya[k]):
                    hi[k], hj[k] = -1, -1  # outside: no cell to search from next time (as the general step forgets it)
                    left += 1
                else:  # in the grid, not found from its last cell
                    out_f[k], pending[k] = FLAG_NAN, False
            elif inside_extent(ext[s], px[k], py[k]):
                out_f[k], pending[k] = FLAG_OUTSIDE, False  # outside the window only: handed back
            else:
                left += 1
        if left == 0:
            break


@nb.njit(cache=True, error_model="numpy")
def _velocities(xa, ya, m, use, b0, wind, current, outlines, sc, gs, served_w, served_c,  # pragma: no cover - numba
                a_dw, b_dw, coef, z_cw, lf, du, dv, ve, vn, draw, dt, seed, pids, step, capsized, flip):
    """Object velocity at ``(xa[k], ya[k])`` for the chunk's particles ``b0 + k`` where ``use[k]``.

    ``wind``, ``current``: each the windows of its sources (:func:`_sample_field`; how a point
    maps to a source's axes: :func:`_grid_points`, with the grid-point scratch and cell
    hints of ``gs``; ``served_w``/``served_c`` get the source that served each point).
    Samples wind and current (:func:`~sarex.environment.gridsample.sample_cells_many`) into
    the scratch ``sc``, then the leeway (crosswind coefficients of each particle's side
    in ``coef``, leeway factor ``lf[k]``) plus the forcing error into ``ve``/``vn``. The
    flag of each point ends in ``sc``'s wind flags (the wind's failure first, as the
    general path reports it); ``draw``: the capsizing draw of the
    step's start, after its leeway (sets ``flip[k]`` and ``lf[k]`` for the second stage).
    """
    wu, wv, cu, cv, wf, cf, tmp = sc
    gxw, gyw, hiw, hjw, gxc, gyc, hic, hjc = gs
    _sample_field(xa, ya, m, use, wind, outlines[0], gxw, gyw, hiw, hjw, wu, wv, wf, served_w, tmp)
    _sample_field(xa, ya, m, use, current, outlines[1], gxc, gyc, hic, hjc, cu, cv, cf, served_c, tmp)
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
def _chunk_hints(kind, hints, b0, m):  # pragma: no cover - numba
    """The cells the chunk's particles were last found in on a curvilinear field (-1: not known); placeholders otherwise."""
    if kind != KIND_CURVILINEAR:
        return np.empty(1, dtype=np.int64), np.empty(1, dtype=np.int64)  # never read: no chunk-sized fill
    hi = np.full(m, -1, dtype=np.int64)
    hj = np.full(m, -1, dtype=np.int64)
    h_i, h_j, known = hints[0], hints[1], hints[2]
    for k in range(m):
        if known[b0 + k]:
            hi[k] = h_i[b0 + k]
            hj[k] = h_j[b0 + k]
    return hi, hj


@nb.njit(inline="always", cache=True)
def _keep_hints(kind, hints, b0, m, go, hi, hj, write):  # pragma: no cover - numba
    """The new hints (``hints[3:6]``) of the particles ``write``: the cell found last for those moved, the old one for the rest.

    A moved particle with no cell (-1: never searched, or outside the grid by its outline)
    is not known, as :meth:`~sarex.environment.curvilinear.CurvilinearGridField.locate`
    keeps it: the general step then does not search from a cell that is not one.
    """
    if kind == KIND_CURVILINEAR:
        h_i, h_j, known, n_i, n_j, n_known = hints
        for k in range(m):
            p = b0 + k
            if write[k]:
                n_i[p] = hi[k] if go[k] else h_i[p]
                n_j[p] = hj[k] if go[k] else h_j[p]
                n_known[p] = hi[k] >= 0 if go[k] else known[p]


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
    lon, lat, active, dt, rk2, wind0, cur0, wind1, cur1, w_hints, c_hints, wk0, ck0, w_outline, c_outline,
    a_dw, b_dw, side, z_cw, cw_coef, cls, leeway_factor, du, dv,
    capsize, seed, pids, step, capsized,
    out_lon, out_lat, need, flips, partial, tally, served_by,
):  # pragma: no cover - numba
    """Positions after one step of ``dt`` s for the active particles (inactive ones copied).

    Wind and current at the start of the step (``wind0``, ``cur0``) and at its middle
    (``wind1``, ``cur1``, for the explicit midpoint scheme ``rk2``): each the windows of the
    variable's sources, one or a stack's (:func:`_sample_field`; from
    :meth:`sarex.drift.forcing_windows.FusedField.windows`). ``w_hints``/``c_hints``: on a
    curvilinear field, each particle's last cell ``(xi, eta, known)`` and three arrays
    that receive the new ones (the particles moved get the cell of their last sample,
    the others keep theirs: a particle handed back starts its general step from where it
    was); placeholders of size 1 on other fields. ``wk0``/``ck0``: ``KIND_CURVILINEAR``
    where the variable's hints are live (one of its sources is curvilinear);
    ``w_outline``/``c_outline``: that grid's outline (placeholders without one). ``du``/``dv``: each particle's
    forcing-error velocity (m/s, zeros without one), added to the object's velocity at
    both stages. ``capsize``: draw capsizing from the wind at the start of the step
    (:func:`~sarex.drift.kernels.capsize_draw` with ``seed``, ``pids``, ``step``), as the
    general step does; ``flips`` is set 1 where a particle capsizes this step (0
    elsewhere): the caller applies it (the kernel changes no state, so it can be rerun).
    ``partial``: a rerun for the ``active`` particles alone, which leaves every output of
    the others (position, ``need``, ``flips``, hints) as the previous call wrote it; else
    the inactive particles' positions are copied. ``tally``: count in ``served_by[chunk,
    variable, source]`` the samples of the particles moved (a stack's per-source counts).

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
    # Tuples of arrays do not enter a parallel loop as arguments: unpack them here, pack them inside.
    w0_cells, w0_co, w0_xs, w0_xo, w0_ys, w0_yo, w0_ad, w0_kinds, w0_lcc, w0_ext, w0_glon, w0_glat = wind0
    c0_cells, c0_co, c0_xs, c0_xo, c0_ys, c0_yo, c0_ad, c0_kinds, c0_lcc, c0_ext, c0_glon, c0_glat = cur0
    w1_cells, w1_co, w1_xs, w1_xo, w1_ys, w1_yo, w1_ad, w1_kinds, w1_lcc, w1_ext, w1_glon, w1_glat = wind1
    c1_cells, c1_co, c1_xs, c1_xo, c1_ys, c1_yo, c1_ad, c1_kinds, c1_lcc, c1_ext, c1_glon, c1_glat = cur1
    wo0, wo1, wo2, wo3, wo4 = w_outline
    co0, co1, co2, co3, co4 = c_outline
    whi, whj, wkn, wni, wnj, wnk = w_hints
    chi, chj, ckn, cni, cnj, cnk = c_hints
    n = lon.size
    n_chunks = (n + CHUNK - 1) // CHUNK
    half = 0.5 * dt
    multi = cls.size > 1  # cls: each particle's row of cw_coef (one 0 for a single class)
    n_bad = 0
    for c in nb.prange(n_chunks):
        b0 = c * CHUNK
        m = min(CHUNK, n - b0)
        if partial and not active[b0 : b0 + m].any():
            continue  # a rerun for a few particles: the chunks without them keep what they have
        tmp = (np.empty(m), np.empty(m), np.empty(m, dtype=np.int8), np.empty(m, dtype=np.bool_))  # a stack's scratch (written first)
        sc = (np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m, dtype=np.int8), np.zeros(m, dtype=np.int8), tmp)
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
        hiw, hjw = _chunk_hints(wk0, (whi, whj, wkn), b0, m)
        hic, hjc = _chunk_hints(ck0, (chi, chj, ckn), b0, m)
        gs = (np.empty(m), np.empty(m), hiw, hjw, np.empty(m), np.empty(m), hic, hjc)
        ol = ((wo0, wo1, wo2, wo3, wo4), (co0, co1, co2, co3, co4))
        ms = m if tally else 1  # the source of each sample, read only to tally a stack's counts
        served = (np.zeros(ms, dtype=np.int64), np.zeros(ms, dtype=np.int64), np.zeros(ms, dtype=np.int64), np.zeros(ms, dtype=np.int64))
        _velocities(x, y, m, go, b0, (w0_cells, w0_co, w0_xs, w0_xo, w0_ys, w0_yo, w0_ad, w0_kinds, w0_lcc, w0_ext, w0_glon, w0_glat),
                    (c0_cells, c0_co, c0_xs, c0_xo, c0_ys, c0_yo, c0_ad, c0_kinds, c0_lcc, c0_ext, c0_glon, c0_glat), ol, sc, gs, served[0], served[1],
                    a_dw, b_dw, coef, z_cw, lf, du, dv, ve, vn, capsize, dt, seed, pids, step, capsized, flip)
        write = active[b0 : b0 + m] if partial else np.ones(m, dtype=np.bool_)  # the particles whose results this call gives
        for k in range(m):
            need[b0 + k] = FLAG_OK if write[k] else need[b0 + k]
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
            _velocities(mx, my, m, go, b0, (w1_cells, w1_co, w1_xs, w1_xo, w1_ys, w1_yo, w1_ad, w1_kinds, w1_lcc, w1_ext, w1_glon, w1_glat),
                        (c1_cells, c1_co, c1_xs, c1_xo, c1_ys, c1_yo, c1_ad, c1_kinds, c1_lcc, c1_ext, c1_glon, c1_glat), ol, sc, gs, served[2], served[3],
                        a_dw, b_dw, coef, z_cw, lf, du, dv, ve, vn, False, dt, seed, pids, step, capsized, flip)
            bad += _hand_over(go, sc[4], need, b0, m)
        nx = np.empty(m)
        ny = np.empty(m)
        for k in range(m):  # kept free of the selection below, which stops vectorisation
            p = b0 + k
            nx[k], ny[k] = rhumb_step_sc(lon[p], lat[p], s0[k], c0[k], ve[k], vn[k], dt)
        for k in range(m):
            p = b0 + k
            if write[k]:
                out_lon[p] = nx[k] if go[k] else lon[p]
                out_lat[p] = ny[k] if go[k] else lat[p]
        if capsize:
            for k in range(m):
                if write[k]:
                    flips[b0 + k] = 1 if (go[k] and flip[k]) else 0
        _keep_hints(wk0, (whi, whj, wkn, wni, wnj, wnk), b0, m, go, hiw, hjw, write)
        _keep_hints(ck0, (chi, chj, ckn, cni, cnj, cnk), b0, m, go, hic, hjc, write)
        if tally:  # the samples of the particles moved, per source (as a stack counts them)
            for k in range(m):
                if go[k] and write[k]:
                    for q in range(4 if rk2 else 2):
                        served_by[c, q % 2, served[q][k]] += 1
        n_bad += bad
    return n_bad
