"""One numba pass per time step for gridded forcing: sample, leeway, move.

The general step of :func:`sarex.drift.simulate.run_drift` samples the environment into
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
on the same node values, :func:`~sarex.drift.kernels.object_velocity`,
:func:`~sarex.drift.geodesy.rhumb_step`) in the same order, so its results are
bit for bit those of the general step. It only reports the particles it cannot
handle (a sample outside the loaded window or on missing data); the caller then
runs the general step, which applies the outside-domain policy.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numba as nb
import numpy as np

from sarex.drift.forcing_windows import StepHints, Window
from sarex.drift.geodesy import _DEG, rhumb_step_sc, stage_point_sc
from sarex.drift.kernels import CAPSIZE_LEEWAY_FRACTION, Crosswind, LeewayState, capsize_draw, class_row, crosswind_coefficients, object_velocity
from sarex.environment.base import FLAG_NAN, FLAG_OK, FLAG_OUTSIDE
from sarex.environment.cellsearch import GridOutline, locate_hinted_many, point_outside
from sarex.environment.gridsample import KIND_CURVILINEAR, KIND_LCC, KIND_NONE, inside_extent, sample_cells_many
from sarex.environment.lcc import lcc_point
from sarex.vecmath import sincos_half_pi

__all__ = ["CHUNK", "Capsizing", "StepForcing", "StepOptions", "StepOutput", "drift_step_kernel"]

CHUNK = 2048
"""Particles per chunk: the phases of a step run over a chunk whose scratch fits in L1/L2."""


class StepOptions(NamedTuple):
    """How the fused step runs."""

    #: time step, s
    dt: float
    #: explicit midpoint scheme (else forward Euler)
    rk2: bool
    #: a rerun for the ``active`` particles alone: every output of the others stays as the previous call wrote it
    partial: bool
    #: count in ``served_by`` the samples of each source of a stack
    tally: bool


class StepForcing(NamedTuple):
    """Wind and current as the fused step samples them.

    At the start of the step and at its middle (for ``rk2``; the start's again for Euler):
    each the :class:`~sarex.drift.forcing_windows.Window` of the variable's sources
    (:meth:`~sarex.drift.forcing_windows.FusedField.windows`). On a curvilinear grid each
    particle's last cell and the arrays for the new ones (``*_hints``; placeholders of size
    1 elsewhere), live where ``*_hint_kind`` is ``KIND_CURVILINEAR``; that grid's outline
    (``NO_OUTLINE`` without one).
    """

    wind0: Window
    current0: Window
    wind1: Window
    current1: Window
    wind_hints: StepHints
    current_hints: StepHints
    wind_hint_kind: int
    current_hint_kind: int
    wind_outline: GridOutline
    current_outline: GridOutline


class Capsizing(NamedTuple):
    """The capsizing draw of the step's start (:func:`~sarex.drift.kernels.capsize_draw`), as the general step draws it."""

    #: draw capsizing at all
    on: bool
    seed: np.uint64
    #: each particle's key of the counter-based draws
    pids: np.ndarray
    #: the step's number in the draws' key
    step: int
    #: 1 where a particle has capsized
    capsized: np.ndarray


class StepOutput(NamedTuple):
    """What the fused step writes (it changes no state, so it can be rerun)."""

    #: positions after the step (inactive particles and those handed back: copied)
    lon: np.ndarray
    lat: np.ndarray
    #: the flag of each particle whose sample failed (``FLAG_OK`` for the others): the general step redoes them
    need: np.ndarray
    #: 1 where a particle capsizes this step (the caller applies it)
    flips: np.ndarray
    #: samples of the particles moved per ``[chunk, variable, source]`` (a stack's per-source counts)
    served_by: np.ndarray


class _GridScratch(NamedTuple):
    """A chunk's points on a field's grid axes and their cells on a curvilinear grid (``hi[k] < 0``: none)."""

    gx: np.ndarray
    gy: np.ndarray
    hi: np.ndarray
    hj: np.ndarray


class _Sample(NamedTuple):
    """One variable sampled at a chunk's points: components (m/s) and ``FLAG_*``."""

    u: np.ndarray
    v: np.ndarray
    flag: np.ndarray


class _StackScratch(NamedTuple):
    """A stack's per-source sample and the points still waiting for a source."""

    u: np.ndarray
    v: np.ndarray
    flag: np.ndarray
    pending: np.ndarray


