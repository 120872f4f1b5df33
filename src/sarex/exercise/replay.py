"""Replay evaluation: how well did the units fly or sail the patterns they were given?

Inputs are the planned patterns (one route per unit: waypoints, sweep width W,
track spacing S) and the tracks the units actually sailed (:mod:`sarex.io.tracks`).
Everything is measured in a local Lambert azimuthal equal-area projection centred
on the search areas (areas and distances within a few hundred km are exact to
better than 0.1 %).

Per unit:

* **On task**: from the unit's first closest approach to the commence search
  point (first waypoint) to its last closest approach to the final waypoint.
* **Effort** (IAMSAR Vol. II; Koopman 1946): area swept ``Z = W·L`` for a track
  length ``L`` on task; planned ``Z = W·L_route``. Their ratio is the effort delivered.
* **Assigned area**: the pattern's convex hull widened by ``S/2`` on every side
  (square corners), e.g. for a parallel sweep of n legs of length ℓ the
  rectangle ``(n·S) × (ℓ + S)`` of IAMSAR. Coverage factor ``C = Z/A``.
* **Coverage achieved**: the part of the assigned area inside the swept strip
  (track on task widened by ``W/2``: definite-range sweep); **gaps**: parts of all
  assigned areas no unit swept; **overlaps**: parts swept by two or more units.
  A raster of the number of units sweeping each cell is kept for the coverage map.
* **Track-keeping error** (cross-track error, XTE): the on-task track is resampled
  every ``step_m`` along its length and each point is referred to the active leg of
  the plan, as an ECDIS does: the active leg advances when the point passes the
  perpendicular at the leg's end waypoint, or when it is nearer the next leg than
  the active one (a turn cut short). XTE is the signed distance from the active
  leg's line (positive to the left). Reported: mean and 95th percentile of |XTE|,
  and the systematic offset — the translation (east, north) that best explains
  the per-leg median XTEs (weighted least squares over legs, ``n_i·d = m_i``) —
  with the residual RMS after removing it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPoint, Polygon
from shapely.ops import unary_union

from sarex.errors import SarexInputError
from sarex.io.tracks import Route, Track, read_gpx_routes

NM = 1852.0


@dataclass(frozen=True)
class PlannedPattern:
    """A unit's planned search pattern: waypoints (degrees) and its sweep width and track spacing (m)."""

    unit_id: str
    lon: np.ndarray
    lat: np.ndarray
    sweep_width_m: float
    track_spacing_m: float


