"""Point kernels of bilinear-in-space, linear-in-time sampling on rectilinear grids.

Pure numba functions shared by the general sampling kernel (:func:`sample_regular_kernel`,
used by regular, projected and curvilinear fields) and the fused drift step
(:mod:`sarex.drift.fused`), so both compute the same numbers bit for bit:

* :func:`locate`: cell and bilinear weights of a point. A loaded window is a slice of the
  field's whole axis; its *axis descriptor* (:func:`axis_descriptor`) names the whole
  axis's origin and spacing and where the window starts, so on a uniform axis the cell
  and weights come from one multiplication, ``g = (x − x0)/Δx``, the same whichever
  window holds the point. Other axes take a short walk and a division.
* :func:`node_at`: a grid node's value at a time between two steps (linear in time);
  :func:`time_cells` gives a whole window's cells of them once per time, which the fused
  step samples instead of the two time levels (the same arithmetic node by node).
* :func:`blend`: the bilinear interpolant of the four corners, ``a + b·fx + c·fy + d·fx·fy``
  (:func:`bilinear_coefficients`, which :func:`time_cells` stores per cell); corners
  without data (NaN) are left out and the remaining bilinear weights renormalised, so a
  point next to a land cell still gets the sea values.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from sarex.environment.base import FLAG_NAN, FLAG_OK, FLAG_OUTSIDE

#: An axis whose nodes lie within this fraction of a cell of uniform spacing is treated
#: as uniform (node positions then implied by its end points). It admits axes stored as
#: float32, whose rounding puts a 1/12° axis at 127–137°E up to 1.2e-4 of a cell (1 m)
#: off uniform; the nodes then move by at most 5e-4 of a cell (5 m on a 1/12° grid),
#: below any model's resolution.
UNIFORM_TOLERANCE = 5e-4


class AxisDescriptor(NamedTuple):
    """A window's axes as :func:`locate` reads them: each axis's origin, cells per axis unit, the
    window's first node on it and whether it is uniform, and whether x is a wrapped longitude.

    The numba kernels take it as a float64 array of these nine values in this order
    (:meth:`array`, index ``o + 0 .. o + 3`` with ``o`` 0 for x and 4 for y, 8 for ``wrap``).
    """

    x0: float
    #: cells per x axis unit (1/Δx on a uniform axis)
    sx: float
    #: the window's first node along x (0 for a whole grid)
    kx: float
    #: 1.0 where the x axis is uniform (its nodes implied by its end points), else 0.0
    ux: float
    y0: float
    sy: float
    ky: float
    uy: float
    #: 1.0 where x is a longitude in degrees that :func:`locate` wraps by 360, 0.0 for
    #: projected x in metres and grid indices, which must never be shifted by 360
    wrap: float

    def array(self) -> np.ndarray:
        """The nine values as the kernels take them, float64."""
        return np.array(self, dtype=np.float64)


def axis_descriptor(xs: np.ndarray, ys: np.ndarray, longitude: bool = True) -> AxisDescriptor:
    """Descriptor of a whole grid's ascending axes, without the window offsets (``kx = ky = 0``;
    :func:`window_descriptor` sets them); ``longitude``: x is a longitude that wraps by 360."""
    axes = []
    for a in (np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)):
        scale = (a.size - 1) / (a[-1] - a[0])
        dev = float(np.max(np.abs((a - a[0]) * scale - np.arange(a.size))))
        axes.append((float(a[0]), float(scale), 0.0, 1.0 if dev <= UNIFORM_TOLERANCE else 0.0))
    return AxisDescriptor(*axes[0], *axes[1], wrap=1.0 if longitude else 0.0)


def window_descriptor(whole: AxisDescriptor, k0: int, j0: int) -> AxisDescriptor:
    """:func:`axis_descriptor` of a window starting at node ``k0`` along x and ``j0`` along y."""
    return whole._replace(kx=float(k0), ky=float(j0))


def index_descriptor(k0: int, j0: int) -> AxisDescriptor:
    """:func:`window_descriptor` of grid index axes (0, 1, 2, ..., never wrapped) from node (``j0``, ``k0``)."""
    return AxisDescriptor(0.0, 1.0, float(k0), 1.0, 0.0, 1.0, float(j0), 1.0, 0.0)


#: How the fused drift step maps a particle's lon/lat to a field's grid axes: the axes are
#: lon/lat, or Lambert conformal x/y (:mod:`sarex.environment.lcc`), or the fractional
#: indices of a curvilinear grid (:mod:`sarex.environment.curvilinear`).
KIND_LONLAT, KIND_LCC, KIND_CURVILINEAR = 0, 1, 2
#: A source the fused step skips (its time range does not cover the sample's time).
KIND_NONE = -1


def grid_geometry(kind: int, lcc: np.ndarray | None = None, glon: np.ndarray | None = None,
                  glat: np.ndarray | None = None) -> tuple[int, tuple]:
    """``(kind, (lcc, glon, glat))`` for the fused drift step, with placeholders for what ``kind`` does not use.

    The same array types whatever the kind: one compiled step for every combination of grids.
    """
    none2 = np.zeros((2, 2))
    return kind, (np.zeros(7) if lcc is None else lcc, none2 if glon is None else glon, none2 if glat is None else glat)


def grid_extent(xs: np.ndarray, ys: np.ndarray, longitude: bool, tolerance: float = 0.0) -> np.ndarray:
    """``[x0, x1, y0, y1, w, tol]`` of a whole grid for :func:`inside_extent` (``w``: x is a wrapped longitude)."""
    return np.array([xs[0], xs[-1], ys[0], ys[-1], 1.0 if longitude else 0.0, tolerance])


@nb.njit(inline="always", cache=True)
def wrap_longitude(x, x0, x1):  # pragma: no cover - numba
    """Longitude ``x`` in the convention of an axis from ``x0`` to ``x1``: 0..360 if it ends past 180°, else -180..180."""
    if x1 > 180.0:
        return x + 360.0 if x < x0 else x
    return x - 360.0 if x > 180.0 else x


@nb.njit(inline="always", cache=True)
def inside_extent(ext, x, y):  # pragma: no cover - numba
    """Whether (x, y) lies inside a whole grid (:func:`grid_extent`), as the field's ``sample`` decides it.

    Longitudes are wrapped as :meth:`RegularGridField.contains` wraps them; projected x/y
    may be ``tol`` outside (their sample clips them); NaN is outside.
    """
    x0, x1, y0, y1, tol = ext[0], ext[1], ext[2], ext[3], ext[5]
    if ext[4] != 0.0:
        x = wrap_longitude(x, x0, x1)
    return (x >= x0 - tol) & (x <= x1 + tol) & (y >= y0 - tol) & (y <= y1 + tol)


@nb.njit(inline="always", cache=True)
def axis_scale(xs):  # pragma: no cover - numba
    """Cells per axis unit of a uniform axis: the first guess of :func:`cell_index`."""
    return (xs.size - 1) / (xs[xs.size - 1] - xs[0])


@nb.njit(inline="always", cache=True)
def cell_index(xs, x, scale):  # pragma: no cover - numba
    """Index ``i`` of the cell of ascending axis ``xs`` holding ``xs[0] <= x <= xs[-1]``.

    The same as ``searchsorted(xs, x) - 1`` clipped to ``0 .. xs.size - 2`` (the
    largest ``i`` with ``xs[i] < x``), found from the uniform-spacing guess
    ``(x - xs[0])·scale`` (``scale`` from :func:`axis_scale`) and a short walk instead
    of a binary search; exact on non-uniform axes too (longer walk).
    """
    n = xs.size
    g = (x - xs[0]) * scale
    i = int(g) if g > 0.0 else 0
    if i > n - 1:
        i = n - 1
    while i > 0 and xs[i] >= x:
        i -= 1
    while i < n - 1 and xs[i + 1] < x:
        i += 1
    if i > n - 2:
        i = n - 2
    return i


@nb.njit(inline="always", cache=True)
def _axis_cell(xs, ad, o, x):  # pragma: no cover - numba
    """Window cell index and fraction of ``xs[0] <= x <= xs[-1]`` along one axis (``o``: 0 x, 4 y)."""
    n = xs.size
    if ad[o + 3] != 0.0:
        # whole-axis fractional index: the same numbers whichever window holds x
        g = (x - ad[o]) * ad[o + 1]
        k0 = ad[o + 2]
        i = int(g) - int(k0)
        if i < 0:
            i = 0
        elif i > n - 2:
            i = n - 2
        return i, g - (i + k0)  # exact: an integer off a number of the same or larger size
    i = cell_index(xs, x, axis_scale(xs))
    return i, (x - xs[i]) / (xs[i + 1] - xs[i])


@nb.njit(inline="always", cache=True)
def locate(xs, ys, ad, x, y):  # pragma: no cover - numba
    """Cell and position in the cell of point (x, y) on ascending window axes ``xs`` (lon), ``ys`` (lat).

    ``ad``: the window's descriptor (:func:`window_descriptor`). Returns
    ``(i, j, fx, fy, flag)``, ``fx``, ``fy`` in [0, 1] from node (j, i), with ``flag``
    ``FLAG_OUTSIDE`` (the rest meaningless) when the point is outside the axes or NaN;
    longitudes are wrapped to the axis convention (-180..180 or 0..360) first where the
    descriptor says x is a longitude.
    """
    nx = xs.size
    ny = ys.size
    if ad[8] != 0.0:
        x = wrap_longitude(x, xs[0], xs[nx - 1])
    if x < xs[0] or x > xs[nx - 1] or y < ys[0] or y > ys[ny - 1] or not (x == x and y == y):
        return 0, 0, 0.0, 0.0, FLAG_OUTSIDE
    i, fx = _axis_cell(xs, ad, 0, x)
    j, fy = _axis_cell(ys, ad, 4, y)
    return i, j, fx, fy, FLAG_OK


@nb.njit(inline="always", cache=True)
def node_at(u, it, ft, j, i):  # pragma: no cover - numba
    """Value of node (j, i) of ``u`` (nt, ny, nx) at fraction ``ft`` from step ``it`` to ``it + 1`` (NaN if either is)."""
    if ft == 0.0 or it + 1 >= u.shape[0]:
        return u[it, j, i]
    return (1.0 - ft) * u[it, j, i] + ft * u[it + 1, j, i]


@nb.njit(inline="always", cache=True)
def _add_corner(acc_u, acc_v, acc_w, u, v, w):  # pragma: no cover - numba
    """The sums of :func:`_blend_valid` with one more corner, if it has data and a positive weight."""
    if u == u and v == v and w > 0.0:
        return acc_u + w * u, acc_v + w * v, acc_w + w
    return acc_u, acc_v, acc_w


@nb.njit(cache=True)
def _blend_valid(u00, u10, u01, u11, v00, v10, v01, v11, w00, w10, w01, w11):  # pragma: no cover - numba
    """:func:`blend` over the corners with data and a positive weight, renormalised."""
    acc_u, acc_v, acc_w = _add_corner(0.0, 0.0, 0.0, u00, v00, w00)
    acc_u, acc_v, acc_w = _add_corner(acc_u, acc_v, acc_w, u10, v10, w10)
    acc_u, acc_v, acc_w = _add_corner(acc_u, acc_v, acc_w, u01, v01, w01)
    acc_u, acc_v, acc_w = _add_corner(acc_u, acc_v, acc_w, u11, v11, w11)
    if acc_w <= 0.0:
        return 0.0, 0.0, FLAG_NAN
    return acc_u / acc_w, acc_v / acc_w, FLAG_OK


@nb.njit(inline="always", cache=True)
def bilinear_coefficients(u00, u10, u01, u11):  # pragma: no cover - numba
    """``(a, b, c, d)`` with ``a + b·fx + c·fy + d·fx·fy`` the bilinear interpolant of the corners."""
    c = u01 - u00
    return u00, u10 - u00, c, (u11 - u10) - c


@nb.njit(inline="always", cache=True)
def bilinear_value(a, b, c, d, fx, fy, fxy):  # pragma: no cover - numba
    """:func:`bilinear_coefficients`' interpolant at (``fx``, ``fy``), ``fxy = fx·fy``."""
    return a + b * fx + c * fy + d * fxy


