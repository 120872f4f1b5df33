"""Vector fields on a regular (rectilinear) longitude/latitude grid with a time axis.

Sampling is bilinear in space and linear in time, inside a numba kernel
(:mod:`sarex.environment.gridsample`). The data
are read lazily from an xarray object: only a *window* (a few time steps and the
sub-area around the particles) is loaded at a time, so a large file is never read
whole; when particles or time leave the window the next one is loaded.
"""

from __future__ import annotations

from typing import NamedTuple, TypeGuard

import numpy as np
import xarray as xr

from sarex.environment.base import time_axis_epoch_s, FLAG_OUTSIDE, axis_time_range, describe_time_range
from sarex.environment.fusable import FusedGeometry, GridWindow, geometry, register_grid_kind
from sarex.environment.gridsample import (
    KIND_LONLAT,
    SampleGrid,
    SampleOut,
    axis_descriptor,
    grid_extent,
    sample_regular_kernel,
    window_descriptor,
)
from sarex.errors import OutsideDomainError, SarexInputError
from sarex.times import iso


@register_grid_kind("regular lon/lat")
class RegularGridField:
    """A vector field on a regular lon/lat grid, loaded window by window.

    Parameters
    ----------
    u, v
        East and north components (m/s) as DataArrays with dims (time, lat, lon) in
        any order (a time axis of length 1 means constant in time); lazily backed
        arrays are read only window by window.
    name
        For messages, e.g. ``"wind (env.nc: u10, v10)"``.
    window_steps
        Time steps loaded at once.
    margin_deg
        Extra longitude/latitude around the particles loaded with each window
        (in the axes' own units where ``dims`` names non-lon/lat axes).
    dims
        (time or None, y, x) dimension names, for subclasses whose axes are not
        longitude/latitude (projected x/y); default: found from the CF attributes.
    """

    def __init__(
        self,
        u: xr.DataArray,
        v: xr.DataArray,
        name: str,
        window_steps: int = 25,
        margin_deg: float = 0.75,
        dims: tuple[str | None, str, str] | None = None,
    ) -> None:
        self.name = name
        tdim, ydim, xdim = _identify_dims(u, name) if dims is None else dims
        u = u.transpose(tdim, ydim, xdim) if tdim else u.transpose(ydim, xdim)
        v = v.transpose(*u.dims)
        xs = np.asarray(u[xdim].values, dtype=np.float64)
        ys = np.asarray(u[ydim].values, dtype=np.float64)
        if xs.size < 2 or ys.size < 2:
            raise SarexInputError(f"{name}: grid needs at least 2 points along lon and lat, got {xs.size}x{ys.size}")
        self._flip_x = bool(xs[0] > xs[-1])
        self._flip_y = bool(ys[0] > ys[-1])
        if self._flip_x:
            xs = xs[::-1]
        if self._flip_y:
            ys = ys[::-1]
        for ax, nm in ((xs, "longitude"), (ys, "latitude")):
            if not np.all(np.diff(ax) > 0):
                raise SarexInputError(f"{name}: {nm} axis is not strictly monotonic")
        # Fresh, contiguous, writable ascending axes whatever the file's order: a reversed view
        # (layout "A") or a read-only index array (a file's dimension coordinate) would be another
        # array type for numba, i.e. a silent recompile of every kernel that takes the axes.
        self.xs = np.array(xs, dtype=np.float64, order="C")
        self.ys = np.array(ys, dtype=np.float64, order="C")
        self.axes = axis_descriptor(self.xs, self.ys)
        if tdim is not None:
            self.times = time_axis_epoch_s(u[tdim], name)
            if self.times.size > 1 and not np.all(np.diff(self.times) > 0):
                raise SarexInputError(f"{name}: time axis is not strictly increasing")
        else:
            self.times = np.array([0.0])
        self._u = u
        self._v = v
        self._has_time = tdim is not None
        self.window_steps = max(2, int(window_steps))
        self.margin_deg = float(margin_deg)
        self._win: LoadedWindow | None = None
        self.loads = 0

    # --- domain -----------------------------------------------------------------
    def time_range(self) -> tuple[float, float]:
        """See :meth:`sarex.environment.base.VectorField.time_range`."""
        return axis_time_range(self.times)

    def domain_description(self) -> str:
        """See :meth:`sarex.environment.base.VectorField.domain_description`."""
        t0, t1 = self.time_range()
        tr = describe_time_range(t0, t1)
        return (
            f"{self.name}: lon {self.xs[0]:.4f} to {self.xs[-1]:.4f}, "
            f"lat {self.ys[0]:.4f} to {self.ys[-1]:.4f}, {tr}"
        )

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """True where points lie inside the grid's lon/lat extent."""
        x = np.asarray(lon, dtype=np.float64)
        if self.xs[-1] > 180.0:
            x = np.where(x < self.xs[0], x + 360.0, x)
        else:
            x = np.where(x > 180.0, x - 360.0, x)
        y = np.asarray(lat, dtype=np.float64)
        return (x >= self.xs[0]) & (x <= self.xs[-1]) & (y >= self.ys[0]) & (y <= self.ys[-1])

    def contains_lonlat(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """:meth:`contains` (the axes are lon/lat)."""
        return self.contains(lon, lat)

    # --- the fused drift step -----------------------------------------------------
    def fused_geometry(self) -> FusedGeometry | None:
        """``KIND_LONLAT``: the fused drift step samples the lon/lat axes directly."""
        return geometry(KIND_LONLAT)

    def fused_extent(self) -> np.ndarray:
        """The whole grid's extent as the fused drift step tests it (:func:`~sarex.environment.gridsample.grid_extent`)."""
        return grid_extent(self.xs, self.ys, longitude=True)

    def window_around(self, time_s: float, lon, lat, active, force: bool = False) -> GridWindow:
        """:meth:`window_at` for particles at WGS84 ``lon``/``lat`` (subclasses on other axes convert)."""
        return self.window_at(time_s, lon, lat, active, force=force)

    def _reload_due(self, time_s: float, force: bool) -> bool:
        """Whether :meth:`window_at` will load a window (and so look at the particles' positions)."""
        return force or not covers_time(self._win, *self._time_index(time_s))

    # --- sampling ---------------------------------------------------------------
    def window_at(self, time_s: float, lon, lat, active, force: bool = False) -> GridWindow:
        """The loaded data around the particles for ``time_s``, as the sampling kernels take it.

        Returns a :class:`~sarex.environment.fusable.GridWindow`: arrays (nt, ny, nx) of the window, its
        lon/lat axes and their descriptor (:func:`~sarex.environment.gridsample.window_descriptor`),
        and the time index and fraction of ``time_s`` inside it.
        """
        it_global, ft = self._time_index(time_s)
        w = self._window_for(it_global, ft, lon, lat, active, force=force)
        return GridWindow(w.u, w.v, self.xs[w.k0 : w.k1 + 1], self.ys[w.j0 : w.j1 + 1], window_descriptor(self.axes, w.k0, w.j0),
                          it_global - w.i0, ft)

    def sample(self, lon, lat, time_s, active, out_u, out_v, out_flag) -> None:
        """See :meth:`sarex.environment.base.VectorField.sample`."""
        for attempt in range(2):
            w = self.window_at(time_s, lon, lat, active, force=attempt > 0)
            sample_regular_kernel(SampleGrid(w.u, w.v, w.xs, w.ys, w.desc.array(), w.it, w.ft), lon, lat, active,
                                  SampleOut(out_u, out_v, out_flag))
            out = active & (out_flag == FLAG_OUTSIDE)
            if not out.any():
                return
            # Outside the window but inside the whole grid: load a window around all particles.
            if not (out & self.contains(lon, lat)).any():
                return

    def _time_index(self, time_s: float) -> tuple[int, float]:
        return time_index(self.times, time_s, self.name)

    def _window_for(self, it, ft, lon, lat, active, force=False):
        need_t1 = it + (1 if ft > 0 else 0)
        w = self._win
        if not force and covers_time(w, it, ft):
            return w
        nt = self.times.size
        j0, j1, k0, k1 = with_loaded_area(w, it, ft, *self._space_slice(lon, lat, active))
        i0 = it
        i1 = min(nt - 1, max(need_t1, it + window_steps_within(self.window_steps, (j1 - j0 + 1) * (k1 - k0 + 1)) - 1))
        sl_t = slice(i0, i1 + 1)
        self._win = None  # let the previous window go before reading the next one
        wu = self._read(self._u, sl_t, j0, j1, k0, k1)
        wv = self._read(self._v, sl_t, j0, j1, k0, k1)
        self._win = LoadedWindow(i0, i1, j0, j1, k0, k1, wu, wv)
        self.loads += 1
        return self._win

    def _space_slice(self, lon, lat, active):
        nx, ny = self.xs.size, self.ys.size
        sel = active & self.contains(lon, lat)
        if not sel.any():
            return 0, ny - 1, 0, nx - 1
        x = np.asarray(lon)[sel]
        if self.xs[-1] > 180.0:
            x = np.where(x < self.xs[0], x + 360.0, x)
        else:
            x = np.where(x > 180.0, x - 360.0, x)
        y = np.asarray(lat)[sel]
        m = self.margin_deg
        k0 = max(0, int(np.searchsorted(self.xs, x.min() - m)) - 1)
        k1 = min(nx - 1, int(np.searchsorted(self.xs, x.max() + m)))
        j0 = max(0, int(np.searchsorted(self.ys, y.min() - m)) - 1)
        j1 = min(ny - 1, int(np.searchsorted(self.ys, y.max() + m)))
        k1 = max(k1, k0 + 1)
        j1 = max(j1, j0 + 1)
        return j0, j1, k0, k1

    def _read(self, da: xr.DataArray, sl_t: slice, j0: int, j1: int, k0: int, k1: int) -> np.ndarray:
        ny, nx = self.ys.size, self.xs.size
        # Map ascending-axis indices back to the file's own order.
        yj = slice(ny - 1 - j1, ny - j0) if self._flip_y else slice(j0, j1 + 1)
        xk = slice(nx - 1 - k1, nx - k0) if self._flip_x else slice(k0, k1 + 1)
        return read_window(da, sl_t if self._has_time else None, yj, xk, self._flip_y, self._flip_x)


#: Most bytes of one component read (and decoded) at once while a window loads.
READ_BLOCK_BYTES = 16 * 2**20

#: Most bytes one field's window (u and v, float64) may hold; fewer time steps are read
#: when the particles span a large sub-area, so memory stays bounded on any file.
MAX_WINDOW_BYTES = 96 * 2**20


def read_window(da: xr.DataArray, sl_t: slice | None, sj: slice, sk: slice, flip_y: bool = False, flip_x: bool = False) -> np.ndarray:
    """``da[sl_t, sj, sk]`` (``da[sj, sk]`` without a time axis, ``sl_t`` None) as float64 (t, y, x).

    Read a block of time steps at a time: one read per step cost ~0.6 ms of xarray
    overhead each (a 25-step window of u and v: 30 ms instead of 1.4 ms), and blocks
    of at most :data:`READ_BLOCK_BYTES` keep the decoding temporaries small on a large
    sub-area. ``flip_y``/``flip_x`` reverse the axes (a file stored in descending order).
    """
    nt = sl_t.stop - sl_t.start if sl_t is not None else 1
    arr = np.empty((nt, sj.stop - sj.start, sk.stop - sk.start), dtype=np.float64)
    block = max(1, READ_BLOCK_BYTES // max(1, 8 * arr[0].size))
    for n0 in range(0, nt, block):
        n1 = min(nt, n0 + block)
        a = np.asarray((da[sl_t.start + n0 : sl_t.start + n1, sj, sk] if sl_t is not None else da[sj, sk]).values)
        if sl_t is None:
            a = a[None]
        if flip_y:
            a = a[:, ::-1, :]
        if flip_x:
            a = a[:, :, ::-1]
        arr[n0:n1] = a
    return arr


class LoadedWindow(NamedTuple):
    """The part of a field held in memory: time steps ``i0..i1``, rows ``j0..j1``, columns ``k0..k1``
    (inclusive, indices into the field's whole axes) and its east/north components, (nt, ny, nx) m/s."""

    i0: int
    i1: int
    j0: int
    j1: int
    k0: int
    k1: int
    u: np.ndarray
    v: np.ndarray


def covers_time(win: LoadedWindow | None, it: int, ft: float) -> TypeGuard[LoadedWindow]:
    """Whether a loaded window holds time step ``it`` and, if ``ft > 0``, ``it + 1``."""
    return win is not None and win.i0 <= it and it + (1 if ft > 0 else 0) <= win.i1


def with_loaded_area(win: LoadedWindow | None, it: int, ft: float, j0: int, j1: int, k0: int, k1: int) -> tuple[int, int, int, int]:
    """The slice ``j0..j1, k0..k1`` of a window about to be loaded, grown to hold ``win``'s area
    when ``win`` holds the same time steps.

    Such a load is for space alone (some particles outside, perhaps only the few the
    general drift step redoes): keeping what was loaded keeps the others inside.
    """
    if covers_time(win, it, ft):
        return min(j0, win.j0), max(j1, win.j1), min(k0, win.k0), max(k1, win.k1)
    return j0, j1, k0, k1


def window_steps_within(steps: int, cells: int, max_bytes: int = MAX_WINDOW_BYTES) -> int:
    """Time steps (at least 2, at most ``steps``) of a ``cells``-point u/v window within ``max_bytes``."""
    return int(max(2, min(steps, max_bytes // max(1, 16 * cells))))


def time_index(times: np.ndarray, time_s: float, name: str) -> tuple[int, float]:
    """Index ``i`` and fraction ``f`` with ``time_s = (1 - f)·times[i] + f·times[i + 1]``.

    ``times`` are seconds since epoch, strictly increasing; a single time means
    constant in time (``(0, 0.0)``). Raises :class:`OutsideDomainError` outside the axis.
    """
    if times.size == 1:
        return 0, 0.0
    t = times
    if time_s < t[0] - 1e-6 or time_s > t[-1] + 1e-6:
        raise OutsideDomainError(f"{name}: time {iso(time_s)} is outside the field's time range {iso(t[0])} to {iso(t[-1])}")
    i = int(np.searchsorted(t, time_s, side="right") - 1)
    i = min(max(i, 0), t.size - 2)
    ft = (time_s - t[i]) / (t[i + 1] - t[i])
    return i, float(min(max(ft, 0.0), 1.0))


def _identify_dims(da: xr.DataArray, name: str) -> tuple[str | None, str, str]:
    """Find the (time, lat, lon) dimension names of a DataArray on a regular grid."""
    tdim = ydim = xdim = None
    for d in da.dims:
        c = da.coords.get(d)
        attrs = c.attrs if c is not None else {}
        sn = attrs.get("standard_name", "")
        units = str(attrs.get("units", ""))
        dl = str(d).lower()
        # A dim named "time" is the time axis even when its values did not decode (no units):
        # the time reader then names that cause instead of a grid error.
        if c is not None and np.issubdtype(c.dtype, np.datetime64) or sn == "time" or attrs.get("axis") == "T" or dl == "time":
            tdim = d
        elif sn == "longitude" or units in ("degrees_east", "degree_east", "degreeE") or dl in ("lon", "longitude"):
            xdim = d
        elif sn == "latitude" or units in ("degrees_north", "degree_north", "degreeN") or dl in ("lat", "latitude"):
            ydim = d
    extra = [d for d in da.dims if d not in (tdim, ydim, xdim)]
    if xdim is None or ydim is None:
        raise SarexInputError(
            f"{name}: variable {da.name!r} has dims {tuple(da.dims)} without 1-D longitude/latitude axes "
            "(a regular lon/lat grid is required)"
        )
    if extra:
        raise SarexInputError(f"{name}: variable {da.name!r} has extra dimension(s) {extra} sarex cannot use")
    return (None if tdim is None else str(tdim)), str(ydim), str(xdim)