class LocalFrame:
    """A local Lambert azimuthal equal-area projection (metres east and north of ``lon0``, ``lat0``)."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = float(lon0)
        self.lat0 = float(lat0)
        crs = f"+proj=laea +lat_0={self.lat0} +lon_0={self.lon0} +ellps=WGS84 +units=m +no_defs"
        self._fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Degrees → metres (east, north)."""
        x, y = self._fwd.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        return np.asarray(x), np.asarray(y)

    def lonlat(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Metres (east, north) → degrees."""
        lon, lat = self._inv.transform(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        return np.asarray(lon), np.asarray(lat)


# --- planned patterns --------------------------------------------------------------------

_KV = re.compile(r"([a-z_]+)\s*=\s*([0-9.eE+-]+)")


def pattern_from_waypoints(
    unit_id: str, lonlat: list[tuple[float, float]] | np.ndarray, sweep_width_nm: float, track_spacing_nm: float | None = None
) -> PlannedPattern:
    """A planned pattern from a list of (lon, lat) waypoints; spacing defaults to the sweep width."""
    a = np.asarray(lonlat, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] < 2:
        raise SarexInputError(f"planned pattern {unit_id}: waypoints must be at least 2 (lon, lat) pairs")
    if not (sweep_width_nm > 0):
        raise SarexInputError(f"planned pattern {unit_id}: sweep_width_nm {sweep_width_nm} must be > 0")
    s = sweep_width_nm if track_spacing_nm is None else track_spacing_nm
    if not (s > 0):
        raise SarexInputError(f"planned pattern {unit_id}: track_spacing_nm {s} must be > 0")
    return PlannedPattern(unit_id, a[:, 0].copy(), a[:, 1].copy(), sweep_width_nm * NM, s * NM)


def route_description(sweep_width_nm: float, track_spacing_nm: float) -> str:
    """The ``<desc>`` text of a planned GPX route that :func:`pattern_from_route` reads back."""
    return f"sweep_width_nm={sweep_width_nm:g}; track_spacing_nm={track_spacing_nm:g}"


def pattern_from_route(route: Route, defaults: dict[str, dict[str, float | None]] | None = None, source: str = "") -> PlannedPattern:
    """A planned pattern from a GPX route named by the unit id.

    Sweep width and track spacing come from the route's ``<desc>``
    (``sweep_width_nm=1.5; track_spacing_nm=2``), else from ``defaults[unit]``
    (the scenario's units), else it is an error.
    """
    kv = {k: float(v) for k, v in _KV.findall(route.description or "")}
    d = (defaults or {}).get(route.name, {})
    w = kv.get("sweep_width_nm", d.get("sweep_width_nm"))
    s = kv.get("track_spacing_nm", d.get("track_spacing_nm"))
    if w is None:
        raise SarexInputError(
            f"{source or 'planned route'}: route {route.name!r}: no sweep width; put 'sweep_width_nm=...' in the route's <desc> "
            f"or sweep_width_nm in the scenario's unit"
        )
    return pattern_from_waypoints(route.name, np.column_stack([route.lon, route.lat]), w, s)


def read_planned_dir(folder: str | Path, defaults: dict[str, dict[str, float | None]] | None = None) -> dict[str, PlannedPattern]:
    """Read every GPX route in ``folder`` (or one GPX file) as planned patterns, keyed by unit id."""
    d = Path(folder)
    files = [d] if d.is_file() else sorted(d.glob("*.gpx")) if d.is_dir() else []
    if not files:
        raise SarexInputError(f"--planned: {str(d)!r} is not a GPX file or a folder with GPX routes")
    out: dict[str, PlannedPattern] = {}
    for f in files:
        for r in read_gpx_routes(f):
            if r.name in out:
                raise SarexInputError(f"{f}: route {r.name!r}: a second planned route for the same unit")
            out[r.name] = pattern_from_route(r, defaults, str(f))
    return out


# --- geometry kernels --------------------------------------------------------------------


def polyline_length(x: np.ndarray, y: np.ndarray) -> float:
    """Length of a polyline (m)."""
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


def resample_by_distance(x: np.ndarray, y: np.ndarray, step_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``step_m`` along a polyline (first and last vertex included)."""
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    if s[-1] <= 0:
        return x[:1].copy(), y[:1].copy()
    n = max(2, int(math.ceil(s[-1] / step_m)) + 1)
    q = np.linspace(0.0, s[-1], n)
    keep = np.concatenate([[True], np.diff(s) > 0])
    return np.interp(q, s[keep], x[keep]), np.interp(q, s[keep], y[keep])


def on_task_window(
    tx: np.ndarray, ty: np.ndarray, px: np.ndarray, py: np.ndarray, tol_m: float, step_m: float = 25.0
) -> tuple[float, float]:
    """Along-track distances (m) where the unit is on task.

    Start: the closest point to the first waypoint during the unit's first
    approach to it (the first run of points within ``min distance + tol_m``). End:
    the closest point to the last waypoint among the points the waypoint
    sequencing of :func:`cross_track` puts on the last leg (first approach), so a
    pattern flown with an offset still ends where it really ended.
    """
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(tx), np.diff(ty)))])
    d = np.hypot(tx - px[0], ty - py[0])
    i_first = _first_approach(d, tol_m)
    i0, i1 = max(i_first[0] - 1, 0), min(i_first[-1] + 1, tx.size - 1)
    if i1 > i0:
        sub = LineString(np.column_stack([tx[i0 : i1 + 1], ty[i0 : i1 + 1]]))
        s0 = float(s[i0] + sub.project(shapely.Point(px[0], py[0])))
    else:
        s0 = float(s[i0])
    # resample the rest and sequence it through the legs
    ox, oy, os_ = _cut_xy(tx, ty, s, s0, s[-1])
    rx, ry = resample_by_distance(ox, oy, step_m)
    if rx.size < 2:
        return s0, s0
    _, legs = cross_track(rx, ry, px, py)
    last = legs == legs.max()
    rs = s0 + np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(rx), np.diff(ry)))])
    de = np.hypot(rx - px[-1], ry - py[-1])
    de = np.where(last, de, np.inf)
    run = _first_approach(de, tol_m)
    k = run[np.argmin(de[run])]
    return s0, float(max(rs[k], s0))


