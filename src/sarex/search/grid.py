"""Probability grid: particle weights binned on an equal-area grid at one time.

Each particle carries a weight (probability; the weights of a drift file sum
to 1). At a given time the afloat (active) particles are binned on square cells
of a local Lambert azimuthal equal-area projection centred on their weighted
centroid, so every cell has the same true area (REFERENCES §2). Stranded
particles are not smeared over sea cells: their points and weights are kept
separately; weight that left the model domain, is not yet released, or lies
outside a given extent is reported, so all parts add up to the total weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numba
import numpy as np
import xarray as xr
from scipy.ndimage import gaussian_filter

from sarex import __version__
from sarex.drift.case.classes import alive_at
from sarex.errors import SarexInputError
from sarex.geo import NM_M, LocalProjection, laea_constants, laea_point
from sarex.io.atomic import atomic_path
from sarex.io.driftfile import STATUS_ACTIVE, STATUS_LEFT_DOMAIN, STATUS_STRANDED, STATUS_UNRELEASED
from sarex.search.containment import cumulative_containment
from sarex.search.positions import Positions, positions_at
from sarex.times import epoch_s_to_datetime64, iso

MAX_CELLS = 16_000_000


@numba.njit(cache=True, parallel=True)
def centroid_kernel(lon, lat, w, use):
    """Weighted centroid (degrees) through 3-D unit vectors, as :func:`sarex.drift.summary.weighted_centroid`."""
    sx = 0.0
    sy = 0.0
    sz = 0.0
    for i in numba.prange(lon.size):
        if use[i]:
            la = math.radians(lat[i])
            lo = math.radians(lon[i])
            cl = math.cos(la)
            sx += w[i] * cl * math.cos(lo)
            sy += w[i] * cl * math.sin(lo)
            sz += w[i] * math.sin(la)
    return math.degrees(math.atan2(sy, sx)), math.degrees(math.atan2(sz, math.hypot(sx, sy)))


@numba.njit(cache=True, parallel=True)
def project_kernel(lon, lat, use, c, out_x, out_y):
    """Projected coordinates (m) of used points; NaN elsewhere."""
    for i in numba.prange(lon.size):
        if use[i]:
            out_x[i], out_y[i] = laea_point(lon[i], lat[i], c)
        else:
            out_x[i] = np.nan
            out_y[i] = np.nan


@numba.njit(cache=True, parallel=True)
def cell_index_kernel(x, y, use, x0, y0, cell, nx, ny, out_index):
    """Cell index ``iy*nx + ix`` of each used point, -1 if unused, -2 if outside the grid."""
    for i in numba.prange(x.size):
        if not use[i]:
            out_index[i] = -1
            continue
        fx = (x[i] - x0) / cell
        fy = (y[i] - y0) / cell
        if fx < 0.0 or fy < 0.0 or fx >= nx or fy >= ny:
            out_index[i] = -2
            continue
        out_index[i] = int(fy) * nx + int(fx)


@dataclass
class ProbabilityGrid:
    """Cell probabilities on an equal-area grid at one time.

    Attributes
    ----------
    projection
        The local Lambert azimuthal equal-area projection of the grid.
    cell_m
        Cell side, m.
    x0_m, y0_m
        Projected coordinates of the grid's lower-left corner, m.
    probability
        Probability of each cell, shape ``(ny, nx)``: the share of the total weight
        of all particles that is afloat in the cell.
    time_s
        Time of the grid, s since epoch.
    stranded_lon, stranded_lat, stranded_weight
        Stranded particles (degrees, share of the total weight).
    left_weight, unreleased_weight, outside_weight
        Shares of the total weight that left the model domain, are not released yet,
        or are afloat outside the grid's extent.
    """

    projection: LocalProjection
    cell_m: float
    x0_m: float
    y0_m: float
    probability: np.ndarray
    time_s: float
    stranded_lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stranded_lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stranded_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    left_weight: float = 0.0
    unreleased_weight: float = 0.0
    outside_weight: float = 0.0
    source: str = ""

    # --- construction ------------------------------------------------------------------

    @classmethod
    def from_drift(
        cls,
        ds: xr.Dataset,
        time: str | float,
        cell_nm: float = 1.0,
        extent_nm: float | None = None,
        centre: tuple[float, float] | None = None,
        interpolate: bool = True,
        source: str = "drift file",
        alive: bool = False,
    ) -> "ProbabilityGrid":
        """Grid of a drift dataset at ``time`` (ISO string or s since epoch).

        Parameters
        ----------
        cell_nm
            Cell side, nautical miles (> 0).
        extent_nm
            Half-width of a square grid around the centre, nm; ``None`` fits the grid
            to all afloat particles.
        centre
            Projection centre (lon, lat) degrees; default the weighted centroid of the afloat particles.
        interpolate
            Interpolate positions linearly between outputs (else take the nearest output).
        alive
            Probability that the person is there *and alive*: each weight times the particle's
            survival probability at the time (a case with a survival model); the shares then
            add up to the probability of being alive, not to 1.
        """
        pos = positions_at(ds, time, interpolate=interpolate, source=source)
        if not alive:
            return cls.from_positions(pos, cell_nm=cell_nm, extent_nm=extent_nm, centre=centre, source=source)
        a = alive_at(ds, pos.time_s)
        if a is None:
            raise SarexInputError(f"{source}: --alive: the drift has no survival model (a case scenario with survival = {{...}})")
        w = np.asarray(pos.weight, dtype=np.float64)
        share = float(np.sum(w * a)) / float(np.sum(w))
        if not share > 0.0:
            raise SarexInputError(f"{source}: --alive: no one is alive at {iso(pos.time_s)} under the survival model")
        g = cls.from_positions(replace(pos, weight=w * a), cell_nm=cell_nm, extent_nm=extent_nm, centre=centre, source=source)
        return replace(g, probability=g.probability * share, stranded_weight=g.stranded_weight * share, left_weight=g.left_weight * share,
                       unreleased_weight=g.unreleased_weight * share, outside_weight=g.outside_weight * share)

    @classmethod
    def from_positions(
        cls,
        pos: Positions,
        cell_nm: float = 1.0,
        extent_nm: float | None = None,
        centre: tuple[float, float] | None = None,
        source: str = "particles",
    ) -> "ProbabilityGrid":
        """Grid of particle positions (see :meth:`from_drift`)."""
        if not (cell_nm > 0.0) or not math.isfinite(cell_nm):
            raise SarexInputError(f"cell size: {cell_nm} nm must be > 0")
        if extent_nm is not None and not (extent_nm > 0.0):
            raise SarexInputError(f"extent: {extent_nm} nm must be > 0")
        w = np.asarray(pos.weight, dtype=np.float64)
        total = float(w.sum())
        st = pos.status
        finite = np.isfinite(pos.lon) & np.isfinite(pos.lat)
        active = (st == STATUS_ACTIVE) & finite
        stranded = (st == STATUS_STRANDED) & finite
        left = float(w[st == STATUS_LEFT_DOMAIN].sum()) / total
        unreleased = float(w[(st == STATUS_UNRELEASED) | (~finite & (st == STATUS_ACTIVE))].sum()) / total
        if not active.any():
            nan_active = int(np.count_nonzero((st == STATUS_ACTIVE) & ~finite))
            if nan_active:
                raise SarexInputError(f"{source}: the {nan_active} particle(s) with status active at {iso(pos.time_s)} have NaN lon/lat "
                                      "(the file's positions hold no numbers there)")
            raise SarexInputError(f"{source}: no particle is afloat at {iso(pos.time_s)}")
        lon = np.ascontiguousarray(pos.lon, dtype=np.float64)
        lat = np.ascontiguousarray(pos.lat, dtype=np.float64)
        if centre is None:
            centre = centroid_kernel(lon, lat, w, active)
        proj = LocalProjection(float(centre[0]), float(centre[1]))
        c = laea_constants(proj.lon0, proj.lat0)
        cell = cell_nm * NM_M
        x = np.empty_like(lon)
        y = np.empty_like(lat)
        project_kernel(lon, lat, active, c, x, y)
        if extent_nm is None:
            ix0, ix1 = math.floor(np.nanmin(x) / cell), math.floor(np.nanmax(x) / cell) + 1
            iy0, iy1 = math.floor(np.nanmin(y) / cell), math.floor(np.nanmax(y) / cell) + 1
        else:
            n_half = int(math.ceil(extent_nm / cell_nm))
            ix0, ix1, iy0, iy1 = -n_half, n_half, -n_half, n_half
        nx, ny = ix1 - ix0, iy1 - iy0
        if nx * ny > MAX_CELLS:
            raise SarexInputError(
                f"cell size: {cell_nm} nm gives {nx}x{ny} cells over the particle cloud (max {MAX_CELLS}); use a larger cell or an explicit extent"
            )
        x0, y0 = ix0 * cell, iy0 * cell
        idx = np.empty(lon.size, dtype=np.int64)
        cell_index_kernel(x, y, active, x0, y0, cell, nx, ny, idx)
        inside = idx >= 0
        prob = np.bincount(idx[inside], weights=w[inside], minlength=nx * ny).reshape(ny, nx) / total
        outside = float(w[idx == -2].sum()) / total
        return cls(
            projection=proj,
            cell_m=cell,
            x0_m=x0,
            y0_m=y0,
            probability=prob,
            time_s=float(pos.time_s),
            stranded_lon=pos.lon[stranded].copy(),
            stranded_lat=pos.lat[stranded].copy(),
            stranded_weight=w[stranded] / total,
            left_weight=left,
            unreleased_weight=unreleased,
            outside_weight=outside,
            source=source,
        )

    def smoothed(self, sigma_nm: float) -> "ProbabilityGrid":
        """The grid convolved with a normal kernel of standard deviation ``sigma_nm`` (kernel density).

        A small ensemble gives a noisy histogram whose containment areas fray into many
        cells; smoothing trades that noise for a slight widening (variance + σ²). The grid
        is padded by 4σ so no probability is lost.
        """
        from dataclasses import replace


        if not (sigma_nm > 0.0) or not math.isfinite(sigma_nm):
            raise SarexInputError(f"smoothing: {sigma_nm} nm must be > 0")
        s_cells = sigma_nm / self.cell_nm
        pad = int(math.ceil(4.0 * s_cells)) + 1
        p = np.pad(self.probability, pad)
        p = gaussian_filter(p, sigma=s_cells, mode="constant", truncate=4.0)
        p *= self.probability.sum() / p.sum()
        return replace(self, probability=p, x0_m=self.x0_m - pad * self.cell_m, y0_m=self.y0_m - pad * self.cell_m)

    # --- geometry ----------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        return self.probability.shape

    @property
    def cell_nm(self) -> float:
        return self.cell_m / NM_M

    @property
    def cell_area_nm2(self) -> float:
        """Area of one cell, nm² (exact: the projection is equal-area)."""
        return self.cell_nm**2

    @property
    def x_centres_m(self) -> np.ndarray:
        return self.x0_m + (np.arange(self.shape[1]) + 0.5) * self.cell_m

    @property
    def y_centres_m(self) -> np.ndarray:
        return self.y0_m + (np.arange(self.shape[0]) + 0.5) * self.cell_m

    def cell_centres_lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude (degrees) of the cell centres, each ``(ny, nx)``."""
        xx, yy = np.meshgrid(self.x_centres_m, self.y_centres_m)
        lon, lat = self.projection.inverse(xx, yy)
        return lon.reshape(xx.shape), lat.reshape(xx.shape)

    @property
    def afloat_probability(self) -> float:
        """Share of the total weight afloat (in the grid and outside its extent)."""
        return float(self.probability.sum()) + self.outside_weight

    @property
    def stranded_probability(self) -> float:
        return float(self.stranded_weight.sum())

    # --- output ------------------------------------------------------------------------

    def to_dataset(self) -> xr.Dataset:
        """CF-1.8 NetCDF dataset: probability per cell, cell-centre lon/lat, stranded points."""
        lon, lat = self.cell_centres_lonlat()
        p = self.projection
        ds = xr.Dataset(
            {
                "probability": (
                    ("y", "x"),
                    self.probability,
                    {
                        "long_name": "probability that the search object is afloat in the cell",
                        "units": "1",
                        "grid_mapping": "crs",
                        "coordinates": "lat lon",
                        "cell_methods": "area: sum",
                    },
                ),
                "probability_density": (
                    ("y", "x"),
                    self.probability / self.cell_area_nm2,
                    {"long_name": "probability per unit area", "units": "nmi-2", "grid_mapping": "crs", "coordinates": "lat lon"},
                ),
                "containment": (
                    ("y", "x"),
                    cumulative_containment(self.probability),
                    {
                        "long_name": "probability of containment of the smallest cell set that includes this cell, as a fraction of the gridded afloat probability",
                        "units": "1",
                        "grid_mapping": "crs",
                        "coordinates": "lat lon",
                    },
                ),
                "crs": (
                    (),
                    np.int32(0),
                    {
                        "grid_mapping_name": "lambert_azimuthal_equal_area",
                        "longitude_of_projection_origin": p.lon0,
                        "latitude_of_projection_origin": p.lat0,
                        "false_easting": 0.0,
                        "false_northing": 0.0,
                        "semi_major_axis": 6378137.0,
                        "inverse_flattening": 298.257223563,
                        "crs_wkt": p.crs.to_wkt(),
                        "proj4": p.proj4,
                    },
                ),
                "stranded_lon": (("stranded",), self.stranded_lon, {"standard_name": "longitude", "units": "degrees_east"}),
                "stranded_lat": (("stranded",), self.stranded_lat, {"standard_name": "latitude", "units": "degrees_north"}),
                "stranded_probability": (("stranded",), self.stranded_weight, {"long_name": "probability carried by each stranded particle", "units": "1"}),
            },
            coords={
                "x": ("x", self.x_centres_m, {"standard_name": "projection_x_coordinate", "units": "m"}),
                "y": ("y", self.y_centres_m, {"standard_name": "projection_y_coordinate", "units": "m"}),
                "lon": (("y", "x"), lon, {"standard_name": "longitude", "units": "degrees_east", "long_name": "longitude of cell centre"}),
                "lat": (("y", "x"), lat, {"standard_name": "latitude", "units": "degrees_north", "long_name": "latitude of cell centre"}),
                "time": ((), epoch_s_to_datetime64(self.time_s), {"standard_name": "time"}),
            },
            attrs={
                "Conventions": "CF-1.8",
                "title": "sarex probability map",
                "source": f"sarex {__version__}",
                "history": f"probability grid from {self.source}",
                "time": iso(self.time_s),
                "cell_size_nm": self.cell_nm,
                "cell_area_nm2": self.cell_area_nm2,
                "afloat_probability": self.afloat_probability,
                "gridded_probability": float(self.probability.sum()),
                "outside_grid_probability": self.outside_weight,
                "stranded_probability_total": self.stranded_probability,
                "left_domain_probability": self.left_weight,
                "unreleased_probability": self.unreleased_weight,
            },
        )
        return ds

    def write_netcdf(self, path) -> None:
        """Write :meth:`to_dataset` atomically."""
        ds = self.to_dataset()
        enc = {"time": {"units": "seconds since 1970-01-01 00:00:00", "calendar": "standard", "dtype": "float64"}}
        for v in ("probability", "probability_density", "containment"):
            enc[v] = {"zlib": True, "complevel": 4}
        with atomic_path(path) as tmp:
            ds.to_netcdf(tmp, engine="netcdf4", encoding=enc)
