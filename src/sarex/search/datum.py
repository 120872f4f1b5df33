"""The IAMSAR datum method: datum, total probable error, search radius and square area.

The classical manual answer, shown beside the containment areas (REFERENCES §2;
IAMSAR Manual Vol. II, ch. 4 "Search planning and evaluation"):

* datum = most probable position: here the weighted centroid of the afloat particles;
* total probable error ``E = sqrt(X² + Y² + De²)`` with X the initial position
  error (default: the LKP radius of the drift file), Y the search unit's
  navigational error (default 0.1 nm, GNSS, IAMSAR Vol. II navigational fix
  errors table) and De the drift error, by default 1/8 of the total drift
  distance (length of the datum's track from the LKP);
* search radius ``R = fs·E`` with the search factor fs; without an effort-based
  optimum the expanding-search factors of successive searches are used:
  1.1, 1.6, 2.0, 2.3, 2.5 (U.S. National SAR Manual 1991 / IAMSAR 1998 edition
  "search factor" for the first to fifth search; later searches keep 2.5);
* search area: the square of side 2R centred on the datum (oriented north).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import xarray as xr
from shapely.geometry import Point, Polygon

from sarex.errors import SarexInputError
from sarex.io.driftfile import STATUS_ACTIVE, STATUS_STRANDED
from sarex.search.grid import NM_M, centroid_kernel
from sarex.search.positions import positions_at, time_index_weights
from sarex.geo import GEOD, LocalProjection
from sarex.times import iso

SEARCH_FACTORS = (1.1, 1.6, 2.0, 2.3, 2.5)
DEFAULT_NAV_ERROR_NM = 0.1
DEFAULT_DRIFT_ERROR_FRACTION = 1.0 / 8.0



def search_factor(search_number: int) -> float:
    """Search factor fs of the n-th successive search (1-based), see module docstring."""
    if search_number < 1:
        raise SarexInputError(f"search number: {search_number} must be >= 1")
    return SEARCH_FACTORS[min(search_number, len(SEARCH_FACTORS)) - 1]


def total_probable_error_nm(x_nm: float, y_nm: float, de_nm: float) -> float:
    """``E = sqrt(X² + Y² + De²)``, nm (IAMSAR Vol. II)."""
    return math.sqrt(x_nm**2 + y_nm**2 + de_nm**2)


@dataclass(frozen=True)
class DatumArea:
    """Result of the datum method at one time."""

    time_s: float
    datum_lon: float
    datum_lat: float
    drift_distance_nm: float
    x_nm: float
    y_nm: float
    de_nm: float
    e_nm: float
    fs: float
    radius_nm: float
    square: Polygon
    circle: Polygon
    #: share of the total probability afloat at the time (the datum is their centroid) and the particles it is placed from
    afloat_fraction: float = 1.0
    afloat_particles: int = 0
    stranded_fraction: float = 0.0

    @property
    def warnings(self) -> list[str]:
        """A line when the datum stands for less than half of the total probability."""
        if self.afloat_fraction >= DATUM_WARN_AFLOAT:
            return []
        return [f"the IAMSAR datum is the centroid of the {self.afloat_particles} particles still afloat, "
                f"{100 * self.afloat_fraction:.1f} % of the total probability ({100 * self.stranded_fraction:.1f} % stranded): "
                f"the datum area does not hold most of the probability"]

    @property
    def area_nm2(self) -> float:
        """Area of the square search area, nm²."""
        return (2.0 * self.radius_nm) ** 2

    def summary(self) -> dict:
        return {
            "time": iso(self.time_s),
            "datum_lon": self.datum_lon,
            "datum_lat": self.datum_lat,
            "drift_distance_nm": self.drift_distance_nm,
            "X_nm": self.x_nm,
            "Y_nm": self.y_nm,
            "De_nm": self.de_nm,
            "E_nm": self.e_nm,
            "fs": self.fs,
            "radius_nm": self.radius_nm,
            "area_nm2": self.area_nm2,
            "afloat_fraction": self.afloat_fraction,
            "stranded_fraction": self.stranded_fraction,
        }


#: Warn when less than this share of the total probability is afloat at the datum time.
DATUM_WARN_AFLOAT = 0.5


def _centroid(lon, lat, w, use) -> tuple[float, float]:
    return centroid_kernel(np.ascontiguousarray(lon, dtype=np.float64), np.ascontiguousarray(lat, dtype=np.float64), w, use)


def datum_track(ds: xr.Dataset, time: str | float) -> tuple[np.ndarray, np.ndarray]:
    """LKP, then the afloat weighted centroid at each output up to ``time``, then at ``time`` (degrees)."""
    j0, j1, f, t = time_index_weights(ds, time)
    w = np.asarray(ds["weight"].values, dtype=np.float64)
    lons = [float(ds.attrs["lkp_lon"])] if "lkp_lon" in ds.attrs else []
    lats = [float(ds.attrs["lkp_lat"])] if "lkp_lat" in ds.attrs else []
    for j in range(0, j0 + 1):  # one output at a time: a drift file opened lazily is read a time slice at a time
        lon_j, lat_j, st_j = (ds[v][:, j].values for v in ("lon", "lat", "status"))
        use = (st_j == STATUS_ACTIVE) & np.isfinite(lon_j)
        if use.any():
            c = _centroid(lon_j, lat_j, w, use)
            lons.append(c[0])
            lats.append(c[1])
    pos = positions_at(ds, t)
    use = (pos.status == STATUS_ACTIVE) & np.isfinite(pos.lon)
    if not use.any():
        raise SarexInputError(f"drift file: no particle is afloat at {iso(t)}")
    c = _centroid(pos.lon, pos.lat, w, use)
    lons.append(c[0])
    lats.append(c[1])
    return np.array(lons), np.array(lats)


def iamsar_datum(
    ds: xr.Dataset,
    time: str | float,
    x_nm: float | None = None,
    y_nm: float = DEFAULT_NAV_ERROR_NM,
    drift_error_fraction: float = DEFAULT_DRIFT_ERROR_FRACTION,
    fs: float | None = None,
    search_number: int = 1,
) -> DatumArea:
    """Datum, E, R and the square search area of a drift dataset at ``time``.

    Parameters
    ----------
    x_nm
        Initial position error X, nm; default the drift file's ``lkp_radius_m`` in nm.
    y_nm
        Search unit navigational error Y, nm.
    drift_error_fraction
        De as a fraction of the total drift distance (IAMSAR: 1/8).
    fs
        Search factor; default :func:`search_factor` of ``search_number``.
    """
    lons, lats = datum_track(ds, time)
    _, _, _, t = time_index_weights(ds, time)
    if len(lons) > 1:
        _, _, seg = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
        drift_nm = float(np.sum(seg)) / NM_M
    else:
        drift_nm = 0.0
    if x_nm is None:
        x_nm = float(ds.attrs.get("lkp_radius_m", 0.0)) / NM_M
    for name, v in (("X", x_nm), ("Y", y_nm), ("drift error fraction", drift_error_fraction)):
        if not (v >= 0.0) or not math.isfinite(v):
            raise SarexInputError(f"datum {name}: {v} must be >= 0")
    de = drift_error_fraction * drift_nm
    e = total_probable_error_nm(x_nm, y_nm, de)
    f = search_factor(search_number) if fs is None else float(fs)
    if not (f > 0.0):
        raise SarexInputError(f"search factor fs: {fs} must be > 0")
    r = f * e
    dlon, dlat = float(lons[-1]), float(lats[-1])
    proj = LocalProjection(dlon, dlat)
    r_m = max(r * NM_M, 1.0)
    sq_x = np.array([-r_m, r_m, r_m, -r_m, -r_m])
    sq_y = np.array([-r_m, -r_m, r_m, r_m, -r_m])
    # densify the sides so the lon/lat outline follows the projected square
    k = np.linspace(0.0, 1.0, 17)[:-1]
    xs = np.concatenate([sq_x[i] + k * (sq_x[i + 1] - sq_x[i]) for i in range(4)] + [sq_x[:1]])
    ys = np.concatenate([sq_y[i] + k * (sq_y[i + 1] - sq_y[i]) for i in range(4)] + [sq_y[:1]])
    lo, la = proj.inverse(xs, ys)
    square = Polygon(np.column_stack([lo, la]))
    circ = Point(0.0, 0.0).buffer(r_m, quad_segs=32)
    cx, cy = np.asarray(circ.exterior.coords).T
    lo, la = proj.inverse(cx, cy)
    circle = Polygon(np.column_stack([lo, la]))
    pos = positions_at(ds, t)
    w = np.asarray(pos.weight, dtype=np.float64)
    use = (pos.status == STATUS_ACTIVE) & np.isfinite(pos.lon) & np.isfinite(pos.lat)
    stranded = float(w[pos.status == STATUS_STRANDED].sum() / w.sum())
    return DatumArea(t, dlon, dlat, drift_nm, float(x_nm), float(y_nm), de, e, f, r, square, circle,
                     float(w[use].sum() / w.sum()), int(use.sum()), stranded)