@nb.njit(inline="always", cache=True)
def blend(u00, u10, u01, u11, v00, v10, v01, v11, fx, fy):  # pragma: no cover - numba
    """Bilinear interpolation of corner values (u, v) at (``fx``, ``fy``) in the cell; ``(u, v, flag)``.

    Without NaN corners it is the interpolant of :func:`bilinear_coefficients`; otherwise
    the corners with data and a positive weight are renormalised, ``FLAG_NAN`` when none.
    """
    fxy = fx * fy
    a, b, c, d = bilinear_coefficients(u00, u10, u01, u11)
    su = bilinear_value(a, b, c, d, fx, fy, fxy)
    a, b, c, d = bilinear_coefficients(v00, v10, v01, v11)
    sv = bilinear_value(a, b, c, d, fx, fy, fxy)
    if su == su and sv == sv:
        return su, sv, FLAG_OK
    return _blend_valid(u00, u10, u01, u11, v00, v10, v01, v11,
                        (1.0 - fx) * (1.0 - fy), fx * (1.0 - fy), (1.0 - fx) * fy, fxy)


@nb.njit(inline="always", cache=True)
def interpolate(u, v, it, ft, i, j, fx, fy):  # pragma: no cover - numba
    """:func:`blend` of cell (i, j) of ``u``/``v`` (nt, ny, nx) at time fraction ``ft`` after step ``it``."""
    return blend(
        node_at(u, it, ft, j, i), node_at(u, it, ft, j, i + 1), node_at(u, it, ft, j + 1, i), node_at(u, it, ft, j + 1, i + 1),
        node_at(v, it, ft, j, i), node_at(v, it, ft, j, i + 1), node_at(v, it, ft, j + 1, i), node_at(v, it, ft, j + 1, i + 1),
        fx, fy,
    )


