"""Vector fields on curvilinear grids: 2-D longitude/latitude (ROMS style).

Locating a particle: the bilinear map of its cell is inverted by Newton's method,
giving fractional grid indices. The cell is searched around the one the particle
was in at its last sample; without one, a walk across the grid from the last point
found (each step guided by the point's position in the current cell's map,
extrapolated), and only where no walk arrives a KD-tree
(:class:`scipy.spatial.cKDTree`) on the nodes (as unit vectors, so it works across
the date line and near the poles) gives the nearest node to search from (the kernels:
:mod:`sarex.environment.cellsearch`). Sampling then is the regular kernel
(:func:`sarex.environment.gridsample.sample_regular_kernel`) in index space.

ROMS specifics (Shchepetkin & McWilliams 2005; ROMS wiki "Numerical Solution
Technique", Arakawa C grid): ``u`` lives on (``eta_u``, ``xi_u``) between rho
points along xi, ``v`` on (``eta_v``, ``xi_v``) between rho points along eta; they
are averaged to rho points (land faces, ``mask_u``/``mask_v`` = 0, left out), land
rho points (``mask_rho`` = 0) become NaN so the kernel flags them ``FLAG_NAN``, and
the components, along xi/eta, are rotated to east/north by ``angle`` (angle of
the xi axis counter-clockwise from east, radians). s-levels: the top one.
Only the time steps and the index sub-area around the particles are read.
"""

from __future__ import annotations


import numpy as np
import xarray as xr

from sarex.environment.base import time_axis_epoch_s, FLAG_OK, FLAG_OUTSIDE, axis_time_range, describe_time_range
from sarex.environment.orientation import EAST_NORTH, rotate_to_east_north
from sarex.environment.cellsearch import GridOutline, grid_outline, locate_kernel, outside_kernel, walk_kernel
from sarex.environment.fusable import CellHints, FusedGeometry, GridWindow, geometry, register_grid_kind
from sarex.environment.gridsample import (
    KIND_CURVILINEAR,
    SampleGrid,
    SampleOut,
    grid_extent,
    index_descriptor,
    sample_regular_kernel,
)
from sarex.environment.regular import LoadedWindow, covers_time, read_window, time_index, window_steps_within, with_loaded_area
from sarex.errors import SarexInputError



def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo = np.deg2rad(lon)
    la = np.deg2rad(lat)
    c = np.cos(la)
    return np.stack([c * np.cos(lo), c * np.sin(lo), np.sin(la)], axis=-1)


