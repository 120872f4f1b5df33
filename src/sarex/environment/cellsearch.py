"""Locating points in a curvilinear grid (2-D longitude/latitude nodes): pure numba kernels.

A point's position in a cell is the solution ``(s, t)`` of the cell's bilinear map
``P(s, t) = a + b s + c t + d s t`` (corners (j, i), (j, i + 1), (j + 1, i), (j + 1, i + 1)),
found by Newton's method from the parallelogram solution; its fractional grid indices are
``(i + s, j + t)``. :func:`find_cell` searches from a hinted cell (a particle's last one),
:func:`locate_hinted_many` does a chunk of points with a branch-free first try in their
hinted cells (the fused drift step), :func:`locate_kernel` every point in parallel,
:func:`walk_kernel` finds points without a hint by walking the grid, and
:func:`grid_outline` with :func:`point_outside` tells points outside the grid without a search.
:class:`~sarex.environment.curvilinear.CurvilinearGridField` keeps the hints and reads
the data.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from sarex.environment.base import FLAG_OK, FLAG_OUTSIDE


class GridOutline(NamedTuple):
    """The outline of a curvilinear grid (:func:`grid_outline`), as :func:`point_outside` reads it."""

    #: the longitude other longitudes are taken relative to (within 180° of it), degrees
    ref: float
    #: the outline's box ``[x0, x1, y0, y1]``, degrees
    box: np.ndarray
    #: per latitude band, the first of its edges in ``band_edges`` (CSR; size 1: no outline)
    band_start: np.ndarray
    #: the edges crossing each band (rows of ``edges``)
    band_edges: np.ndarray
    #: the boundary's edges, rows ``[x0, y0, x1, y1]``, degrees
    edges: np.ndarray


#: The outline of a grid without one (no bands: :func:`point_outside` says inside), for kernels that take one.
NO_OUTLINE = GridOutline(0.0, np.zeros(4), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros((1, 4)))


@nb.njit(cache=True, inline="always")
def _corner(glon, glat, jj, ii, px, py):  # pragma: no cover - numba
    """Offsets (degrees of longitude, of latitude) of grid node (jj, ii) from point (px, py)."""
    dl = glon[jj, ii] - px
    if dl > 180.0:
        dl -= 360.0
    elif dl < -180.0:
        dl += 360.0
    return dl, glat[jj, ii] - py


#: Newton stops once its step is below this: the error left is about the step squared
#: times the cell's non-parallelism (< 1), far below 1e-15 of a cell.
NEWTON_STEP = 1e-9

#: Cell-fraction tolerance of a point on a cell's edge.
EDGE = 1e-9


@nb.njit(cache=True, inline="always")
def _cell_map(glon, glat, i, j, px, py):  # pragma: no cover - numba
    """Coefficients ``(ax, ay, bx, by, cx, cy, dx, dy)`` of the bilinear map of cell (j, i) with (px, py) at the origin."""
    # the corners (j, i), (j, i + 1), (j + 1, i), (j + 1, i + 1) as scalars: no array to allocate per call
    x0, y0 = _corner(glon, glat, j, i, px, py)
    x1, y1 = _corner(glon, glat, j, i + 1, px, py)
    x2, y2 = _corner(glon, glat, j + 1, i, px, py)
    x3, y3 = _corner(glon, glat, j + 1, i + 1, px, py)
    return x0, y0, x1 - x0, y1 - y0, x2 - x0, y2 - y0, x3 - x2 - x1 + x0, y3 - y2 - y1 + y0


@nb.njit(cache=True, inline="always")
def _newton(ax, ay, bx, by, cx, cy, dx, dy, s, t):  # pragma: no cover - numba
    """One Newton step on ``P(s, t) = 0``: ``(s, t, ds, dt)`` (NaN where the Jacobian is singular)."""
    fx = ax + bx * s + cx * t + dx * s * t
    fy = ay + by * s + cy * t + dy * s * t
    j11 = bx + dx * t
    j12 = cx + dx * s
    j21 = by + dy * t
    j22 = cy + dy * s
    r = 1.0 / (j11 * j22 - j12 * j21)
    ds = (fx * j22 - fy * j12) * r
    dt = (fy * j11 - fx * j21) * r
    return s - ds, t - dt, ds, dt


@nb.njit(cache=True, inline="always")
def _solve_two(ax, ay, bx, by, cx, cy, dx, dy):  # pragma: no cover - numba
    """The parallelogram solution (``d = 0``) and two Newton steps from it: ``(s, t, ds, dt)`` of the last step."""
    r = 1.0 / (bx * cy - by * cx)
    s = (ay * cx - ax * cy) * r
    t = (ax * by - ay * bx) * r
    s, t, ds, dt = _newton(ax, ay, bx, by, cx, cy, dx, dy, s, t)
    return _newton(ax, ay, bx, by, cx, cy, dx, dy, s, t)


@nb.njit(cache=True, inline="always")
def _settled(s, t, ds, dt):  # pragma: no cover - numba
    """Converged (last step below :data:`NEWTON_STEP`) and inside the cell (NaN: no)."""
    return (abs(ds) < NEWTON_STEP) & (abs(dt) < NEWTON_STEP) & (s >= -EDGE) & (s <= 1.0 + EDGE) & (t >= -EDGE) & (t <= 1.0 + EDGE)


@nb.njit(cache=True)
def _solve_cell(glon, glat, i, j, px, py):  # pragma: no cover - numba
    """``(s, t, inside)``: position of point (px, py) in the map of cell (j, i)..(j+1, i+1), unclamped.

    Solves the cell's bilinear map ``P(s, t) = a + b s + c t + d s t = 0`` (point at the
    origin) by Newton's method from the solution for the parallelogram ``d = 0`` (exact on
    a regular lon/lat cell): two steps, then more until a step is below
    :data:`NEWTON_STEP` (at most 30). The map is in plain degree offsets: scaling the east
    offsets by cos(latitude), a local tangent plane, multiplies one of the two equations
    by a constant and leaves its solution as it is. Outside the cell, ``(s, t)`` says where
    the point lies from it (NaN for a cell off the grid).
    """
    ny, nx = glon.shape
    if i < 0 or j < 0 or i > nx - 2 or j > ny - 2:
        return math.nan, math.nan, False
    ax, ay, bx, by, cx, cy, dx, dy = _cell_map(glon, glat, i, j, px, py)
    s, t, ds, dt = _solve_two(ax, ay, bx, by, cx, cy, dx, dy)
    for _ in range(28):
        if (abs(ds) < NEWTON_STEP and abs(dt) < NEWTON_STEP) or not (s == s and t == t):
            break
        s, t, ds, dt = _newton(ax, ay, bx, by, cx, cy, dx, dy, s, t)
    return s, t, _settled(s, t, ds, dt)


@nb.njit(cache=True)
def _invert_cell(glon, glat, i, j, px, py):  # pragma: no cover - numba
    """Fractional (s, t) of point (px, py) in cell (j, i)..(j+1, i+1) (:func:`_solve_cell`), or (nan, nan)."""
    s, t, inside = _solve_cell(glon, glat, i, j, px, py)
    if not inside:
        return math.nan, math.nan
    return min(max(s, 0.0), 1.0), min(max(t, 0.0), 1.0)


@nb.njit(cache=True, inline="always")
def locate_hinted_many(glon, glat, xa, ya, m, use, hi, hj, gx, gy):  # pragma: no cover - numba
    """Fractional indices (``gx``, ``gy``) of points ``k < m`` where ``use[k]``, from their cells ``(hj[k], hi[k])``.

    What :func:`find_cell` gives, NaN where it finds nothing (``hi[k] < 0``: no hint, not
    searched); ``hi``/``hj`` become the cells found. A branch-free first pass solves
    every point in its hinted cell, the first cell :func:`find_cell` tries, with
    :func:`_invert_cell`'s arithmetic (the two Newton steps it always takes); only the
    points not settled there go through :func:`find_cell`.
    """
    ny, nx = glon.shape
    bad = 0
    for k in range(m):
        i = min(max(hi[k], 0), nx - 2)  # a valid cell to read: a hint out of range is not settled
        j = min(max(hj[k], 0), ny - 2)
        ax, ay, bx, by, cx, cy, dx, dy = _cell_map(glon, glat, i, j, xa[k], ya[k])
        s, t, ds, dt = _solve_two(ax, ay, bx, by, cx, cy, dx, dy)
        ok = _settled(s, t, ds, dt) & (i == hi[k]) & (j == hj[k])
        gx[k] = i + min(max(s, 0.0), 1.0) if ok else math.nan
        gy[k] = j + min(max(t, 0.0), 1.0) if ok else math.nan
        bad += 0 if ok else 1
    if bad > 0:
        for k in range(m):
            if use[k] and hi[k] >= 0 and gx[k] != gx[k]:
                gx[k], gy[k], _ = find_cell(glon, glat, xa[k], ya[k], hi[k], hj[k])
    for k in range(m):
        if gx[k] == gx[k]:
            hi[k] = int(math.floor(gx[k]))
            hj[k] = int(math.floor(gy[k]))


@nb.njit(cache=True, inline="always")
def find_cell(glon, glat, px, py, near_i, near_j):  # pragma: no cover - numba
    """Fractional grid indices ``(xi, eta, found)`` of point (px, py), searching from cell (near_j, near_i).

    A hint is the cell of the particle's last position, where a particle that moved less
    than a cell still is; the hinted cell is tried first, then the neighbour its map points
    to (``floor(s)``, ``floor(t)``: where a particle that crossed an edge went), then the
    cells around the hinted one up to two cells away.
    """
    s, t, inside = _solve_cell(glon, glat, near_i, near_j, px, py)
    if inside:
        return near_i + min(max(s, 0.0), 1.0), near_j + min(max(t, 0.0), 1.0), True
    if s == s and t == t:
        di = int(min(max(math.floor(s), -1.0), 1.0))
        dj = int(min(max(math.floor(t), -1.0), 1.0))
        if di != 0 or dj != 0:
            s, t = _invert_cell(glon, glat, near_i + di, near_j + dj, px, py)
            if s == s:
                return near_i + di + s, near_j + dj + t, True
    for r in range(3):
        for q in range((2 * r + 2) ** 2):
            dj = q // (2 * r + 2) - 1 - r
            di = q % (2 * r + 2) - 1 - r
            if r == 0:
                dj, di = -1 - dj, -1 - di  # (0, 0), (0, -1), (-1, 0), (-1, -1)
            elif -r <= dj < r and -r <= di < r:
                continue  # already tried at a smaller radius
            i = near_i + di
            j = near_j + dj
            s, t = _invert_cell(glon, glat, i, j, px, py)
            if s == s:
                return i + s, j + t, True
    return math.nan, math.nan, False


#: Cells a walk may take before it gives up (then the KD-tree finds the nearest node).
WALK_STEPS = 64


@nb.njit(cache=True)
def _nearest_node(glon, glat, px, py):  # pragma: no cover - numba
    """(i, j) of the grid node nearest (px, py), by chord distance on the unit sphere (all nodes)."""
    ny, nx = glon.shape
    cy, sy = math.cos(math.radians(py)), math.sin(math.radians(py))
    cx, sx = math.cos(math.radians(px)), math.sin(math.radians(px))
    best, bi, bj = math.inf, 0, 0
    for j in range(ny):
        for i in range(nx):
            la, lo = math.radians(glat[j, i]), math.radians(glon[j, i])
            c = math.cos(la)
            d = (c * math.cos(lo) - cy * cx) ** 2 + (c * math.sin(lo) - cy * sx) ** 2 + (math.sin(la) - sy) ** 2
            if d < best:
                best, bi, bj = d, i, j
    return bi, bj


@nb.njit(cache=True)
def walk_kernel(glon, glat, plon, plat, active, near_i, near_j):  # pragma: no cover - numba
    """Cells of points without a hint, found by walking the grid; True where found.

    The first point starts from its nearest node (every node looked at), each next one from
    the cell the last was found in (a drift's particles start close together). From a cell
    the walk goes by the point's position in that cell's bilinear map, extrapolated
    (``floor(s)``, ``floor(t)`` cells along xi, eta, at most 8), until a cell holds it
    (:func:`find_cell` from there), for at most :data:`WALK_STEPS` cells or until it stops
    at the edge. ``near_i``/``near_j`` get the cell of each point found.
    """
    ny, nx = glon.shape
    found = np.zeros(plon.size, dtype=np.bool_)
    ci, cj, started = 0, 0, False
    for p in range(plon.size):
        if not active[p]:
            continue
        px, py = plon[p], plat[p]
        if not started:
            ci, cj = _nearest_node(glon, glat, px, py)
            ci, cj = min(ci, nx - 2), min(cj, ny - 2)
            started = True
        i, j = ci, cj
        for _ in range(WALK_STEPS):
            ax, ay, bx, by, cx, cy, dx, dy = _cell_map(glon, glat, i, j, px, py)
            s, t, _, _ = _solve_two(ax, ay, bx, by, cx, cy, dx, dy)
            if not (s == s and t == t):
                break
            di = int(min(max(math.floor(s), -8.0), 8.0))
            dj = int(min(max(math.floor(t), -8.0), 8.0))
            if abs(di) <= 1 and abs(dj) <= 1:  # here or next door: the search :func:`locate` makes
                fi, fj, ok = find_cell(glon, glat, px, py, i, j)
                if ok:
                    found[p] = True
                    near_i[p], near_j[p] = int(math.floor(fi)), int(math.floor(fj))
                    ci, cj = near_i[p], near_j[p]
                    break
            ni, nj = min(max(i + di, 0), nx - 2), min(max(j + dj, 0), ny - 2)
            if ni == i and nj == j:
                break  # at the edge, pointing outside
            i, j = ni, nj
    return found


@nb.njit(parallel=True, cache=True)
def locate_kernel(glon, glat, plon, plat, near_i, near_j, active, out_fi, out_fj, out_flag):  # pragma: no cover
    """Fractional grid indices (xi, eta) of points, searching the cells around the nearest node.

    ``out_flag`` is set ``FLAG_OUTSIDE`` where no cell within two nodes of the nearest
    one contains the point (outside the grid), else ``FLAG_OK``.
    """
    for p in nb.prange(plon.size):
        if not active[p]:
            continue
        fi, fj, found = find_cell(glon, glat, plon[p], plat[p], near_i[p], near_j[p])
        if found:
            out_fi[p] = fi
            out_fj[p] = fj
        out_flag[p] = FLAG_OK if found else FLAG_OUTSIDE


#: Latitude bands of a grid's outline: a point is tested against the outline's edges that cross its band.
OUTLINE_BANDS = 512


def grid_outline(glon: np.ndarray, glat: np.ndarray, bands: int = OUTLINE_BANDS) -> GridOutline | None:
    """The outline of a curvilinear grid for :func:`outside_kernel`, or None where it cannot serve.

    A cell's edges are straight in degrees (its bilinear map is linear along each), so the
    grid's cells cover exactly the polygon of its boundary nodes (a grid that does not fold
    over itself). Longitudes are taken relative to the first boundary node, as
    :func:`_corner` takes offsets; a grid with a missing node or spanning more than 180° of
    longitude has no outline (every point is then searched). Returns a :class:`GridOutline`.
    """
    ny, nx = glon.shape
    j = np.concatenate([np.zeros(nx, int), np.arange(1, ny), np.full(nx - 1, ny - 1), np.arange(ny - 2, 0, -1)])
    i = np.concatenate([np.arange(nx), np.full(ny - 1, nx - 1), np.arange(nx - 2, -1, -1), np.zeros(ny - 2, int)])
    x, y = glon[j, i].astype(np.float64), glat[j, i].astype(np.float64)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    ref = float(x[0])
    x = (x - ref + 180.0) % 360.0 - 180.0 + ref
    if x.max() - x.min() > 180.0:
        return None
    edges = np.ascontiguousarray(np.stack([x, y, np.roll(x, -1), np.roll(y, -1)], axis=1))
    y0, y1 = float(y.min()), float(y.max())
    h = (y1 - y0) / bands
    lo = np.clip(((np.minimum(edges[:, 1], edges[:, 3]) - y0) / h).astype(np.int64), 0, bands - 1)
    hi = np.clip(((np.maximum(edges[:, 1], edges[:, 3]) - y0) / h).astype(np.int64), 0, bands - 1)
    members: list[list[int]] = [[] for _ in range(bands)]
    for e in range(edges.shape[0]):
        for b in range(lo[e], hi[e] + 1):
            members[b].append(e)
    band_start = np.zeros(bands + 1, dtype=np.int64)
    band_start[1:] = np.cumsum([len(m) for m in members])
    band_edges = np.array([e for m in members for e in m], dtype=np.int64)
    box = np.array([x.min(), x.max(), y0, y1])
    return GridOutline(ref, box, band_start, band_edges, edges)


@nb.njit(cache=True, inline="always")
def point_outside(ref, box, band_start, band_edges, edges, px, py):  # pragma: no cover - numba
    """Whether point (px, py) lies outside the outline of :func:`grid_outline` (False without one: ``band_start`` of size 1).

    A ray to the east crosses the outline an odd number of times from a point inside
    (even-odd rule; an edge counts where one end lies above the point and the other not).
    A point on the outline itself may go either way: the search tolerance of a cell edge
    (:data:`EDGE`) is not applied here.
    """
    bands = band_start.size - 1
    if bands < 1:
        return False
    x0, x1, y0, y1 = box[0], box[1], box[2], box[3]
    x = (px - ref + 180.0) % 360.0 - 180.0 + ref
    if not (py >= y0 and py <= y1 and x >= x0 and x <= x1):
        return True
    b = min(int((py - y0) / ((y1 - y0) / bands)), bands - 1)
    inside = False
    for q in range(band_start[b], band_start[b + 1]):
        e = band_edges[q]
        ay, by = edges[e, 1], edges[e, 3]
        if (ay > py) != (by > py):
            ax, bx = edges[e, 0], edges[e, 2]
            if x < ax + (py - ay) * (bx - ax) / (by - ay):
                inside = not inside
    return not inside


@nb.njit(cache=True)
def outside_kernel(ref, box, band_start, band_edges, edges, plon, plat, ask, out):  # pragma: no cover - numba
    """``out[p]`` True where point ``p`` (``ask[p]``) lies outside the outline of :func:`grid_outline` (:func:`point_outside`)."""
    for p in range(plon.size):
        if ask[p]:
            out[p] = point_outside(ref, box, band_start, band_edges, edges, plon[p], plat[p])
