"""Vector fields on projected CF grids: x/y axes with a ``grid_mapping``.

The CRS comes from the CF grid-mapping variable through :meth:`pyproj.CRS.from_cf`
(Lambert conformal conic, polar stereographic, rotated pole, transverse Mercator,
Mercator, and every other mapping pyproj knows). Particle lon/lat (WGS84) are
transformed to grid x/y and sampled with the same bilinear-in-space,
linear-in-time numba kernel as regular lon/lat grids
(:func:`sarex.environment.gridsample.sample_regular_kernel`, which only needs
ascending axes), window by window.

Grid-relative components (``x_wind``/``y_wind``, ``x_sea_water_velocity``/...)
are rotated to east/north on each loaded window. The rotation angle is that of
the grid's x axis at each node, computed from the projection itself: the two
points ``(x ± ε, y)`` are transformed to the CRS's own geographic coordinates and
the geodesic azimuth between them (:meth:`pyproj.Geod.inv` on the CRS's
ellipsoid) gives the direction of +x; the y axis is 90° counter-clockwise
from it, as on every conformal projection and on a rotated-pole grid. For a
Lambert conformal conic this reproduces the meridian convergence
``γ = n (λ − λ0)`` (Snyder 1987, *Map Projections — A Working Manual*, USGS PP
1395, eq. 15-1 ff.), which the tests check.
"""

from __future__ import annotations


import numpy as np
import pyproj
import xarray as xr

from sarex.environment.lcc import lcc_constants, lcc_forward_kernel
from sarex.environment.base import FLAG_OUTSIDE, describe_time_range
from sarex.environment.orientation import EAST_NORTH, rotate_to_east_north
from sarex.environment.fusable import FusedGeometry, GridWindow, geometry, register_grid_kind
from sarex.environment.gridsample import KIND_LCC, axis_descriptor, grid_extent
from sarex.environment.regular import RegularGridField
from sarex.errors import SarexInputError

X_NAMES = {"projection_x_coordinate", "grid_longitude"}
Y_NAMES = {"projection_y_coordinate", "grid_latitude"}

_UNIT_SCALE = {"m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0, "metres": 1.0, "km": 1000.0, "kilometer": 1000.0,
               "kilometers": 1000.0, "kilometre": 1000.0, "kilometres": 1000.0, "100 km": 1.0e5, "100km": 1.0e5}


def grid_mapping_variable(ds: xr.Dataset, da: xr.DataArray) -> xr.DataArray | None:
    """The CF grid-mapping variable of ``da`` (``grid_mapping`` attribute), or ``None``."""
    gm = da.attrs.get("grid_mapping") or da.encoding.get("grid_mapping")
    if not gm:
        return None
    name = str(gm).split(":")[0].split()[0]
    if name in ds.variables:
        return ds[name]
    return None


def projected_dims(da: xr.DataArray) -> tuple[str | None, str, str] | None:
    """(time, y, x) dims of ``da`` if it has projected/rotated x/y axes, else ``None``."""
    tdim = xdim = ydim = None
    for d in da.dims:
        c = da.coords.get(d)
        attrs = c.attrs if c is not None else {}
        sn = attrs.get("standard_name", "")
        if c is not None and np.issubdtype(c.dtype, np.datetime64) or sn == "time" or attrs.get("axis") == "T":
            tdim = d
        elif sn in X_NAMES or (attrs.get("axis") == "X" and _axis_scale(attrs) is not None):
            xdim = d
        elif sn in Y_NAMES or (attrs.get("axis") == "Y" and _axis_scale(attrs) is not None):
            ydim = d
        elif str(d) in ("x", "rlon", "xc") and c is not None:
            xdim = d
        elif str(d) in ("y", "rlat", "yc") and c is not None:
            ydim = d
    if xdim is None or ydim is None:
        return None
    return tdim, ydim, xdim


def _axis_scale(attrs: dict) -> float | None:
    units = str(attrs.get("units", "m")).strip().lower()
    if units in _UNIT_SCALE:
        return _UNIT_SCALE[units]
    if units.startswith("degree"):
        return 1.0
    return None


