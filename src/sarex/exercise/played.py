"""Evaluation of the exercise as played: what the units really did against where the truth really was.

The rehearsal (``exercise run``) simulates an exercise from the plans the planner would make;
this module judges the exercise that happened, from its records (all in exercise time):
the units' reported positions, their sightings, the plans approved and when, the periods.

- **Sailed tracks**: each unit's reports, in time order, joined by straight lines (positions
  interpolated in time between reports, as a GPX track).
- **Detection opportunities** (REFERENCES §15): every closest approach of a sailed track to the
  truth's drift path (both moving; :func:`sarex.exercise.encounters.closest_approaches`) within
  half the unit's sweep width W for the truth's object class and the scenario's conditions
  (IAMSAR tables, fw, fatigue).
- **POD of the truth** (``pod_true``): each pass (closest approach) is a look with the POD of
  the lateral range curve at its range; passes are independent, ``1 − Π(1 − pod_k)``
  (Koopman 1946; Washburn, *Search and Detection*). The curve of an actual pass at a known range
  is Koopman's inverse-cube law, ``1 − exp(−W² / (4π x²))`` (REFERENCES §3), whose integral over
  x is W.
- **POS achieved** (REFERENCES §4): per period, each unit's track inside the period gives a POD
  per particle of the players' forecast ensemble; cumulative POS over the periods is
  ``Σ w_k (1 − Π_periods (1 − POD_k))`` on the prior weights (never a sum of POSs), the
  forecast each period's plan was made on being the prior updated by the earlier searches.
- **Sightings** against the truth: distance to the truth at the sighting's time and the time
  error (the sighting's time minus the time the truth was nearest the reported position).
- **Timeline**: alert, first forecast, each organisation's first plan approved, first unit on
  scene (first report inside an approved search area), first opportunity, first sighting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

import numpy as np

from sarex.exercise.encounters import closest_approaches
from sarex.geo import NM_M, LocalProjection
from sarex.io.track import Track

#: A sighting counts as a detection within this distance (m) and time (s) of the truth (issue 28).
SIGHTING_RANGE_M = 1.0 * NM_M
SIGHTING_WINDOW_S = 1800.0


class Fix(NamedTuple):
    """One reported position, exercise time (s since epoch) and lon/lat (degrees)."""

    unit: str
    time_s: float
    lon: float
    lat: float


class SightingReport(NamedTuple):
    unit: str
    time_s: float
    lon: float
    lat: float
    note: str = ""


class Assignment(NamedTuple):
    """One unit's tasking in a plan: its time on task (s) and its search area ring [[lon, lat], ...]."""

    unit: str
    on_task_s: float
    off_task_s: float
    area_ring: tuple
    marginal_pos: float


class PlanRecord(NamedTuple):
    """A nation's plan for a period and when (exercise time) it was approved (None: never)."""

    period: int
    nation: str
    approved_s: Optional[float]
    assignments: tuple


class Opportunity(NamedTuple):
    unit: str
    time_s: float
    range_m: float
    pod: float


@dataclass
class PlayedInput:
    """What was played, in exercise time: everything the evaluation reads besides the truth and the forecast."""

    alert_s: float
    periods: list[tuple[int, float, float]]  # (number, start s, end s)
    fixes: list[Fix]
    sightings: list[SightingReport] = field(default_factory=list)
    plans: list[PlanRecord] = field(default_factory=list)
    first_forecast_s: Optional[float] = None
    sweep_widths_m: dict[str, float] = field(default_factory=dict)  # per unit, for the truth's class
    nations: dict[str, str] = field(default_factory=dict)  # unit -> nation


def sailed_tracks(fixes: list[Fix]) -> dict[str, Track]:
    """Each unit's reports as a track in time order (a repeated time keeps the first report)."""
    by: dict[str, list[Fix]] = {}
    for f in fixes:
        by.setdefault(f.unit, []).append(f)
    out = {}
    for u, fs in by.items():
        fs.sort(key=lambda f: f.time_s)
        t = np.array([f.time_s for f in fs])
        keep = np.concatenate([[True], np.diff(t) > 0])
        out[u] = Track(np.array([f.lon for f in fs])[keep], np.array([f.lat for f in fs])[keep], t[keep], u)
    return out