#: Values per cell of :func:`time_cells`.
CELL = 16


@nb.njit(cache=True)
def time_cells(u, v, it, ft):  # pragma: no cover - numba
    """The cells of a window at one time, cell (j, i) at ``CELL·(j·(nx − 1) + i)``.

    Each holds the :func:`bilinear_coefficients` of u, then of v, from the :func:`node_at`
    values of its corners (j, i), (j, i + 1), (j + 1, i), (j + 1, i + 1), then those corner
    values of u and of v (for cells with missing data). A sample reads its four
    coefficients per component from one address instead of four corners from two rows
    of the window, and evaluates them as :func:`blend` does (the same numbers).
    """
    ny, nx = u.shape[1], u.shape[2]
    pl = np.empty((ny, nx, 2))
    for j in range(ny):
        for i in range(nx):
            pl[j, i, 0] = node_at(u, it, ft, j, i)
            pl[j, i, 1] = node_at(v, it, ft, j, i)
    out = np.empty((ny - 1) * (nx - 1) * CELL)
    for j in range(ny - 1):
        for i in range(nx - 1):
            c = CELL * (j * (nx - 1) + i)
            for q in range(2):
                c00, c10, c01, c11 = pl[j, i, q], pl[j, i + 1, q], pl[j + 1, i, q], pl[j + 1, i + 1, q]
                out[c + 4 * q], out[c + 4 * q + 1], out[c + 4 * q + 2], out[c + 4 * q + 3] = bilinear_coefficients(c00, c10, c01, c11)
                out[c + 8 + 4 * q], out[c + 9 + 4 * q], out[c + 10 + 4 * q], out[c + 11 + 4 * q] = c00, c10, c01, c11
    return out