@register_grid_kind("curvilinear (ROMS)")
class CurvilinearGridField:
    """A vector field on a curvilinear grid with 2-D lon/lat, read window by window.

    Parameters
    ----------
    u, v
        Components (m/s), dims (time, eta, xi) (time optional, vertical already
        reduced). Either on the rho grid of ``lon``/``lat`` or staggered (u one
        shorter along xi, v one shorter along eta: Arakawa C).
    lon, lat
        2-D rho-point coordinates, degrees, shape (eta, xi).
    name
        For messages.
    orientation
        ``"east_north"`` or ``"grid_relative"`` (then ``angle`` is required).
    angle
        Angle of the xi axis counter-clockwise from east, radians, (eta, xi).
    mask_rho, mask_u, mask_v
        Land masks (1 sea, 0 land) on the rho/u/v grids, or ``None``.
    window_steps
        Time steps loaded at once.
    margin_cells
        Cells loaded around the particles with each window.
    """

    def __init__(
        self,
        u: xr.DataArray,
        v: xr.DataArray,
        lon: np.ndarray,
        lat: np.ndarray,
        name: str,
        orientation: str,
        angle: np.ndarray | None = None,
        mask_rho: np.ndarray | None = None,
        mask_u: np.ndarray | None = None,
        mask_v: np.ndarray | None = None,
        window_steps: int = 25,
        margin_cells: int = 4,
    ) -> None:
        self.name = name
        self.lon = np.ascontiguousarray(lon, dtype=np.float64)
        self.lat = np.ascontiguousarray(lat, dtype=np.float64)
        if self.lon.ndim != 2 or self.lon.shape != self.lat.shape or min(self.lon.shape) < 2:
            raise SarexInputError(f"{name}: 2-D longitude/latitude must have the same shape, at least 2x2, got {self.lon.shape} and {self.lat.shape}")
        ny, nx = self.lon.shape
        self._tdim_u = _time_dim(u)
        self._tdim_v = _time_dim(v)
        self._u = _as_t_eta_xi(u, self._tdim_u, name)
        self._v = _as_t_eta_xi(v, self._tdim_v, name)
        uy, ux = self._u.shape[-2:]
        vy, vx = self._v.shape[-2:]
        if (uy, ux) == (ny, nx):
            self._u_stag = False
        elif (uy, ux) == (ny, nx - 1):
            self._u_stag = True
        else:
            raise SarexInputError(f"{name}: u has grid shape {(uy, ux)}, expected {(ny, nx)} (rho) or {(ny, nx - 1)} (u points)")
        if (vy, vx) == (ny, nx):
            self._v_stag = False
        elif (vy, vx) == (ny - 1, nx):
            self._v_stag = True
        else:
            raise SarexInputError(f"{name}: v has grid shape {(vy, vx)}, expected {(ny, nx)} (rho) or {(ny - 1, nx)} (v points)")
        self.orientation = orientation
        if orientation != EAST_NORTH and angle is None:
            raise SarexInputError(f"{name}: grid-relative vectors on a curvilinear grid need an 'angle' variable to rotate them")
        self._angle = None if angle is None else np.asarray(angle, dtype=np.float64)
        self._mask_rho = None if mask_rho is None else np.asarray(mask_rho) > 0.5
        self._mask_u = None if mask_u is None else np.asarray(mask_u) > 0.5
        self._mask_v = None if mask_v is None else np.asarray(mask_v) > 0.5
        if self._tdim_u is not None:
            self.times = time_axis_epoch_s(u[self._tdim_u], name)
            if self.times.size > 1 and not np.all(np.diff(self.times) > 0):
                raise SarexInputError(f"{name}: time axis is not strictly increasing")
        else:
            self.times = np.array([0.0])
        self._tree = None  # a KD-tree of the nodes, built only when a walk fails (scipy.spatial: 0.2-0.8 s to import)
        self.window_steps = max(2, int(window_steps))
        self.margin_cells = int(margin_cells)
        self._win: LoadedWindow | None = None
        self._hint: CellHints | None = None  # each particle's last cell
        self._outline: GridOutline | None | bool = False  # the grid's outline (grid_outline), made at first need
        self.loads = 0

    # --- domain -----------------------------------------------------------------
    def time_range(self) -> tuple[float, float]:
        """See :meth:`sarex.environment.base.VectorField.time_range`."""
        return axis_time_range(self.times)

    def domain_description(self) -> str:
        """See :meth:`sarex.environment.base.VectorField.domain_description`."""
        t0, t1 = self.time_range()
        tr = describe_time_range(t0, t1)
        ny, nx = self.lon.shape
        return (
            f"{self.name}: curvilinear {ny}x{nx} grid, lon {np.nanmin(self.lon):.4f} to {np.nanmax(self.lon):.4f}, "
            f"lat {np.nanmin(self.lat):.4f} to {np.nanmax(self.lat):.4f}, {tr}"
        )

    def locate(self, lon: np.ndarray, lat: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fractional (xi, eta) indices of points and flags (``FLAG_OUTSIDE`` outside the grid).

        Particles move less than a cell per step, so the cell each point was found in
        last time (for arrays of the same size: the particles of a drift) is where the
        search starts. Points not found within two cells of it (the first call, a jump, or
        a point that left the grid) are tested against the grid's outline
        (:func:`~sarex.environment.cellsearch.outside_kernel`): those outside are outside,
        with no cell to start from next time (particles outside a nested grid would
        otherwise walk and ask the KD-tree at every sample); the others are found by
        walking the grid (:func:`walk_kernel`), and the KD-tree is asked only for points no
        walk reaches.
        """
        lon = np.ascontiguousarray(lon, dtype=np.float64)
        lat = np.ascontiguousarray(lat, dtype=np.float64)
        active = np.asarray(active, dtype=np.bool_)
        n = lon.size
        fi = np.full(n, np.nan)
        fj = np.full(n, np.nan)
        flag = np.full(n, FLAG_OUTSIDE, dtype=np.int8)
        hint = self._hint if self._hint is not None and self._hint.xi.size == n else None
        if hint is not None:
            near_i, near_j, known = hint.xi, hint.eta, hint.known
            try_hint = active & known
            locate_kernel(self.lon, self.lat, lon, lat, near_i, near_j, try_hint, fi, fj, flag)
            ask = active & (flag != FLAG_OK)
        else:
            near_i = np.zeros(n, dtype=np.int64)
            near_j = np.zeros(n, dtype=np.int64)
            known = np.zeros(n, dtype=np.bool_)
            ask = active
        outline = self.outline() if ask.any() else None
        if outline is not None:
            out = np.zeros(n, dtype=np.bool_)
            outside_kernel(outline.ref, outline.box, outline.band_start, outline.band_edges, outline.edges, lon, lat, ask, out)
            ask = ask & ~out
            known &= ~out
        if ask.any():
            walked = walk_kernel(self.lon, self.lat, lon, lat, ask, near_i, near_j)
            locate_kernel(self.lon, self.lat, lon, lat, near_i, near_j, walked, fi, fj, flag)
            idx = np.flatnonzero(ask & ~walked)
            if idx.size:  # not reached by walking (outside the grid, or a grid the walk cannot cross)
                if self._tree is None:
                    from scipy.spatial import cKDTree

                    self._tree = cKDTree(_unit_vectors(self.lon.ravel(), self.lat.ravel()))
                _, k = self._tree.query(_unit_vectors(lon[idx], lat[idx]))
                near_j[idx], near_i[idx] = np.divmod(k, self.lon.shape[1])
                locate_kernel(self.lon, self.lat, lon, lat, near_i, near_j, ask & ~walked, fi, fj, flag)
        found = active & (flag == FLAG_OK)
        near_i[found] = np.floor(fi[found]).astype(np.int64)
        near_j[found] = np.floor(fj[found]).astype(np.int64)
        known |= found
        self._hint = CellHints(near_i, near_j, known)
        return fi, fj, flag

    def outline(self) -> GridOutline | None:
        """The grid's outline (:func:`~sarex.environment.cellsearch.grid_outline`; None: none usable), made once."""
        if self._outline is False:
            self._outline = grid_outline(self.lon, self.lat)
        return self._outline

    def contains_lonlat(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """True where the points lie in a cell of the grid (:meth:`locate`, which updates the hints)."""
        return self.locate(lon, lat, np.ones(np.size(lon), dtype=np.bool_))[2] == FLAG_OK

    # --- the fused drift step -----------------------------------------------------
    def fused_geometry(self) -> FusedGeometry:
        """``KIND_CURVILINEAR`` for the fused drift step: the grid's lon/lat nodes."""
        return geometry(KIND_CURVILINEAR, glon=self.lon, glat=self.lat)

    def fused_extent(self) -> np.ndarray:
        """The nodes' longitude/latitude box (:func:`~sarex.environment.gridsample.grid_extent`).

        Every point of a cell lies in it (a cell's bilinear map in degrees stays within its
        corners' box), so a point outside is outside the grid: a stack's fused step sends
        it to the next source without searching the grid.
        """
        return grid_extent(np.array([np.nanmin(self.lon), np.nanmax(self.lon)]), np.array([np.nanmin(self.lat), np.nanmax(self.lat)]), longitude=True)

    def hints(self) -> CellHints | None:
        """Each particle's last cell (xi, eta) and whether it is known, as :meth:`locate` keeps them."""
        return self._hint

    def set_hints(self, hints: CellHints | None) -> None:
        """Replace the cells :meth:`locate` starts from (the fused step's, for the particles it moved)."""
        self._hint = hints

    def window_around(self, time_s: float, lon, lat, active, force: bool = False) -> GridWindow:
        """The loaded window for ``time_s`` around the particles, as :meth:`RegularGridField.window_at` gives it.

        In grid index space (axes ``k0 .. k1``, ``j0 .. j1``). The particles are located
        (which sets the hints the fused step searches from) only when a window must be
        loaded, ``force`` is set or the hints are not those of these particles.
        """
        it, ft = time_index(self.times, time_s, self.name)
        w = self._win
        hinted = self._hint is not None and self._hint.xi.size == np.size(lon)
        if force or not hinted or not covers_time(w, it, ft):
            fi, fj, flag = self.locate(lon, lat, active)
            inside = active & (flag == FLAG_OK)
            if inside.any():
                w = self._window_for(it, ft, fi[inside], fj[inside])
            else:  # nobody inside: any window, every sample is handed back as outside
                w = self._window_for(it, ft, np.zeros(1), np.zeros(1))
        xs = np.arange(w.k0, w.k1 + 1, dtype=np.float64)
        ys = np.arange(w.j0, w.j1 + 1, dtype=np.float64)
        return GridWindow(w.u, w.v, xs, ys, index_descriptor(w.k0, w.j0), it - w.i0, ft)

    # --- sampling ---------------------------------------------------------------
    def sample(self, lon, lat, time_s, active, out_u, out_v, out_flag) -> None:
        """See :meth:`sarex.environment.base.VectorField.sample`."""
        it, ft = time_index(self.times, time_s, self.name)
        fi, fj, flag = self.locate(lon, lat, active)
        outside = active & (flag != FLAG_OK)
        out_flag[outside] = FLAG_OUTSIDE
        inside = active & ~outside
        if not inside.any():
            return
        w = self._window_for(it, ft, fi[inside], fj[inside])
        xs = np.arange(w.k0, w.k1 + 1, dtype=np.float64)
        ys = np.arange(w.j0, w.j1 + 1, dtype=np.float64)
        ad = index_descriptor(w.k0, w.j0).array()
        sample_regular_kernel(SampleGrid(w.u, w.v, xs, ys, ad, it - w.i0, ft), fi, fj, inside, SampleOut(out_u, out_v, out_flag))

    def _window_for(self, it, ft, fi, fj):
        need_t1 = it + (1 if ft > 0 else 0)
        ny, nx = self.lon.shape
        lo_i, hi_i = int(np.floor(fi.min())), int(np.ceil(fi.max()))
        lo_j, hi_j = int(np.floor(fj.min())), int(np.ceil(fj.max()))
        w = self._win
        if covers_time(w, it, ft) and w.k0 <= lo_i and hi_i <= w.k1 and w.j0 <= lo_j and hi_j <= w.j1:
            return w
        m = self.margin_cells
        k0, k1 = max(0, lo_i - m), min(nx - 1, hi_i + m)
        j0, j1 = max(0, lo_j - m), min(ny - 1, hi_j + m)
        j0, j1, k0, k1 = with_loaded_area(w, it, ft, j0, max(j1, j0 + 1), k0, max(k1, k0 + 1))
        i0 = it
        steps = window_steps_within(self.window_steps, (j1 - j0 + 1) * (k1 - k0 + 1))
        i1 = min(self.times.size - 1, max(need_t1, it + steps - 1))
        sl_t = slice(i0, i1 + 1)
        self._win = None  # let the previous window go before reading the next one
        wu = self._read_rho(self._u, self._tdim_u, self._u_stag, "xi", self._mask_u, sl_t, j0, j1, k0, k1)
        wv = self._read_rho(self._v, self._tdim_v, self._v_stag, "eta", self._mask_v, sl_t, j0, j1, k0, k1)
        if self._mask_rho is not None:
            land = ~self._mask_rho[j0 : j1 + 1, k0 : k1 + 1]
            wu[:, land] = np.nan
            wv[:, land] = np.nan
        if self.orientation != EAST_NORTH:
            a = self._angle[j0 : j1 + 1, k0 : k1 + 1]
            ca, sa = np.cos(a), np.sin(a)
            for k in range(wu.shape[0]):
                wu[k], wv[k] = rotate_to_east_north(wu[k], wv[k], ca, sa)
        self._win = LoadedWindow(i0, i1, j0, j1, k0, k1, np.ascontiguousarray(wu), np.ascontiguousarray(wv))
        self.loads += 1
        return self._win

    def _read_rho(self, da, tdim, staggered, along, mask, sl_t, j0, j1, k0, k1) -> np.ndarray:
        """Read a window of ``da`` as values on rho points j0..j1 × k0..k1, (t, eta, xi)."""
        ny, nx = self.lon.shape
        tsl = sl_t if tdim is not None else None
        if not staggered:
            return read_window(da, tsl, slice(j0, j1 + 1), slice(k0, k1 + 1))
        n = nx if along == "xi" else ny
        a0, a1 = (k0, k1) if along == "xi" else (j0, j1)
        # rho point q lies between staggered points q-1 and q (clipped at the edges).
        s0, s1 = max(a0 - 1, 0), min(a1, n - 2)
        q = np.arange(a0, a1 + 1)
        left = np.clip(q - 1, 0, n - 2) - s0
        right = np.clip(q, 0, n - 2) - s0
        if along == "xi":
            arr = read_window(da, tsl, slice(j0, j1 + 1), slice(s0, s1 + 1))
            if mask is not None:
                arr[:, ~mask[j0 : j1 + 1, s0 : s1 + 1]] = np.nan
            a, b = arr[:, :, left], arr[:, :, right]
        else:
            arr = read_window(da, tsl, slice(s0, s1 + 1), slice(k0, k1 + 1))
            if mask is not None:
                arr[:, ~mask[s0 : s1 + 1, k0 : k1 + 1]] = np.nan
            a, b = arr[:, left, :], arr[:, right, :]
        with np.errstate(invalid="ignore"):
            out = np.where(np.isnan(a), b, np.where(np.isnan(b), a, 0.5 * (a + b)))
        return out


def _time_dim(da: xr.DataArray) -> str | None:
    for d in da.dims:
        c = da.coords.get(d)
        if c is not None and np.issubdtype(c.dtype, np.datetime64):
            return d
        if c is not None and (c.attrs.get("standard_name") == "time" or c.attrs.get("axis") == "T"):
            return d
    return None


def _as_t_eta_xi(da: xr.DataArray, tdim: str | None, name: str) -> xr.DataArray:
    space = [d for d in da.dims if d != tdim]
    if len(space) != 2:
        raise SarexInputError(f"{name}: variable {da.name!r} has dims {tuple(da.dims)}; expected (time, eta, xi) after taking the surface level")
    return da.transpose(tdim, *space) if tdim else da.transpose(*space)
