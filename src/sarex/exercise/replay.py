"""Replay evaluation: how well the units flew or sailed the patterns they were given.

Inputs are the planned patterns (:mod:`sarex.exercise.planned`: one route per
unit, waypoints, sweep width W, track spacing S) and the tracks the units
actually sailed (:mod:`sarex.io.tracks`). Everything is measured in a local
Lambert azimuthal equal-area projection centred on the search areas
(:mod:`sarex.exercise.geometry`); time on task and cross-track error come from
:mod:`sarex.exercise.trackkeeping`.

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
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.ops import unary_union

from sarex.geo import NM_M, LocalProjection
from sarex.errors import SarexInputError
from sarex.exercise.geometry import assigned_area, cut_by_distance, polyline_length, resample_by_distance, swept_strip
from sarex.exercise.planned import PlannedPattern
from sarex.exercise.trackkeeping import cross_track, on_task_window, systematic_offset
from sarex.io.track import Track
from sarex.exercise.encounters import unit_encounters

__all__ = ["CoverageGrid", "NationReplay", "ReplayResult", "UnitReplay", "encounters_with_truth", "evaluate_replay"]


class _EffortRatios:
    """Ratios shared by a unit's and a nation's replay metrics."""

    delivered_effort_m2: float
    planned_effort_m2: float
    covered_area_m2: float
    assigned_area_m2: float

    @property
    def effort_ratio(self) -> float:
        """Delivered / planned effort."""
        return self.delivered_effort_m2 / self.planned_effort_m2 if self.planned_effort_m2 > 0 else math.nan

    @property
    def coverage_fraction(self) -> float:
        """Fraction of the assigned area (a unit's, or all of a nation's units') inside the swept strips."""
        return self.covered_area_m2 / self.assigned_area_m2 if self.assigned_area_m2 > 0 else math.nan


@dataclass
class UnitReplay(_EffortRatios):
    """Replay metrics of one unit (SI units; NM and hours at the edges via properties)."""

    unit_id: str
    nation: str
    sweep_width_m: float
    track_spacing_m: float
    planned_length_m: float
    planned_effort_m2: float
    assigned_area_m2: float
    has_track: bool = False
    status: str = ""
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
class NationReplay(_EffortRatios):
    """Replay metrics summed over one nation's units."""

    nation: str
    units: int
    planned_effort_m2: float
    delivered_effort_m2: float
    assigned_area_m2: float
    covered_area_m2: float
    xte_mean_m: float
    xte_p95_m: float



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

    frame: LocalProjection
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
    frame = LocalProjection(float(allx.mean()), float(ally.mean()))
    notes = [f"track of {u} has no planned pattern; not evaluated" for u in tracks if u not in planned]
    units: list[UnitReplay] = []
    areas: dict[str, Polygon] = {}
    strips: dict[str, object] = {}
    tracks_xy, on_task_xy, patterns_xy = {}, {}, {}
    for uid, pat in planned.items():
        px, py = frame.forward(pat.lon, pat.lat)
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
            ur.status = "no track"
            strips[uid] = Polygon()
            continue
        tx, ty = frame.forward(tr.lon, tr.lat)
        tracks_xy[uid] = (tx, ty)
        d_start = np.hypot(tx - px[0], ty - py[0])
        d_end = np.hypot(tx - px[-1], ty - py[-1])
        far_m = max(2.0 * pat.track_spacing_m, 2.0 * NM_M)
        if min(d_start.min(), d_end.min()) > far_m:
            notes.append(f"{uid}: the track never comes within {far_m / NM_M:.1f} NM of the pattern's first or last waypoint; nothing delivered")
            ur.status = "never on task"
            strips[uid] = Polygon()
            continue
        if int(np.argmin(d_end)) < int(np.argmin(d_start)) and d_end.min() <= far_m:
            # the unit flew the pattern from its far end: evaluate against the reversed pattern
            px, py = px[::-1].copy(), py[::-1].copy()
            ur.status = "flown in reverse"
            notes.append(f"{uid}: pattern flown in reverse (from the last waypoint); evaluated that way")
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


def encounters_with_truth(
    res: ReplayResult, tracks: dict[str, Track], truth_t: np.ndarray, truth_lon: np.ndarray, truth_lat: np.ndarray,
    max_range_m: float = 5 * NM_M,
) -> dict[str, list]:
    """Closest approaches of each unit's whole track to the truth (evaluators only), unit id → encounters."""
    ok = np.isfinite(truth_lon) & np.isfinite(truth_lat)
    ox, oy = res.frame.forward(truth_lon[ok], truth_lat[ok])
    out = {}
    for u in res.units:
        tr = tracks.get(u.unit_id)
        if tr is None or len(tr) < 2:
            continue
        x, y = res.frame.forward(tr.lon, tr.lat)
        out[u.unit_id] = unit_encounters(u.unit_id, tr.time_s, x, y, truth_t[ok], ox, oy, max_range_m)
    return out