@nb.njit(inline="always", cache=True)
def cell_sample(cells, ncx, i, j, fx, fy):  # pragma: no cover - numba
    """:func:`interpolate` from :func:`time_cells` (``ncx``: cells along x; the same numbers)."""
    c = CELL * (j * ncx + i) + 8
    return blend(
        cells[c], cells[c + 1], cells[c + 2], cells[c + 3],
        cells[c + 4], cells[c + 5], cells[c + 6], cells[c + 7],
        fx, fy,
    )


@nb.njit(inline="always", cache=True)
def sample_point(u, v, xs, ys, ad, it, ft, x, y):  # pragma: no cover - numba
    """Bilinear-in-space, linear-in-time sample of ``u``/``v`` (nt, ny, nx) at one point.

    Returns ``(u, v, flag)``; the values are meaningful only when ``flag`` is ``FLAG_OK``.
    """
    i, j, fx, fy, flag = locate(xs, ys, ad, x, y)
    if flag != FLAG_OK:
        return 0.0, 0.0, flag
    return interpolate(u, v, it, ft, i, j, fx, fy)


class SampleGrid(NamedTuple):
    """A loaded window as :func:`sample_regular_kernel` takes it (numba reads a named tuple by name)."""

    #: east and north components (nt, ny, nx) of the window, m/s
    u: np.ndarray
    v: np.ndarray
    #: the window's ascending x and y axes
    xs: np.ndarray
    ys: np.ndarray
    #: the axes' descriptor as nine float64 values (:meth:`AxisDescriptor.array`)
    ad: np.ndarray
    #: time index in the window and fraction towards the next
    it: int
    ft: float