def _first_approach(d: np.ndarray, tol_m: float) -> np.ndarray:
    """Indices of the first run of consecutive points within ``min(d) + tol_m``."""
    near = np.flatnonzero(d <= d.min() + tol_m)
    breaks = np.flatnonzero(np.diff(near) > 1)
    return near[: (breaks[0] + 1) if breaks.size else near.size]


def _cut_xy(tx, ty, s, s0, s1):
    inner = (s > s0) & (s < s1)
    xs = np.concatenate([[np.interp(s0, s, tx)], tx[inner], [np.interp(s1, s, tx)]])
    ys = np.concatenate([[np.interp(s0, s, ty)], ty[inner], [np.interp(s1, s, ty)]])
    return xs, ys, s


def cut_by_distance(tx: np.ndarray, ty: np.ndarray, tt: np.ndarray, s0: float, s1: float):
    """The part of a polyline between along-track distances ``s0`` and ``s1`` (with interpolated ends)."""
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(tx), np.diff(ty)))])
    inner = (s > s0) & (s < s1)
    xs = np.concatenate([[np.interp(s0, s, tx)], tx[inner], [np.interp(s1, s, tx)]])
    ys = np.concatenate([[np.interp(s0, s, ty)], ty[inner], [np.interp(s1, s, ty)]])
    ts = np.concatenate([[np.interp(s0, s, tt)], tt[inner], [np.interp(s1, s, tt)]])
    return xs, ys, ts