def crs_from_grid_mapping(gm: xr.DataArray, source: str) -> pyproj.CRS:
    """pyproj CRS of a CF grid-mapping variable; one-line error if it is unknown or invalid."""
    attrs = dict(gm.attrs)
    if "grid_mapping_name" not in attrs and "crs_wkt" not in attrs and "spatial_ref" not in attrs:
        raise SarexInputError(f"{source}: grid_mapping variable {gm.name!r} has no grid_mapping_name (nor crs_wkt)")
    try:
        return pyproj.CRS.from_cf(attrs)
    except Exception as exc:  # noqa: BLE001 - pyproj raises several types for bad mappings
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SarexInputError(
            f"{source}: grid_mapping {gm.name!r} ({attrs.get('grid_mapping_name', '?')}) is not a projection sarex can use ({msg})"
        ) from None


@register_grid_kind("projected x/y")
class ProjectedGridField(RegularGridField):
    """A vector field on projected x/y axes, sampled at WGS84 lon/lat.

    Parameters
    ----------
    u, v
        Components (m/s) with dims (time, y, x) in any order (time optional).
    crs
        The grid's CRS (from its CF grid mapping).
    name
        For messages.
    orientation
        ``"east_north"`` (no rotation) or ``"grid_relative"`` (rotate by the projection's angle).
    dims
        (time or None, y, x) dimension names.
    window_steps
        Time steps loaded at once.
    margin_cells
        Grid cells loaded around the particles with each window.
    """

    def __init__(
        self,
        u: xr.DataArray,
        v: xr.DataArray,
        crs: pyproj.CRS,
        name: str,
        orientation: str,
        dims: tuple[str | None, str, str],
        window_steps: int = 25,
        margin_cells: int = 6,
    ) -> None:
        tdim, ydim, xdim = dims
        scale_x = _axis_scale(u[xdim].attrs) or 1.0
        scale_y = _axis_scale(u[ydim].attrs) or 1.0
        super().__init__(u, v, name, window_steps=window_steps, margin_deg=0.0, dims=dims)
        # Axes in the CRS's own units (metres, or degrees for rotated pole).
        if crs.is_geographic:
            scale_x = scale_y = 1.0
        self.xs = self.xs * scale_x
        self.ys = self.ys * scale_y
        self.axes = axis_descriptor(self.xs, self.ys, longitude=bool(crs.is_geographic))  # metres never wrap by 360
        self.margin_deg = margin_cells * float(max(np.max(np.diff(self.xs)), np.max(np.diff(self.ys))))
        self._min_step = float(min(np.min(np.diff(self.xs)), np.min(np.diff(self.ys))))
        self.crs = crs
        self.orientation = orientation
        self._to_grid = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        # Lambert conformal grids project in a compiled kernel where it agrees with PROJ (1 µm)
        self._lcc = lcc_constants(crs, self.xs, self.ys, self._to_grid)
        # Geographic coordinates on the grid's own datum (for a derived geographic CRS such
        # as the rotated pole, crs.geodetic_crs would give back the rotated coordinates).
        own_geo = pyproj.crs.GeographicCRS(datum=crs.datum.to_json_dict())
        self._to_geo = pyproj.Transformer.from_crs(crs, own_geo, always_xy=True)
        # A rotated-pole grid is a rotation of the sphere: its axes' directions are spherical.
        self._geod = pyproj.Geod(a=6371000.0, f=0.0) if crs.is_geographic else crs.get_geod()
        self._rotated_window: int = -1
        self._lonlat_box: tuple[float, float, float, float] | None = None

    # --- geometry ---------------------------------------------------------------
    def to_grid(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grid x/y (CRS units) of WGS84 lon/lat points."""
        if self._lcc is not None:
            shape = np.shape(lon)
            lon = np.ascontiguousarray(lon, dtype=np.float64).ravel()
            lat = np.ascontiguousarray(np.broadcast_to(lat, shape), dtype=np.float64).ravel()
            x, y = np.empty(lon.size), np.empty(lon.size)
            lcc_forward_kernel(lon, lat, self._lcc, x, y)
            return x.reshape(shape), y.reshape(shape)
        x, y = self._to_grid.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        return np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """True where grid points ``x``/``y`` (CRS units, not lon/lat) lie inside the grid.

        The window logic inherited from :class:`RegularGridField` works in grid
        coordinates here, so this takes x/y; see :meth:`contains_lonlat`.
        """
        return (x >= self.xs[0]) & (x <= self.xs[-1]) & (y >= self.ys[0]) & (y <= self.ys[-1])

    def contains_lonlat(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """True where the WGS84 points lie inside the grid."""
        return self.contains(*self.to_grid(lon, lat))

    def axis_angle(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Angle (rad, counter-clockwise from east) of the grid's +x axis at nodes (ys × xs)."""
        xx, yy = np.meshgrid(xs, ys)
        eps = 1e-4 * self._min_step
        lon1, lat1 = self._to_geo.transform(xx - eps, yy)
        lon2, lat2 = self._to_geo.transform(xx + eps, yy)
        az, _, _ = self._geod.inv(lon1, lat1, lon2, lat2)
        return np.deg2rad(90.0 - np.asarray(az, dtype=np.float64))

    def lonlat_box(self) -> tuple[float, float, float, float]:
        """(lon_min, lon_max, lat_min, lat_max) of the grid's outline, degrees."""
        if self._lonlat_box is None:
            n = 200
            ex = np.concatenate([np.linspace(self.xs[0], self.xs[-1], n), np.full(n, self.xs[-1]),
                                 np.linspace(self.xs[-1], self.xs[0], n), np.full(n, self.xs[0])])
            ey = np.concatenate([np.full(n, self.ys[0]), np.linspace(self.ys[0], self.ys[-1], n),
                                 np.full(n, self.ys[-1]), np.linspace(self.ys[-1], self.ys[0], n)])
            to_wgs = pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
            lo, la = to_wgs.transform(ex, ey)
            self._lonlat_box = (float(np.nanmin(lo)), float(np.nanmax(lo)), float(np.nanmin(la)), float(np.nanmax(la)))
        return self._lonlat_box

    def domain_description(self) -> str:
        """See :meth:`sarex.environment.base.VectorField.domain_description`."""
        t0, t1 = self.time_range()
        tr = describe_time_range(t0, t1)
        lo0, lo1, la0, la1 = self.lonlat_box()
        return (
            f"{self.name}: {self.crs.name} grid x {self.xs[0]:.6g} to {self.xs[-1]:.6g}, "
            f"y {self.ys[0]:.6g} to {self.ys[-1]:.6g} (about lon {lo0:.3f} to {lo1:.3f}, lat {la0:.3f} to {la1:.3f}), {tr}"
        )

    # --- the fused drift step -----------------------------------------------------
    def fused_geometry(self) -> FusedGeometry | None:
        """``KIND_LCC`` on a Lambert grid the compiled kernel projects to; else ``None`` (PROJ)."""
        return None if self._lcc is None else geometry(KIND_LCC, lcc=self._lcc)

    def fused_extent(self) -> np.ndarray:
        """The grid's x/y extent, with :meth:`sample`'s tolerance (points on the edge may project just outside)."""
        return grid_extent(self.xs, self.ys, longitude=False, tolerance=self._edge_tolerance())

    def _edge_tolerance(self) -> float:
        return 1e-7 * self._min_step

    def window_around(self, time_s: float, lon, lat, active, force: bool = False) -> GridWindow:
        """:meth:`window_at` for particles at WGS84 lon/lat: projected only when a window is loaded."""
        if self._reload_due(time_s, force):
            lon, lat = self.to_grid(lon, lat)
        return self.window_at(time_s, lon, lat, active, force=force)

    # --- sampling ---------------------------------------------------------------
    def sample(self, lon, lat, time_s, active, out_u, out_v, out_flag) -> None:
        """See :meth:`sarex.environment.base.VectorField.sample`."""
        x, y = self.to_grid(lon, lat)
        # Points on the outer grid lines may come back from the projection a rounding error outside.
        tol = self._edge_tolerance()
        inside = (x >= self.xs[0] - tol) & (x <= self.xs[-1] + tol) & (y >= self.ys[0] - tol) & (y <= self.ys[-1] + tol)
        np.clip(x, self.xs[0], self.xs[-1], out=x)
        np.clip(y, self.ys[0], self.ys[-1], out=y)
        out_flag[active & ~inside] = FLAG_OUTSIDE
        # Only inside points reach the kernel, so its longitude wrap never applies to x/y axes.
        super().sample(x, y, time_s, active & inside, out_u, out_v, out_flag)

    def _window_for(self, it, ft, lon, lat, active, force=False):
        win = super()._window_for(it, ft, lon, lat, active, force)
        if self.orientation != EAST_NORTH and self._rotated_window != self.loads:
            _, _, j0, j1, k0, k1, wu, wv = win
            a = self.axis_angle(self.xs[k0 : k1 + 1], self.ys[j0 : j1 + 1])
            ca, sa = np.cos(a), np.sin(a)
            for k in range(wu.shape[0]):  # one time step at a time: no window-sized temporaries
                wu[k], wv[k] = rotate_to_east_north(wu[k], wv[k], ca, sa)
            self._rotated_window = self.loads
        return win
