"""Beacon (COSPAS-SARSAT) and bearing-line (direction-finding) scenarios.

Beacon: each particle picks one of the fixes with its probability (A/B solutions) and gets
that fix's position error (radius, CEP or ellipse; :mod:`sarex.drift.case.geometry`).

Bearings: the fix of two or more lines of bearing is the weighted least-squares point of
Stansfield (1947, "Statistical theory of d.f. fixing", *J. IEE* 94 IIIA, 762–770): the
angular residuals ``θ_k − az_k(p)`` are weighted by ``1/σ_k²``, i.e. the perpendicular
distances by ``1/(σ_k² d_k²)`` with ``d_k`` the station–fix distance; since ``d_k`` depends
on the fix, the solution is iterated (Gauss–Newton on the WGS84 geodesic azimuths, pyproj).
The error ellipse is the inverse of the normal matrix. Lines are rejected when the fix lies
behind the station (back bearing) or outside its range, and, with three or more lines, when the
residual χ² fails its test: the line whose removal leaves the most consistent set goes first
(ties, as with three lines, go to the largest leave-one-out residual). With one line, or no valid fix, particles are uniform in
the intersection of the wedges ``bearing ± WEDGE_SD·σ`` between the stations' min and max ranges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2
from shapely.geometry import Polygon

from sarex.drift.case.geometry import GEOD, local_offsets, normal_offsets, offset_positions, sample_polygon, sample_error
from sarex.geo import NM_M

NM = NM_M
REJECT_P = 0.001  # false-rejection probability of the χ² test of a consistent set
WEDGE_SD = 1.96  # wedge half-width: 95 % of a normal bearing error


def sample_beacon(rng: np.random.Generator, n: int, sc) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``n`` particles of a beacon scenario (fix chosen with its normalised probability)."""
    p = np.array([f.probability for f in sc.fixes], dtype=np.float64)
    pick = rng.choice(p.size, size=n, p=p / p.sum()) if p.size > 1 else np.zeros(n, dtype=np.int64)
    lon = np.empty(n)
    lat = np.empty(n)
    for i, f in enumerate(sc.fixes):
        sel = pick == i
        lon[sel], lat[sel] = sample_error(rng, int(sel.sum()), f.lon, f.lat, f)
    return lon, lat


@dataclass
class BearingFix:
    """A least-squares bearing fix: position, covariance (m², east/north) and the lines used."""

    lon: float
    lat: float
    cov: np.ndarray
    used: list[int]
    rejected: list[int]

    def ellipse(self, p: float = 0.95) -> tuple[float, float, float]:
        """Semi-major, semi-minor (m) and orientation (degrees from north) of the ``p`` ellipse."""
        vals, vecs = np.linalg.eigh(self.cov)
        k = math.sqrt(-2.0 * math.log(1.0 - p))
        e, nn = vecs[:, 1]
        return k * math.sqrt(vals[1]), k * math.sqrt(max(vals[0], 0.0)), math.degrees(math.atan2(e, nn)) % 180.0

    def mahalanobis2(self, lon: float, lat: float) -> float:
        """Squared Mahalanobis distance of (lon, lat) from the fix, in its error ellipse."""
        e, nn = local_offsets(self.lon, self.lat, np.array([lon]), np.array([lat]))
        v = np.array([e[0], nn[0]])
        return float(v @ np.linalg.solve(self.cov, v))


def _wrap(a):
    return (np.asarray(a) + 180.0) % 360.0 - 180.0


def _solve(st: list, guess: tuple[float, float], iterations: int = 30):
    """Gauss–Newton for the weighted LSQ fix of lines ``st``; returns (lon, lat, cov) or None."""
    lon, lat = guess
    cov = None
    for _ in range(iterations):
        slon = np.array([s.lon for s in st])
        slat = np.array([s.lat for s in st])
        az, back, d = GEOD.inv(slon, slat, np.full(len(st), lon), np.full(len(st), lat))
        d = np.maximum(np.asarray(d), 1.0)
        arr = np.radians(np.asarray(back) + 180.0)  # direction of travel at the fix
        # moving the fix 1 m to the right of the arriving line turns the azimuth by 1/d rad
        J = np.stack([np.cos(arr), -np.sin(arr)], axis=1) / d[:, None]
        r = np.radians(_wrap(np.array([s.bearing_deg for s in st]) - np.asarray(az)))
        w = 1.0 / np.radians(np.array([s.sd_deg for s in st])) ** 2
        A = (J * w[:, None]).T @ J
        if np.linalg.cond(A) > 1e12:
            return None
        cov = np.linalg.inv(A)
        step = cov @ ((J * w[:, None]).T @ r)
        lon, lat = offset_positions(lon, lat, np.array([step[0]]), np.array([step[1]]))
        lon, lat = float(lon[0]), float(lat[0])
        if math.hypot(*step) < 0.01:
            break
    return lon, lat, cov


def _first_guess(st: list) -> tuple[float, float]:
    """Unweighted intersection of the lines in a local plane about the stations' centroid."""
    lon0 = float(np.mean([s.lon for s in st]))
    lat0 = float(np.mean([s.lat for s in st]))
    e, nn = local_offsets(lon0, lat0, np.array([s.lon for s in st]), np.array([s.lat for s in st]))
    th = np.radians([s.bearing_deg for s in st])
    nrm = np.stack([np.cos(th), -np.sin(th)], axis=1)  # normal to each line
    A = nrm.T @ nrm
    b = nrm.T @ np.sum(nrm * np.stack([e, nn], axis=1), axis=1)
    if np.linalg.cond(A) > 1e10:
        raise _NoFix
    x = np.linalg.solve(A, b)
    lo, la = offset_positions(lon0, lat0, np.array([x[0]]), np.array([x[1]]))
    return float(lo[0]), float(la[0])