class _Chunk(NamedTuple):
    """One chunk of particles ``b0 .. b0 + m - 1`` and its scratch."""

    b0: int
    m: int
    #: the particles still going (active, every sample so far ``FLAG_OK``)
    go: np.ndarray
    wind_grid: _GridScratch
    current_grid: _GridScratch
    wind: _Sample
    current: _Sample
    stack: _StackScratch
    #: crosswind slope, offset and standard error of each particle's class and side
    acw: np.ndarray
    bcw: np.ndarray
    scw: np.ndarray
    #: leeway factor (after this step's capsizing draw), velocity (m/s), capsizing this step
    lf: np.ndarray
    ve: np.ndarray
    vn: np.ndarray
    flip: np.ndarray


@nb.njit(cache=True)
def _grid_points(kind, lcc, glon, glat, xa, ya, m, use, grid):  # pragma: no cover - numba
    """The points ``(xa[k], ya[k])`` (WGS84 degrees) on a field's grid axes: the arrays to sample at.

    ``kind`` (:data:`~sarex.environment.gridsample.KIND_LONLAT` ...) and ``lcc``, ``glon``,
    ``glat`` from the field's ``fused_geometry``: lon/lat as they are; Lambert x/y
    (:func:`~sarex.environment.lcc.lcc_point`, as the field's ``to_grid``) into ``grid.gx``/``grid.gy``;
    a curvilinear grid's fractional indices (:func:`~sarex.environment.cellsearch.locate_hinted_many`,
    as its ``locate``) searched from each point's cell ``(grid.hj[k], grid.hi[k])`` (``hi[k] < 0``:
    none), which becomes the cell found. A point not found is NaN: sampled as outside, handed back.
    """
    gx, gy = grid.gx, grid.gy
    if kind == KIND_LCC:
        c = lcc
        lam0, n, aff, rho0, x0, y0, e = c[0], c[1], c[2], c[3], c[4], c[5], c[6]
        for k in range(m):
            gx[k], gy[k] = lcc_point(xa[k], ya[k], lam0, n, aff, rho0, x0, y0, e)
        return gx, gy
    if kind == KIND_CURVILINEAR:
        locate_hinted_many(glon, glat, xa, ya, m, use, grid.hi, grid.hj, gx, gy)
        return gx, gy
    return xa, ya


@nb.njit(cache=True, error_model="numpy")
def _sample_field(xa, ya, m, use, win, outline, grid, out, served, tmp):  # pragma: no cover - numba
    """One variable at the points ``k < m`` where ``use[k]``, into ``out`` (a :class:`_Sample`): from its one source, or from a stack.

    ``win``: the sources' :class:`~sarex.drift.forcing_windows.Window`. A stack serves each
    point from its first source that has it (skipping those whose kind is ``KIND_NONE``:
    their time range does not cover the sample's), as
    :class:`~sarex.environment.stack.StackedField` does: a point outside a source's whole
    grid or on its missing data goes to the next one; a point inside the grid but outside
    the loaded window is handed back (``FLAG_OUTSIDE``), since the source would serve it. A
    curvilinear source's grid is known to hold a point only where its cell search found it:
    a point not found from its last cell goes on where it lies outside the grid's
    longitude/latitude box (``win.ext``) or its ``outline``
    (:func:`~sarex.environment.cellsearch.grid_outline`), and is handed back as ``FLAG_NAN``
    otherwise (the general step searches the grid, without a window reload). ``served[k]``:
    the source used; ``grid``: the points on the grid axes and their cell hints; ``tmp``: a stack's scratch.
    """
    kinds, ext = win.kinds, win.ext
    if kinds.size == 1:
        px, py = _grid_points(kinds[0], win.lcc[0], win.glon, win.glat, xa, ya, m, use, grid)
        sample_cells_many(px, py, m, use, win.cells, win.xs, win.ys, win.desc[0], out.u, out.v, out.flag)
        return
    pending = tmp.pending
    for k in range(m):
        out.flag[k] = FLAG_OUTSIDE
        pending[k] = use[k]
    for s in range(kinds.size):
        if kinds[s] == KIND_NONE:
            continue
        px, py = _grid_points(kinds[s], win.lcc[s], win.glon, win.glat, xa, ya, m, pending, grid)
        sample_cells_many(px, py, m, pending, win.cells[win.co[s] : win.co[s + 1]], win.xs[win.xo[s] : win.xo[s + 1]],
                          win.ys[win.yo[s] : win.yo[s + 1]], win.desc[s], tmp.u, tmp.v, tmp.flag)
        left = 0
        for k in range(m):
            if not pending[k]:
                continue
            tf = tmp.flag[k]
            if tf == FLAG_OK:
                out.u[k], out.v[k], out.flag[k], served[k], pending[k] = tmp.u[k], tmp.v[k], FLAG_OK, s, False
            elif tf == FLAG_NAN:
                out.flag[k] = FLAG_NAN
                left += 1
            elif kinds[s] == KIND_CURVILINEAR:
                if px[k] == px[k]:  # in a cell of the grid, outside the loaded window
                    out.flag[k], pending[k] = FLAG_OUTSIDE, False
                elif not inside_extent(ext[s], xa[k], ya[k]) or point_outside(outline.ref, outline.box, outline.band_start, outline.band_edges,
                                                                               outline.edges, xa[k], ya[k]):
                    grid.hi[k], grid.hj[k] = -1, -1  # outside: no cell to search from next time (as the general step forgets it)
                    left += 1
                else:  # in the grid, not found from its last cell
                    out.flag[k], pending[k] = FLAG_NAN, False
            elif inside_extent(ext[s], px[k], py[k]):
                out.flag[k], pending[k] = FLAG_OUTSIDE, False  # outside the window only: handed back
            else:
                left += 1
        if left == 0:
            break