def inverse_cube_pod(range_m: np.ndarray, sweep_width_m: float) -> np.ndarray:
    """Koopman's inverse-cube lateral range curve: POD of a pass at lateral range ``range_m`` (m)."""
    x = np.maximum(np.abs(np.asarray(range_m, dtype=float)), 1e-9)
    return -np.expm1(-(sweep_width_m ** 2) / (4.0 * math.pi * x * x))


def passes(tracks: dict[str, Track], truth_t: np.ndarray, truth_lon: np.ndarray, truth_lat: np.ndarray,
           widths_m: dict[str, float], reach: float = 5.0) -> list[Opportunity]:
    """Every closest approach of each sailed track to the truth within ``reach`` sweep widths, in time order."""
    ok = np.isfinite(truth_lon) & np.isfinite(truth_lat)
    tt, tx, ty = truth_t[ok], truth_lon[ok], truth_lat[ok]
    if tt.size < 2:
        return []
    frame = LocalProjection(float(tx[0]), float(ty[0]))
    ox, oy = frame.forward(tx, ty)
    out = []
    for u, tr in tracks.items():
        w = widths_m.get(u)
        if w is None or len(tr) < 2:
            continue
        x, y = frame.forward(tr.lon, tr.lat)
        ts, rs = closest_approaches(tr.time_s, x, y, tt, ox, oy, reach * w)
        ts, rs = _one_per_pass(ts, rs, (tr.time_s, x, y), (tt, ox, oy), 0.5 * w)
        out += [Opportunity(u, float(a), float(b), float(inverse_cube_pod(b, w))) for a, b in zip(ts, rs)]
    return sorted(out, key=lambda o: (o.time_s, o.unit))


