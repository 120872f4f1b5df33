"""Start positions of point, area and beacon scenarios.

Position errors are circular or elliptical normals (REFERENCES §10):

* ``radius_m``: 1-sd radius, ``σ_x = σ_y = radius_m``;
* ``cep_m``: the 50 % radius r50 of a circular normal, ``σ = r50 / sqrt(2 ln 2)``;
* ``ellipse``: semi-axes ``a, b`` containing probability ``P``, ``σ_a = a / k``, ``σ_b = b / k``
  with ``k = sqrt(−2 ln(1 − P))`` (2.4477 at 95 %).

Offsets in metres east/north of the centre become positions by the exact geodesic forward
problem on WGS84 (pyproj). Areas are sampled uniformly in true area: longitude uniform,
sine of latitude uniform over the bounding box, points outside the polygon rejected.
"""

from __future__ import annotations

import math

import numpy as np
from shapely import contains_xy
from shapely.geometry import Polygon
from shapely.validation import explain_validity

from sarex.errors import SarexInputError
from sarex.geo import GEOD


def containment_k(p: float) -> float:
    """Mahalanobis radius of the ellipse of a bivariate normal that contains probability ``p``."""
    return math.sqrt(-2.0 * math.log(1.0 - p))


def error_sigmas(err) -> tuple[float, float, float]:
    """(σ along the major axis, σ along the minor axis, orientation of the major axis in degrees) of a position error."""
    if err.ellipse is not None:
        k = containment_k(err.ellipse.containment)
        return err.ellipse.semi_major_m / k, err.ellipse.semi_minor_m / k, float(err.ellipse.orientation_deg)
    if err.cep_m is not None:
        s = err.cep_m / math.sqrt(2.0 * math.log(2.0))
        return s, s, 0.0
    r = float(err.radius_m or 0.0)
    return r, r, 0.0


def normal_offsets(rng: np.random.Generator, n: int, s_major: float, s_minor: float, orientation_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """East and north offsets (m) of ``n`` draws of a bivariate normal with the given axes."""
    u = rng.standard_normal(n) * s_major
    v = rng.standard_normal(n) * s_minor
    th = math.radians(orientation_deg)
    return u * math.sin(th) + v * math.cos(th), u * math.cos(th) - v * math.sin(th)


def offset_positions(lon, lat, east_m, north_m) -> tuple[np.ndarray, np.ndarray]:
    """Positions at east/north offsets (m) from (lon, lat), by the geodesic forward problem."""
    east_m = np.asarray(east_m, dtype=np.float64)
    north_m = np.asarray(north_m, dtype=np.float64)
    lon = np.broadcast_to(np.asarray(lon, dtype=np.float64), east_m.shape)
    lat = np.broadcast_to(np.asarray(lat, dtype=np.float64), east_m.shape)
    az = np.degrees(np.arctan2(east_m, north_m))
    lo, la, _ = GEOD.fwd(lon, lat, az, np.hypot(east_m, north_m))
    return np.asarray(lo, dtype=np.float64), np.asarray(la, dtype=np.float64)


def local_offsets(lon0: float, lat0: float, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """East/north (m) of positions relative to (lon0, lat0): geodesic distance and azimuth (inverse of :func:`offset_positions`)."""
    lon = np.asarray(lon, dtype=np.float64)
    az, _, d = GEOD.inv(np.full(lon.shape, lon0), np.full(lon.shape, lat0), lon, np.asarray(lat, dtype=np.float64))
    a = np.radians(az)
    return d * np.sin(a), d * np.cos(a)


def sample_error(rng: np.random.Generator, n: int, lon: float, lat: float, err) -> tuple[np.ndarray, np.ndarray]:
    """``n`` positions around (lon, lat) with the position error ``err`` (radius, CEP or ellipse)."""
    sa, sb, th = error_sigmas(err)
    if sa == 0.0 and sb == 0.0:
        return np.full(n, float(lon)), np.full(n, float(lat))
    e, nn = normal_offsets(rng, n, sa, sb, th)
    return offset_positions(lon, lat, e, nn)


def valid_polygon(points, at, field: str = "polygon") -> Polygon:
    """A shapely polygon of [lon, lat] points; self-intersecting or degenerate ones are an input error.

    ``at`` is the scenario's :class:`~sarex.drift.case.model.At` (or None: a plain error).
    """
    poly = Polygon([(float(x), float(y)) for x, y in points])
    if not poly.is_valid or poly.area <= 0.0:
        pts, why = [list(p) for p in points], f"is not a simple polygon ({explain_validity(poly)})"
        raise at.error(field, pts, why) if at is not None else SarexInputError(f"{field}: {pts} {why}")
    return poly


def sample_polygon(rng: np.random.Generator, n: int, poly: Polygon) -> tuple[np.ndarray, np.ndarray]:
    """``n`` positions uniform in true area inside ``poly`` (rejection from the bounding box)."""
    x0, y0, x1, y1 = poly.bounds
    s0, s1 = math.sin(math.radians(y0)), math.sin(math.radians(y1))
    lon = np.empty(n)
    lat = np.empty(n)
    got = 0
    for _ in range(10_000):
        m = max(64, int(1.3 * (n - got) * (x1 - x0) * (s1 - s0) / max(_sin_area(poly), 1e-300)))
        lo = rng.uniform(x0, x1, m)
        la = np.degrees(np.arcsin(rng.uniform(s0, s1, m)))
        ok = contains_xy(poly, lo, la)
        k = min(int(ok.sum()), n - got)
        lon[got:got + k] = lo[ok][:k]
        lat[got:got + k] = la[ok][:k]
        got += k
        if got == n:
            return lon, lat
    raise SarexInputError("area: could not place particles in the polygon")  # pragma: no cover - degenerate


def _sin_area(poly: Polygon) -> float:
    """Area of the polygon in (lon, sin lat) coordinates, for the rejection rate."""
    xs, ys = np.asarray(poly.exterior.coords).T
    return Polygon(zip(xs, np.sin(np.radians(ys)))).area


def sample_times(rng: np.random.Generator, n: int, t0: float, t1: float | None) -> np.ndarray:
    """Release times uniform in ``[t0, t1]`` (all ``t0`` without a window)."""
    if t1 is None or t1 == t0:
        return np.full(n, float(t0))
    return rng.uniform(t0, t1, n)