@nb.njit(cache=True, error_model="numpy")
def _velocities(xa, ya, ch, wind, current, forcing, lw, caps, draw, dt, served):  # pragma: no cover - numba
    """Object velocity at ``(xa[k], ya[k])`` into ``ch.ve``/``ch.vn`` for the chunk's particles ``ch.b0 + k`` where ``ch.go[k]``.

    ``wind``, ``current``: each the :class:`~sarex.drift.forcing_windows.Window` of its sources
    (:func:`_sample_field`; ``served`` gets the source that served each point of each). Samples
    wind and current into the chunk's scratch, then :func:`~sarex.drift.kernels.object_velocity`
    (crosswind coefficients of each particle's side in ``ch.acw``..., leeway factor ``ch.lf``).
    The flag of each point ends in ``ch.wind.flag`` (the wind's failure first, as the general
    path reports it); ``draw``: the capsizing draw of the step's start, after its leeway (sets
    ``ch.flip[k]`` and ``ch.lf[k]`` for the second stage).
    """
    m, b0, use, w, c = ch.m, ch.b0, ch.go, ch.wind, ch.current
    _sample_field(xa, ya, m, use, wind, forcing.wind_outline, ch.wind_grid, w, served[0], ch.stack)
    _sample_field(xa, ya, m, use, current, forcing.current_outline, ch.current_grid, c, served[1], ch.stack)
    # Every point, settled or not: without branches or gathers the loop vectorises; what
    # is not used (inactive, failed sample) is never read.
    for k in range(m):
        ch.ve[k], ch.vn[k] = object_velocity(w.u[k], w.v[k], c.u[k], c.v[k], lw, b0 + k, Crosswind(ch.acw[k], ch.bcw[k], ch.scw[k]), ch.lf[k])
    for k in range(m):
        w.flag[k] = c.flag[k] if w.flag[k] == FLAG_OK else w.flag[k]  # the wind's failure first, as the general path reports it
    if draw:  # after the first stage's leeway, as the general path draws it (capsize_kernel)
        for k in range(m):
            p = b0 + k
            if use[k] and w.flag[k] == FLAG_OK and caps.capsized[p] == 0 and capsize_draw(w.u[k], w.v[k], dt, caps.seed, caps.pids[p], caps.step):
                ch.flip[k] = True
                ch.lf[k] = CAPSIZE_LEEWAY_FRACTION


@nb.njit(inline="always", cache=True)
def _chunk_hints(kind, hints, b0, m):  # pragma: no cover - numba
    """The cells the chunk's particles were last found in on a curvilinear field (-1: not known); placeholders otherwise."""
    if kind != KIND_CURVILINEAR:
        return np.empty(1, dtype=np.int64), np.empty(1, dtype=np.int64)  # never read: no chunk-sized fill
    hi = np.full(m, -1, dtype=np.int64)
    hj = np.full(m, -1, dtype=np.int64)
    for k in range(m):
        if hints.known[b0 + k]:
            hi[k] = hints.xi[b0 + k]
            hj[k] = hints.eta[b0 + k]
    return hi, hj


@nb.njit(inline="always", cache=True)
def _keep_hints(kind, hints, ch, grid, write):  # pragma: no cover - numba
    """The new hints (``hints.new``) of the particles ``write``: the cell found last for those moved, the old one for the rest.

    A moved particle with no cell (-1: never searched, or outside the grid by its outline)
    is not known, as :meth:`~sarex.environment.curvilinear.CurvilinearGridField.locate`
    keeps it: the general step then does not search from a cell that is not one.
    """
    if kind == KIND_CURVILINEAR:
        old, new, go, hi, hj = hints.old, hints.new, ch.go, grid.hi, grid.hj
        for k in range(ch.m):
            p = ch.b0 + k
            if write[k]:
                new.xi[p] = hi[k] if go[k] else old.xi[p]
                new.eta[p] = hj[k] if go[k] else old.eta[p]
                new.known[p] = hi[k] >= 0 if go[k] else old.known[p]


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