def _one_per_pass(ts: np.ndarray, rs: np.ndarray, unit: tuple, obj: tuple, rise_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Closest approaches that are one pass kept as one: two minima belong to separate passes only if the range
    rises by ``rise_m`` above the larger of them in between (a track's vertex near the object makes two minima)."""
    if ts.size < 2:
        return ts, rs
    keep_t, keep_r = [float(ts[0])], [float(rs[0])]
    for t, r in zip(ts[1:], rs[1:]):
        s = np.linspace(keep_t[-1], t, 64)
        d = np.hypot(np.interp(s, unit[0], unit[1]) - np.interp(s, obj[0], obj[1]), np.interp(s, unit[0], unit[2]) - np.interp(s, obj[0], obj[2]))
        if d.max() >= max(keep_r[-1], r) + rise_m:
            keep_t.append(float(t))
            keep_r.append(float(r))
        elif r < keep_r[-1]:
            keep_t[-1], keep_r[-1] = float(t), float(r)
    return np.asarray(keep_t), np.asarray(keep_r)


def opportunities_of(all_passes: list[Opportunity], widths_m: dict[str, float]) -> list[Opportunity]:
    """The passes within half the unit's sweep width: the detection opportunities."""
    return [p for p in all_passes if p.range_m <= 0.5 * widths_m[p.unit]]


def pod_true(all_passes: list[Opportunity]) -> float:
    """Probability that the passes detected the truth, looks independent: 1 − Π(1 − pod_k)."""
    return float(1.0 - np.prod([1.0 - p.pod for p in all_passes])) if all_passes else 0.0


class SightingCheck(NamedTuple):
    unit: str
    time_s: float
    distance_nm: float  # to the truth at the sighting's time
    time_error_min: float  # sighting time minus the time the truth was nearest the reported position
    nearest_nm: float  # least distance to the truth within ±30 min
    counts: bool  # within 1 NM and 30 min of the truth


def check_sightings(sightings: list[SightingReport], truth_t: np.ndarray, truth_lon: np.ndarray, truth_lat: np.ndarray) -> list[SightingCheck]:
    """Each sighting against the truth (distance at its time, time error, whether it counts as a detection)."""
    out = []
    if not sightings:
        return out
    frame = LocalProjection(float(truth_lon[0]), float(truth_lat[0]))
    fine = np.arange(truth_t[0], truth_t[-1] + 1.0, 60.0)
    fx, fy = frame.forward(np.interp(fine, truth_t, truth_lon), np.interp(fine, truth_t, truth_lat))
    for s in sightings:
        sx, sy = frame.forward(np.array([s.lon]), np.array([s.lat]))
        d = np.hypot(fx - sx[0], fy - sy[0])
        k = int(np.argmin(np.abs(fine - s.time_s)))
        near = np.abs(fine - s.time_s) <= SIGHTING_WINDOW_S
        least = float(d[near].min()) if near.any() else math.inf
        out.append(SightingCheck(s.unit, s.time_s, float(d[k]) / NM_M, (s.time_s - float(fine[int(np.argmin(d))])) / 60.0,
                                 least / NM_M, bool(least <= SIGHTING_RANGE_M)))
    return out


def _inside(lon: float, lat: float, ring) -> bool:
    from shapely.geometry import Point, Polygon

    return len(ring) >= 3 and Polygon(ring).covers(Point(lon, lat))


def first_on_scene(tracks: dict[str, Track], plans: list[PlanRecord]) -> tuple[Optional[float], dict[str, float]]:
    """First report inside an approved search area (any unit's, any period): combined and per nation."""
    rings = [a.area_ring for p in plans if p.approved_s is not None for a in p.assignments if a.area_ring]
    first: dict[str, float] = {}
    for u, tr in tracks.items():
        for t, x, y in zip(tr.time_s, tr.lon, tr.lat):
            if any(_inside(float(x), float(y), r) for r in rings):
                first[u] = float(t)
                break
    return (min(first.values()) if first else None), first


def on_task_hours(tr: Optional[Track], unit: str, plans: list[PlanRecord]) -> float:
    """Hours the unit's reports cover inside its approved assignments' time on task."""
    if tr is None or len(tr) < 2:
        return 0.0
    h = 0.0
    for p in plans:
        if p.approved_s is None:
            continue
        for a in p.assignments:
            if a.unit == unit:
                h += max(0.0, min(a.off_task_s, float(tr.time_s[-1])) - max(a.on_task_s, float(tr.time_s[0]))) / 3600.0
    return h


def period_tracks(tracks: dict[str, Track], start_s: float, end_s: float) -> dict[str, Track]:
    """Each track cut to [start, end] (ends interpolated), those with some time inside."""
    out = {}
    for u, tr in tracks.items():
        a, b = max(start_s, float(tr.time_s[0])), min(end_s, float(tr.time_s[-1]))
        if not b > a:
            continue
        t = np.unique(np.concatenate([[a], tr.time_s[(tr.time_s > a) & (tr.time_s < b)], [b]]))
        out[u] = Track(np.interp(t, tr.time_s, tr.lon), np.interp(t, tr.time_s, tr.lat), t, u)
    return out


def track_nm(tr: Optional[Track]) -> float:
    if tr is None or len(tr) < 2:
        return 0.0
    frame = LocalProjection(float(tr.lon[0]), float(tr.lat[0]))
    x, y = frame.forward(tr.lon, tr.lat)
    return float(np.hypot(np.diff(x), np.diff(y)).sum()) / NM_M


def detection_draw(all_passes: list[Opportunity], rng: np.random.Generator) -> Optional[Opportunity]:
    """The pass that detects, by one uniform draw per pass in time order (first draw below its POD); None if none."""
    u = rng.random(len(all_passes))
    for p, x in zip(all_passes, u):
        if x < p.pod:
            return p
    return None


def judge_objective(obj: dict, timeline: dict, detected: bool, periods: list[tuple[int, float, float]], plans: list[PlanRecord],
                    nations: set[str]) -> Optional[bool]:
    """Whether a measurable objective was met by the data (None when it has no measure).

    ``timeline``: event name -> exercise time (s) or None; ``nations``: every organisation taking part."""
    m = obj.get("measure")
    alert = timeline["alert"]
    within = {"on_scene_within": "first_on_scene", "opportunity_within": "first_opportunity", "sighting_within": "first_sighting"}
    if m in within:
        t = timeline.get(within[m])
        return t is not None and (t - alert) <= 60.0 * obj["minutes"] + 1e-6
    if m == "plans_before_period":
        k = obj["period"]
        start = next((a for n, a, _ in periods if n == k), None)
        mine = [p for p in plans if p.period == k]
        return bool(start is not None and mine and nations and all(
            any(p.nation == n and p.approved_s is not None and p.approved_s <= start for p in mine) for n in nations))
    if m == "detected":
        return detected
    return None