class _NoFix(Exception):
    pass


def _geometry_ok(st, lon: float, lat: float) -> list[bool]:
    az, _, d = GEOD.inv(np.array([s.lon for s in st]), np.array([s.lat for s in st]), np.full(len(st), lon), np.full(len(st), lat))
    out = []
    for s, a, dd in zip(st, np.atleast_1d(az), np.atleast_1d(d)):
        front = abs(_wrap(s.bearing_deg - a)) < 90.0
        out.append(bool(front and s.min_range_nm * NM <= dd <= s.max_range_nm * NM))
    return out


def bearing_fix(stations: list) -> BearingFix | None:
    """The fix of two or more lines, with inconsistent lines rejected; ``None`` when no valid fix exists.

    With ``n >= 3`` lines the weighted residual sum χ² (``n − 2`` degrees of freedom) is tested at
    ``REJECT_P``; when it fails, the line whose removal leaves the smallest χ² is rejected, and
    so on while three or more lines remain.
    """
    idx = list(range(len(stations)))
    rejected: list[int] = []
    while len(idx) >= 2:
        st = [stations[i] for i in idx]
        sol = _fit(st)
        if sol is None:
            return None
        lon, lat, cov = sol
        ok = _geometry_ok(st, lon, lat)
        if not all(ok):
            if len(idx) == 2:
                return None
            bad = [i for i, g in zip(idx, ok) if not g]
            rejected += bad
            idx = [i for i in idx if i not in bad]
            continue
        if len(idx) >= 3 and _chi2(st, lon, lat) > chi2.ppf(1.0 - REJECT_P, len(idx) - 2):
            rest = [_fit(st[:k] + st[k + 1:]) for k in range(len(st))]
            score = [math.inf if r is None else _chi2(st[:k] + st[k + 1:], r[0], r[1]) for k, r in enumerate(rest)]
            z = np.abs(_leave_one_out(st, lon, lat))
            k = min(range(len(st)), key=lambda j: (round(score[j], 6), -z[j]))
            rejected.append(idx.pop(k))
            continue
        return BearingFix(lon, lat, cov, idx, rejected)
    return None


def _fit(st: list):
    try:
        return _solve(st, _first_guess(st))
    except _NoFix:
        return None


def _chi2(st: list, lon: float, lat: float) -> float:
    """Σ (angular residual / σ)² of the lines at (lon, lat)."""
    az, _, _ = GEOD.inv(np.array([s.lon for s in st]), np.array([s.lat for s in st]), np.full(len(st), lon), np.full(len(st), lat))
    r = np.radians(_wrap(np.array([s.bearing_deg for s in st]) - np.asarray(az)))
    return float(np.sum((r / np.radians([s.sd_deg for s in st])) ** 2))


def _leave_one_out(st, lon: float, lat: float) -> np.ndarray:
    """Standardised residual of each line against the fix of the others."""
    z = np.zeros(len(st))
    for k in range(len(st)):
        sol = _solve(st[:k] + st[k + 1:], (lon, lat))
        if sol is None:
            continue
        lo, la, cov = sol
        s = st[k]
        az, back, d = GEOD.inv(s.lon, s.lat, lo, la)
        arr = math.radians(back + 180.0)
        J = np.array([math.cos(arr), -math.sin(arr)]) / max(d, 1.0)
        var = math.radians(s.sd_deg) ** 2 + float(J @ cov @ J)
        z[k] = math.radians(float(_wrap(s.bearing_deg - az))) / math.sqrt(var)
    return z


def wedge_intersection(stations: list) -> Polygon:
    """Intersection of the stations' wedges (bearing ± WEDGE_SD·σ, min to max range) as a lon/lat polygon."""
    geom = None
    for s in stations:
        half = WEDGE_SD * s.sd_deg
        az = np.linspace(s.bearing_deg - half, s.bearing_deg + half, 33)
        outer = GEOD.fwd(np.full(az.size, s.lon), np.full(az.size, s.lat), az, np.full(az.size, s.max_range_nm * NM))
        if s.min_range_nm > 0:
            inner = GEOD.fwd(np.full(az.size, s.lon), np.full(az.size, s.lat), az[::-1], np.full(az.size, s.min_range_nm * NM))
            ring = list(zip(outer[0], outer[1])) + list(zip(inner[0], inner[1]))
        else:
            ring = [(s.lon, s.lat)] + list(zip(outer[0], outer[1]))
        w = Polygon(ring)
        geom = w if geom is None else geom.intersection(w)
    return geom


def sample_bearings(rng: np.random.Generator, n: int, sc, at) -> tuple[np.ndarray, np.ndarray]:
    """Positions of a bearings scenario: normal about the fix, or uniform in the wedge intersection."""
    fix = bearing_fix(sc.stations) if len(sc.stations) >= 2 else None
    if fix is not None:
        vals, vecs = np.linalg.eigh(fix.cov)
        e, nn = normal_offsets(rng, n, 1.0, 1.0, 0.0)
        L = vecs @ np.diag(np.sqrt(np.maximum(vals, 0.0)))
        off = L @ np.stack([e, nn])
        return offset_positions(fix.lon, fix.lat, off[0], off[1])
    geom = wedge_intersection(sc.stations)
    if geom.is_empty or geom.area <= 0.0 or geom.geom_type != "Polygon":
        raise at.error("stations", None, "the bearing lines never meet within their ranges (no fix, no common wedge)")
    return sample_polygon(rng, n, geom)