@nb.njit(cache=True)
def _new_chunk(c, lon, lat, active, forcing, lw):  # pragma: no cover - numba
    """Chunk ``c``'s :class:`_Chunk`, its positions (fresh arrays) and the hints its samples start from."""
    n = lon.size
    b0 = c * CHUNK
    m = min(CHUNK, n - b0)
    acw, bcw, scw = np.empty(m), np.empty(m), np.empty(m)
    for k in range(m):
        cw = crosswind_coefficients(lw.cw_coef, class_row(lw.cls, b0 + k), lw.side[b0 + k])
        acw[k], bcw[k], scw[k] = cw.slope, cw.offset, cw.std
    hiw, hjw = _chunk_hints(forcing.wind_hint_kind, forcing.wind_hints.old, b0, m)
    hic, hjc = _chunk_hints(forcing.current_hint_kind, forcing.current_hints.old, b0, m)
    ch = _Chunk(
        b0, m, active[b0 : b0 + m].copy(),
        _GridScratch(np.empty(m), np.empty(m), hiw, hjw), _GridScratch(np.empty(m), np.empty(m), hic, hjc),
        _Sample(np.zeros(m), np.zeros(m), np.zeros(m, dtype=np.int8)), _Sample(np.zeros(m), np.zeros(m), np.zeros(m, dtype=np.int8)),
        _StackScratch(np.empty(m), np.empty(m), np.empty(m, dtype=np.int8), np.empty(m, dtype=np.bool_)),  # a stack's scratch (written first)
        acw, bcw, scw, lw.leeway_factor[b0 : b0 + m].copy(), np.zeros(m), np.zeros(m), np.zeros(m, dtype=np.bool_),
    )
    # fresh arrays: the same argument type as the midpoints (one compiled _velocities)
    return ch, lon[b0 : b0 + m].copy(), lat[b0 : b0 + m].copy()


@nb.njit(cache=True, error_model="numpy")
def _chunk_step(c, lon, lat, active, opts, forcing, lw, caps, out):  # pragma: no cover - numba
    """The step of chunk ``c`` (see :func:`drift_step_kernel`); the number of its particles handed back."""
    ch, x, y = _new_chunk(c, lon, lat, active, forcing, lw)
    b0, m, go = ch.b0, ch.m, ch.go
    ms = m if opts.tally else 1  # the source of each sample, read only to tally a stack's counts
    served = (np.zeros(ms, dtype=np.int64), np.zeros(ms, dtype=np.int64), np.zeros(ms, dtype=np.int64), np.zeros(ms, dtype=np.int64))
    _velocities(x, y, ch, forcing.wind0, forcing.current0, forcing, lw, caps, caps.on, opts.dt, (served[0], served[1]))
    write = active[b0 : b0 + m] if opts.partial else np.ones(m, dtype=np.bool_)  # the particles whose results this call gives
    for k in range(m):
        out.need[b0 + k] = FLAG_OK if write[k] else out.need[b0 + k]
    bad = _hand_over(go, ch.wind.flag, out.need, b0, m)
    s0 = np.empty(m)
    c0 = np.empty(m)
    for k in range(m):
        s0[k], c0[k] = sincos_half_pi(y[k] * _DEG)
    if opts.rk2:
        mx = np.empty(m)
        my = np.empty(m)
        half = 0.5 * opts.dt
        for k in range(m):
            mx[k], my[k] = stage_point_sc(x[k], y[k], s0[k], c0[k], ch.ve[k], ch.vn[k], half)
        _velocities(mx, my, ch, forcing.wind1, forcing.current1, forcing, lw, caps, False, opts.dt, (served[2], served[3]))
        bad += _hand_over(go, ch.wind.flag, out.need, b0, m)
    nx = np.empty(m)
    ny = np.empty(m)
    for k in range(m):  # kept free of the selection below, which stops vectorisation
        p = b0 + k
        nx[k], ny[k] = rhumb_step_sc(lon[p], lat[p], s0[k], c0[k], ch.ve[k], ch.vn[k], opts.dt)
    for k in range(m):
        p = b0 + k
        if write[k]:
            out.lon[p] = nx[k] if go[k] else lon[p]
            out.lat[p] = ny[k] if go[k] else lat[p]
    if caps.on:
        for k in range(m):
            if write[k]:
                out.flips[b0 + k] = 1 if (go[k] and ch.flip[k]) else 0
    _keep_hints(forcing.wind_hint_kind, forcing.wind_hints, ch, ch.wind_grid, write)
    _keep_hints(forcing.current_hint_kind, forcing.current_hints, ch, ch.current_grid, write)
    if opts.tally:  # the samples of the particles moved, per source (as a stack counts them)
        for k in range(m):
            if go[k] and write[k]:
                for q in range(4 if opts.rk2 else 2):
                    out.served_by[c, q % 2, served[q][k]] += 1
    return bad


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _chunk_range(c0, c1, lon, lat, active, opts, forcing, lw, caps, out):  # pragma: no cover - numba
    """:func:`_chunk_step` of chunks ``c0 .. c1 - 1`` (see :func:`drift_step_kernel`); the particles handed back."""
    n_bad = 0
    for c in range(c0, c1):
        if opts.partial and not active[c * CHUNK : min(lon.size, (c + 1) * CHUNK)].any():
            continue  # a rerun for a few particles: the chunks without them keep what they have
        n_bad += _chunk_step(c, lon, lat, active, opts, forcing, lw, caps, out)
    return n_bad