class SampleOut(NamedTuple):
    """Where :func:`sample_regular_kernel` writes: east and north components (m/s) and ``FLAG_*``."""

    u: np.ndarray
    v: np.ndarray
    flag: np.ndarray


@nb.njit(parallel=True, cache=True)
def sample_regular_kernel(grid, lon, lat, active, out):  # pragma: no cover - numba
    """:func:`sample_point` of ``grid`` (:class:`SampleGrid`) for every active point, written to
    ``out`` (:class:`SampleOut`); inactive points are left untouched."""
    u, v, xs, ys, ad, it, ft = grid.u, grid.v, grid.xs, grid.ys, grid.ad, grid.it, grid.ft
    out_u, out_v, out_flag = out.u, out.v, out.flag
    for p in nb.prange(lon.size):
        if not active[p]:
            continue
        su, sv, flag = sample_point(u, v, xs, ys, ad, it, ft, lon[p], lat[p])
        if flag == FLAG_OK:
            out_u[p] = su
            out_v[p] = sv
        out_flag[p] = flag


@nb.njit(inline="always", cache=True, error_model="numpy")
def sample_cells_many(xa, ya, m, use, cells, xs, ys, ad, out_u, out_v, out_flag):  # pragma: no cover - numba
    """:func:`locate` and :func:`cell_sample` at points ``(xa[k], ya[k])``, ``k < m``, where ``use[k]``.

    Fills ``out_u``, ``out_v`` and ``out_flag`` (``FLAG_*``) for those points. On uniform
    axes a branch-free loop (no branch to mispredict) does every point with the arithmetic
    of :func:`locate` and the NaN-free case of :func:`blend`; the points it cannot settle
    (outside the window before any longitude wrap, a NaN corner) and every point on
    other axes go through :func:`locate` and :func:`cell_sample` themselves: the same
    numbers either way.
    """
    nx = xs.size
    ny = ys.size
    ncx = nx - 1
    bad = m
    if ad[3] != 0.0 and ad[7] != 0.0:
        x0, sx, kx = ad[0], ad[1], ad[2]
        y0, sy, ky = ad[4], ad[5], ad[6]
        ikx, iky = int(kx), int(ky)
        xlo, xhi, ylo, yhi = xs[0], xs[nx - 1], ys[0], ys[ny - 1]
        bad = 0
        for k in range(m):
            x = xa[k]
            y = ya[k]
            inside = (x >= xlo) & (x <= xhi) & (y >= ylo) & (y <= yhi)
            # outside (or NaN): a harmless cell, the result is redone below
            g = (x - x0) * sx if inside else kx
            h = (y - y0) * sy if inside else ky
            i = min(max(int(g) - ikx, 0), nx - 2)
            j = min(max(int(h) - iky, 0), ny - 2)
            fx = g - (i + kx)
            fy = h - (j + ky)
            fxy = fx * fy
            c = CELL * (j * ncx + i)
            su = bilinear_value(cells[c], cells[c + 1], cells[c + 2], cells[c + 3], fx, fy, fxy)
            sv = bilinear_value(cells[c + 4], cells[c + 5], cells[c + 6], cells[c + 7], fx, fy, fxy)
            out_u[k] = su
            out_v[k] = sv
            ok = inside & (su == su) & (sv == sv)
            out_flag[k] = FLAG_OK if ok else -1
            bad += 0 if ok else 1
    else:
        for k in range(m):
            out_flag[k] = -1
    if bad == 0:
        return
    for k in range(m):
        if use[k] and out_flag[k] != FLAG_OK:
            i, j, fx, fy, flag = locate(xs, ys, ad, xa[k], ya[k])
            if flag == FLAG_OK:
                out_u[k], out_v[k], flag = cell_sample(cells, ncx, i, j, fx, fy)
            out_flag[k] = flag