def cross_track(px: np.ndarray, py: np.ndarray, ax: np.ndarray, ay: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed cross-track error of points against a planned polyline, with waypoint sequencing.

    Parameters
    ----------
    px, py
        Points along the sailed track, in order (m).
    ax, ay
        Planned waypoints (m).

    Returns
    -------
    xte : ndarray
        Signed distance from the active leg's line, m (positive = left of the leg).
    leg : ndarray of int
        The active leg of each point.
    """
    keep = np.concatenate([[True], np.hypot(np.diff(ax), np.diff(ay)) > 1e-6])
    ax, ay = ax[keep], ay[keep]
    nleg = ax.size - 1
    if nleg < 1:
        raise ValueError("a pattern needs two distinct waypoints")
    dx, dy = np.diff(ax), np.diff(ay)
    ln = np.hypot(dx, dy)
    ux, uy = dx / ln, dy / ln

    def seg_dist(i: int, x: float, y: float) -> float:
        t = min(max((x - ax[i]) * ux[i] + (y - ay[i]) * uy[i], 0.0), ln[i])
        return math.hypot(x - (ax[i] + t * ux[i]), y - (ay[i] + t * uy[i]))

    xte = np.empty(px.size)
    legs = np.empty(px.size, dtype=np.int64)
    i = 0
    for k in range(px.size):
        x, y = float(px[k]), float(py[k])
        while i < nleg - 1:
            along = (x - ax[i]) * ux[i] + (y - ay[i]) * uy[i]
            if along >= ln[i] or seg_dist(i + 1, x, y) < seg_dist(i, x, y):
                i += 1
            else:
                break
        xte[k] = ux[i] * (y - ay[i]) - uy[i] * (x - ax[i])
        legs[k] = i
    return xte, legs


def systematic_offset(xte: np.ndarray, legs: np.ndarray, ax: np.ndarray, ay: np.ndarray) -> tuple[float, float]:
    """Translation (east, north) in m that best explains the per-leg median cross-track errors.

    Weighted least squares of ``n_i · d = median(XTE on leg i)`` over legs
    (weights: number of points on the leg), ``n_i`` the leg's left normal.
    Along a single straight leg only the perpendicular component is determined
    (minimum-norm solution).
    """
    keep = np.concatenate([[True], np.hypot(np.diff(ax), np.diff(ay)) > 1e-6])
    ax, ay = ax[keep], ay[keep]
    dx, dy = np.diff(ax), np.diff(ay)
    ln = np.hypot(dx, dy)
    nx, ny = -dy / ln, dx / ln
    rows, rhs, w = [], [], []
    for i in np.unique(legs):
        m = legs == i
        rows.append([nx[i], ny[i]])
        rhs.append(float(np.median(xte[m])))
        w.append(math.sqrt(float(m.sum())))
    if not rows:
        return 0.0, 0.0
    a = np.asarray(rows) * np.asarray(w)[:, None]
    b = np.asarray(rhs) * np.asarray(w)
    d, *_ = np.linalg.lstsq(a, b, rcond=None)
    return float(d[0]), float(d[1])


def assigned_area(px: np.ndarray, py: np.ndarray, spacing_m: float) -> Polygon:
    """The area a pattern searches: its convex hull widened by half the track spacing (square corners)."""
    hull = MultiPoint(np.column_stack([px, py])).convex_hull
    return hull.buffer(spacing_m / 2.0, cap_style="square", join_style="mitre")


def swept_strip(x: np.ndarray, y: np.ndarray, sweep_width_m: float):
    """The strip a track sweeps with a definite-range sensor: every point within W/2 of the track.

    (A Minkowski sum with a disc: round ends and round outer corners, so even a
    perfectly flown parallel sweep with S = W leaves the area's outer corners
    partly unswept; compare achieved with the planned route's own value.)
    """
    if x.size < 2:
        return Polygon()
    return LineString(np.column_stack([x, y])).buffer(sweep_width_m / 2.0, quad_segs=16)


# --- evaluation --------------------------------------------------------------------------


@dataclass
class UnitReplay:
    """Replay metrics of one unit (SI units; NM and hours at the edges via properties)."""

    unit_id: str
    nation: str
    sweep_width_m: float
    track_spacing_m: float
    planned_length_m: float
    planned_effort_m2: float
    assigned_area_m2: float
    has_track: bool = False
    on_task_start_s: float = math.nan
    on_task_end_s: float = math.nan
    on_task_length_m: float = 0.0
    delivered_effort_m2: float = 0.0
    covered_area_m2: float = 0.0
    planned_covered_area_m2: float = 0.0
    xte_mean_m: float = math.nan
    xte_p95_m: float = math.nan
    xte_max_m: float = math.nan
    offset_east_m: float = math.nan
    offset_north_m: float = math.nan
    xte_residual_rms_m: float = math.nan
    n_points: int = 0
    xte_abs: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    @property
    def effort_ratio(self) -> float:
        """Delivered / planned effort."""
        return self.delivered_effort_m2 / self.planned_effort_m2 if self.planned_effort_m2 > 0 else math.nan

    @property
    def coverage_fraction(self) -> float:
        """Fraction of the assigned area inside the swept strip."""
        return self.covered_area_m2 / self.assigned_area_m2 if self.assigned_area_m2 > 0 else math.nan

    @property
    def planned_coverage_fraction(self) -> float:
        """Fraction of the assigned area within W/2 of the planned route itself."""
        return self.planned_covered_area_m2 / self.assigned_area_m2 if self.assigned_area_m2 > 0 else math.nan

    @property
    def coverage_factor_planned(self) -> float:
        """Planned coverage factor C = Z/A."""
        return self.planned_effort_m2 / self.assigned_area_m2

    @property
    def coverage_factor_achieved(self) -> float:
        """Achieved coverage factor C = Z/A."""
        return self.delivered_effort_m2 / self.assigned_area_m2

    @property
    def offset_m(self) -> float:
        """Magnitude of the systematic offset, m."""
        return math.hypot(self.offset_east_m, self.offset_north_m)


@dataclass
class NationReplay:
    """Replay metrics summed over one nation's units."""

    nation: str
    units: int
    planned_effort_m2: float
    delivered_effort_m2: float
    assigned_area_m2: float
    covered_area_m2: float
    xte_mean_m: float
    xte_p95_m: float

    @property
    def effort_ratio(self) -> float:
        """Delivered / planned effort."""
        return self.delivered_effort_m2 / self.planned_effort_m2 if self.planned_effort_m2 > 0 else math.nan

    @property
    def coverage_fraction(self) -> float:
        """Fraction of the nation's assigned area swept by any unit."""
        return self.covered_area_m2 / self.assigned_area_m2 if self.assigned_area_m2 > 0 else math.nan


@dataclass
class CoverageGrid:
    """Number of units whose swept strip covers each cell centre (x east, y north, m)."""

    x: np.ndarray
    y: np.ndarray
    count: np.ndarray
    inside: np.ndarray

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell, m²."""
        return float((self.x[1] - self.x[0]) * (self.y[1] - self.y[0]))


@dataclass
class ReplayResult:
    """The whole replay evaluation."""

    frame: LocalFrame
    units: list[UnitReplay]
    nations: list[NationReplay]
    assigned_area_m2: float
    covered_area_m2: float
    gap_area_m2: float
    overlap_area_m2: float
    grid: CoverageGrid
    areas: dict[str, Polygon]
    strips: dict[str, object]
    tracks_xy: dict[str, tuple[np.ndarray, np.ndarray]]
    on_task_xy: dict[str, tuple[np.ndarray, np.ndarray]]
    patterns_xy: dict[str, tuple[np.ndarray, np.ndarray]]
    notes: list[str]

    @property
    def coverage_fraction(self) -> float:
        """Fraction of all assigned areas swept by some unit."""
        return self.covered_area_m2 / self.assigned_area_m2 if self.assigned_area_m2 > 0 else math.nan


def evaluate_replay(
    planned: dict[str, PlannedPattern],
    tracks: dict[str, Track],
    nations: dict[str, str] | None = None,
    *,
    step_m: float = 25.0,
    approach_tol_m: float = 200.0,
    grid_cells: int = 200,
) -> ReplayResult:
    """Compare sailed tracks with planned patterns (see the module docstring for the definitions).

    Parameters
    ----------
    planned
        Unit id → planned pattern.
    tracks
        Unit id → sailed track.
    nations
        Unit id → nation code (default: "?").
    step_m
        Resampling step for the cross-track error, m.
    approach_tol_m
        Tolerance for the closest approaches that open and close the time on task, m.
    grid_cells
        Cells along the longer side of the coverage raster.
    """
    if not planned:
        raise SarexInputError("planned patterns: none given")
    nations = nations or {}
    allx = np.concatenate([p.lon for p in planned.values()])
    ally = np.concatenate([p.lat for p in planned.values()])
    frame = LocalFrame(float(allx.mean()), float(ally.mean()))
    notes = [f"track of {u} has no planned pattern; not evaluated" for u in tracks if u not in planned]
    units: list[UnitReplay] = []
    areas: dict[str, Polygon] = {}
    strips: dict[str, object] = {}
    tracks_xy, on_task_xy, patterns_xy = {}, {}, {}
    for uid, pat in planned.items():
        px, py = frame.xy(pat.lon, pat.lat)
        patterns_xy[uid] = (px, py)
        area = assigned_area(px, py, pat.track_spacing_m)
        areas[uid] = area
        plen = polyline_length(px, py)
        ur = UnitReplay(
            unit_id=uid,
            nation=nations.get(uid, "?"),
            sweep_width_m=pat.sweep_width_m,
            track_spacing_m=pat.track_spacing_m,
            planned_length_m=plen,
            planned_effort_m2=plen * pat.sweep_width_m,
            assigned_area_m2=float(area.area),
            planned_covered_area_m2=float(swept_strip(px, py, pat.sweep_width_m).intersection(area).area),
        )
        units.append(ur)
        tr = tracks.get(uid)
        if tr is None or len(tr) < 2:
            notes.append(f"{uid}: no track (or fewer than 2 fixes); nothing delivered")
            strips[uid] = Polygon()
            continue
        tx, ty = frame.xy(tr.lon, tr.lat)
        tracks_xy[uid] = (tx, ty)
        s0, s1 = on_task_window(tx, ty, px, py, approach_tol_m, step_m)
        ox, oy, ot = cut_by_distance(tx, ty, tr.time_s, s0, s1)
        on_task_xy[uid] = (ox, oy)
        ur.has_track = True
        ur.on_task_start_s, ur.on_task_end_s = float(ot[0]), float(ot[-1])
        ur.on_task_length_m = polyline_length(ox, oy)
        ur.delivered_effort_m2 = ur.on_task_length_m * pat.sweep_width_m
        strip = swept_strip(ox, oy, pat.sweep_width_m)
        strips[uid] = strip
        ur.covered_area_m2 = float(strip.intersection(area).area)
        rx, ry = resample_by_distance(ox, oy, step_m)
        xte, legs = cross_track(rx, ry, px, py)
        a = np.abs(xte)
        ur.n_points = int(a.size)
        ur.xte_abs = a
        ur.xte_mean_m = float(a.mean())
        ur.xte_p95_m = float(np.percentile(a, 95))
        ur.xte_max_m = float(a.max())
        keep = np.concatenate([[True], np.hypot(np.diff(px), np.diff(py)) > 1e-6])
        ur.offset_east_m, ur.offset_north_m = systematic_offset(xte, legs, px, py)
        kx, ky = px[keep], py[keep]
        nx = -np.diff(ky) / np.hypot(np.diff(kx), np.diff(ky))
        ny = np.diff(kx) / np.hypot(np.diff(kx), np.diff(ky))
        resid = xte - (nx[legs] * ur.offset_east_m + ny[legs] * ur.offset_north_m)
        ur.xte_residual_rms_m = float(np.sqrt(np.mean(resid**2)))

    all_area = unary_union(list(areas.values()))
    swept = [s for s in strips.values() if not s.is_empty]
    all_swept = unary_union(swept) if swept else Polygon()
    covered = all_area.intersection(all_swept)
    gap = all_area.difference(all_swept)
    pair = []
    ids = [u for u in strips if not strips[u].is_empty]
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            inter = strips[a].intersection(strips[b])
            if not inter.is_empty:
                pair.append(inter)
    overlap = unary_union(pair) if pair else Polygon()
    grid = _coverage_grid(all_area, strips, grid_cells)
    nation_rows = _by_nation(units, areas, strips)
    return ReplayResult(
        frame=frame,
        units=units,
        nations=nation_rows,
        assigned_area_m2=float(all_area.area),
        covered_area_m2=float(covered.area),
        gap_area_m2=float(gap.area),
        overlap_area_m2=float(overlap.area),
        grid=grid,
        areas=areas,
        strips=strips,
        tracks_xy=tracks_xy,
        on_task_xy=on_task_xy,
        patterns_xy=patterns_xy,
        notes=notes,
    )


def _coverage_grid(all_area, strips: dict[str, object], cells: int) -> CoverageGrid:
    x0, y0, x1, y1 = all_area.bounds
    pad = 0.05 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    d = max(x1 - x0, y1 - y0) / cells
    xs = np.arange(x0 + d / 2, x1, d)
    ys = np.arange(y0 + d / 2, y1, d)
    X, Y = np.meshgrid(xs, ys)
    count = np.zeros(X.shape, dtype=np.int16)
    for s in strips.values():
        if not s.is_empty:
            count += shapely.contains_xy(s, X, Y).astype(np.int16)
    inside = shapely.contains_xy(all_area, X, Y)
    return CoverageGrid(xs, ys, count, inside)


def _by_nation(units: list[UnitReplay], areas, strips) -> list[NationReplay]:
    out = []
    for code in sorted({u.nation for u in units}):
        us = [u for u in units if u.nation == code]
        area = unary_union([areas[u.unit_id] for u in us])
        sw = [s for s in strips.values() if not s.is_empty]  # a nation's area counts as covered whoever swept it
        covered = area.intersection(unary_union(sw)).area if sw else 0.0
        pooled = np.concatenate([u.xte_abs for u in us]) if any(u.has_track for u in us) else np.zeros(0)
        out.append(
            NationReplay(
                nation=code,
                units=len(us),
                planned_effort_m2=sum(u.planned_effort_m2 for u in us),
                delivered_effort_m2=sum(u.delivered_effort_m2 for u in us),
                assigned_area_m2=float(area.area),
                covered_area_m2=float(covered),
                xte_mean_m=float(pooled.mean()) if pooled.size else math.nan,
                xte_p95_m=float(np.percentile(pooled, 95)) if pooled.size else math.nan,
            )
        )
    return out