_POOL: list[ThreadPoolExecutor] = []  # made at the first step with more than one thread


def drift_step_kernel(lon: np.ndarray, lat: np.ndarray, active: np.ndarray, opts: StepOptions, forcing: StepForcing, lw: LeewayState,
                      caps: Capsizing, out: StepOutput) -> int:
    """Positions after one step of ``opts.dt`` s for the active particles (inactive ones copied) into ``out``.

    ``opts``: :class:`StepOptions`; ``forcing``: :class:`StepForcing` (wind and current at
    the start and the middle of the step, curvilinear cell hints: the particles moved get
    the cell of their last sample, the others keep theirs, so a particle handed back starts
    its general step from where it was); ``lw``: the particles'
    :class:`~sarex.drift.kernels.LeewayState` (its forcing-error velocity is added to the
    object's velocity at both stages); ``caps``: :class:`Capsizing` (draw capsizing from the
    wind at the start of the step, as the general step does; ``out.flips`` is set 1 where a
    particle capsizes this step, 0 elsewhere: the caller applies it, the kernel changes no
    state, so it can be rerun); ``out``: :class:`StepOutput`. ``opts.partial``: a rerun for
    the ``active`` particles alone, which leaves every output of the others (position,
    ``need``, ``flips``, hints) as the previous call wrote it.

    The chunks are shared out among ``numba.get_num_threads()`` threads, each running
    :func:`_chunk_range` without the GIL over its own chunks (a chunk's results depend on
    nothing but its particles, so not on the thread count). A parallel loop (``prange``) is
    not used here: it cannot take the step's named tuples of arrays as they are, and
    compiling one that repacks them took many times as long as the step itself. Each chunk
    of particles goes through the step in phases (:func:`_chunk_step`), each a loop over the chunk: sampling (branch-free, scalar: the compiler does not vectorise its
    gathers here), the velocity and the sine and cosine of the latitude (vectorised), the
    RK2 midpoint (:func:`~sarex.drift.geodesy.stage_point_sc`), and the rhumb-line
    displacement (:func:`~sarex.drift.geodesy.rhumb_step_sc`: square roots and divisions
    only, vectorised). The arithmetic is the same as particle by particle (IEEE operations
    give the same results in vector registers; ``error_model="numpy"`` only drops the
    division-by-zero checks that would prevent vectorisation).

    Returns
    -------
    int
        Number of active particles for which a sample was not ``FLAG_OK``: their
        ``need`` is that flag (0 for every other particle), their position is copied
        and their state untouched, so the caller redoes the step for them alone.
    """
    n_chunks = (lon.size + CHUNK - 1) // CHUNK
    threads = max(1, min(nb.get_num_threads(), n_chunks))
    if threads == 1:
        return int(_chunk_range(0, n_chunks, lon, lat, active, opts, forcing, lw, caps, out))
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=nb.config.NUMBA_NUM_THREADS, thread_name_prefix="sarex-drift"))  # type: ignore[attr-defined]
    bounds = [n_chunks * k // threads for k in range(threads + 1)]
    jobs = [_POOL[0].submit(_chunk_range, bounds[k], bounds[k + 1], lon, lat, active, opts, forcing, lw, caps, out) for k in range(threads)]
    return int(sum(j.result() for j in jobs))
